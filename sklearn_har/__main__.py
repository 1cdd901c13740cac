"""``python -m sklearn_har``: see :mod:`sklearn_har._main`."""

import sys

from ._main import main

if __name__ == "__main__":
    sys.exit(main())
