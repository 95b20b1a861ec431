"""Call Coach composition root: builds the services, then the Qt window or a CLI command.

`callcoach` (the installed command), `callcoach-gui` and `python main.py` in a checkout all run
`main()`. With no command it opens the desktop app; `callcoach tel:+1... | sip:...` opens (or
reuses) the window and dials. Every other feature is a subcommand, each registered by the
package that owns it, so the window, the command line and the tests drive the same services.
What the machine must provide (PortAudio, a display) is checked before the window or a
headset call starts, and reported in one sentence.
"""

from __future__ import annotations

import argparse
import sys

EXIT_SYSTEM = 3  # the machine lacks a library the command needs (see app/system_needs.py)


def _prog() -> str:
    from models.program import program_name

    return program_name()  # the usage line names the program as the user started it


def build_parser() -> argparse.ArgumentParser:
    """The `main.py` parser with every package's subcommands."""
    return _parser_and_commands()[0]


def _parser_and_commands() -> tuple[argparse.ArgumentParser, set[str]]:
    """The parser and the names of its subcommands, taken where they are registered."""
    from app import cli as app_cli
    from coach import cli as coach_cli
    from models import cli as models_cli
    from softphone import cli as softphone_cli

    parser = argparse.ArgumentParser(prog=_prog(), description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    softphone_cli.register(sub)
    coach_cli.register(sub)
    models_cli.register(sub)
    app_cli.register(sub)
    return parser, set(sub.choices)


def _system_problems(args: argparse.Namespace | None) -> list[str]:
    from app import system_needs

    if args is None:  # the desktop app
        return system_needs.desktop_problems()
    if getattr(args, "headset", False):
        return [p for p in (system_needs.portaudio_problem(),) if p]
    return []


def _run_module(argv: list[str]) -> int:
    """The desktop bundle's `callcoach -m MODULE ARGS`: there sys.executable is the bundle, so
    the helpers the app starts as `python -m` (the engine, the practice prospect) come here."""
    import runpy

    sys.argv = [argv[1], *argv[2:]]
    try:
        runpy.run_module(argv[1], run_name="__main__", alter_sys=True)
    except SystemExit as e:
        return e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if getattr(sys, "frozen", False):
        import multiprocessing

        multiprocessing.freeze_support()  # its resource tracker (shared memory) runs through us
        if len(argv) > 1 and argv[0] == "-m":
            return _run_module(argv)
    parser, commands = _parser_and_commands()
    if argv and (argv[0] in commands or argv[0] in ("-h", "--help")):
        args = parser.parse_args(argv)
        problems = _system_problems(args)
        if problems:
            print("\n".join(problems), file=sys.stderr)
            return EXIT_SYSTEM
        return int(args.func(args) or 0)
    # No subcommand: the desktop app; a bare tel:/sip: URI (from a link handler) dials in it.
    problems = _system_problems(None)
    if problems:
        print("\n".join(problems), file=sys.stderr)
        return EXIT_SYSTEM
    from app.desktop import run_desktop

    return run_desktop(argv)
