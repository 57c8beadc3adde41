"""Run one docs page's python blocks, in order, in one namespace, in the current folder.

Usage: ``python -m mkdocs_hooks.run_page docs/tutorial/01-chain-rule.md``

Exit status 0 when every block ran or was skipped for a missing need (each
skipped block is reported on stderr as ``SKIPPED-BLOCK line N: needs ...``);
otherwise the traceback names the page and the line of the block that
failed. Each page runs in a fresh process so that a page's ``manual_seed``
or ``set_default_dtype`` cannot leak into another page or into the test suite.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    os.environ.setdefault("MPLBACKEND", "Agg")
    from mkdocs_hooks import pages

    path = Path(argv[0]).resolve()
    pages.report_skipped(pages.run(pages.read(path), str(path)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
