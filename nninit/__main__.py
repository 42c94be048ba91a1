"""``python -m nninit``: see :mod:`nninit.cli` (``python -m nninit --help``)."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
