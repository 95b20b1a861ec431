"""Call Coach composition root: builds the services, then the Qt window or a CLI command.

`python main.py` opens the desktop app; `python main.py tel:+1... | sip:...` opens (or reuses)
the window and dials. Every other feature is a subcommand, each registered by the package
that owns it, so the window, the command line and the tests drive the same services.
"""

from __future__ import annotations

import argparse
import sys


def build_parser() -> argparse.ArgumentParser:
    from coach import cli as coach_cli
    from models import cli as models_cli
    from softphone import cli as softphone_cli

    parser = argparse.ArgumentParser(prog="main.py", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    softphone_cli.register(sub)
    coach_cli.register(sub)
    models_cli.register(sub)
    try:
        from app import cli as app_cli
    except ImportError:
        app_cli = None
    if app_cli is not None:
        app_cli.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    commands = set(parser._subparsers._group_actions[0].choices)  # noqa: SLF001
    if argv and (argv[0] in commands or argv[0] in ("-h", "--help")):
        args = parser.parse_args(argv)
        return int(args.func(args) or 0)
    # No subcommand: the desktop app; a bare tel:/sip: URI (from a link handler) dials in it.
    from app.desktop import run_desktop

    return run_desktop(argv)


if __name__ == "__main__":
    sys.exit(main())
