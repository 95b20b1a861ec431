"""`python -m softphone.engine --fd N`: the engine process (see softphone.engine.process)."""

from __future__ import annotations

import sys

from softphone.engine.process import main

if __name__ == "__main__":
    sys.exit(main())
