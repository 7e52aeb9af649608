"""``python -m embedviz``: the command line."""

import sys

from embedviz.cli.main import main

if __name__ == "__main__":
    sys.exit(main())
