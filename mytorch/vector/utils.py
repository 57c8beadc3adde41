"""``mytorch.vector.utils``: the one ``mytorch.utils`` itself (the vector engine is its home device).

A namespace module, not engine code: importing it puts ``mytorch.utils`` in its place.
"""

import sys

import mytorch.utils

sys.modules[__name__] = mytorch.utils
