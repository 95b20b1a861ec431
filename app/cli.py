"""Subcommands registered by the app layer (main.py calls `register` when this module exists).

The app layer composes the packages, so commands that need more than one of them live here:
the call library (`import`, `library ...`, `session ...`, see `app.library_cli`) and teaching
the coach (`coach examples ...`, `coach train`, see `app.coach_cli`), and the launcher with its
tel:/sip: handler (`desktop install|remove`, see `app.desktop_install`).
"""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    """Add the app layer's subcommands to main.py's parser."""
    from calling import cli as coached_calls

    coached_calls.extend(sub)  # --coach on the softphone's call and answer
    from app import library_cli

    library_cli.register(sub)
    from app import calling_cli

    calling_cli.register(sub)
    from app import coach_cli

    coach_cli.register(sub)
    from app import desktop_install

    desktop_install.register(sub)
