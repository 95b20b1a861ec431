"""The program's name as the user started it, for sentences that tell them what to run.

`callcoach` when installed (the console script, the gui script or the desktop bundle),
`python main.py` in a checkout. It lives in models/, the lowest package the core shares
(coach/ already depends on it), so models/, coach/ and app/ name the program one way.
"""

from __future__ import annotations

import os
import sys

INSTALLED = "callcoach"


def program_name(argv0: str | None = None) -> str:
    """`python main.py` when started as main.py, `callcoach` or `callcoach-gui` as installed,
    and `callcoach` otherwise (a test runner, `python -m`: no command a user could type)."""
    if argv0 is None:
        argv0 = sys.argv[0] if sys.argv else ""
    base = os.path.basename(argv0)
    if base == "main.py":
        return "python main.py"
    name = base.removesuffix(".exe")
    return name if name.startswith(INSTALLED) else INSTALLED  # callcoach, callcoach-gui


def command(args: str) -> str:
    """`PROGRAM ARGS` in backticks, as the sentences quote a command."""
    return f"`{program_name()} {args}`"
