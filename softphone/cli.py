"""Command-line commands owned by the softphone package (registered into main.py's parser)."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    """Add this package's subcommands to main.py's parser."""
