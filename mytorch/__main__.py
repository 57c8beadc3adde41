"""``python -m mytorch`` runs the ``mytorch`` command."""

import sys

from .cli import main

sys.exit(main())
