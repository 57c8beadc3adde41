"""``mytorch.vector.nn``: the one ``mytorch.nn`` itself (the vector engine is its home device).

A namespace module, not engine code: importing it puts ``mytorch.nn`` in its place.
"""

import sys

import mytorch.nn

sys.modules[__name__] = mytorch.nn
