"""``python -m backprop``: see ``backprop.cli``."""

import sys

from .cli.main import main

if __name__ == "__main__":
    sys.exit(main())
