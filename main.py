"""Call Coach from a checkout: `python main.py [COMMAND]` runs what the installed `callcoach`
command runs (the composition root is app/entry.py)."""

from __future__ import annotations

import sys

from app.entry import main

if __name__ == "__main__":
    sys.exit(main())
