"""`python main.py models list|install|verify`: the speech-model commands."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from models.catalog import load_catalog
from models.errors import ModelError
from models.install import install_model
from models.lookup import installed_models, models_dir, resolve_model_path
from models.verify import verify_model


def _mb(size: int | None) -> str:
    return f"{size / 1e6:.1f} MB" if size else "size unknown"


def cmd_list(args: argparse.Namespace) -> int:
    installed = {p.name: p for p in installed_models()}
    try:
        active: str | None = str(resolve_model_path(None))
    except ModelError as e:
        active, problem = None, str(e)
    else:
        problem = ""
    catalog = load_catalog()
    if args.json:
        out = {
            "models_dir": str(models_dir()),
            "active": active,
            "problem": problem or None,
            "catalog": [
                {
                    "name": e.name,
                    "language": e.language,
                    "url": e.url,
                    "size": e.size,
                    "sha256": e.sha256,
                    "installed": e.name in installed,
                }
                for e in catalog
            ],
            "installed": [str(p) for p in installed.values()],
        }
        print(json.dumps(out, indent=2))
        return 0
    print(f"Installed models folder: {models_dir()}")
    print(f"Model in use: {active}" if active else f"Model in use: none. {problem}")
    print("\nCatalog (install with `python main.py models install NAME`):")
    for e in catalog:
        mark = "*" if e.name in installed else " "
        check = "sha256 known" if e.checksum_known else "sha256 unknown: size + load checked"
        print(f" {mark} {e.name:34} {e.language:6} {_mb(e.size):>10}  {check}")
    others = [p for n, p in installed.items() if n not in {e.name for e in catalog}]
    for p in others:
        print(f" * {p.name:34} (installed from a local file)")
    return 0


def cmd_install(args: argparse.Namespace) -> int:
    try:
        path = install_model(
            args.source,
            directory=Path(args.dir) if args.dir else None,
            sha256=args.sha256,
            force=args.force,
        )
    except ModelError as e:
        print(str(e), file=sys.stderr)
        return 2
    print(f"Installed {path.name} in {path.parent}.")
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    try:
        path = Path(args.path) if args.path else resolve_model_path(None)
        verify_model(path, load=True)
    except ModelError as e:
        print(str(e), file=sys.stderr)
        return 2
    print(f"{path} is a complete Vosk model and loads.")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    """Add this package's subcommands to main.py's parser."""
    p = sub.add_parser("models", help="speech models: list, install, verify")
    msub = p.add_subparsers(dest="models_command", metavar="ACTION", required=True)
    pl = msub.add_parser("list", help="the catalog, the installed models and the one in use")
    pl.add_argument("--json", action="store_true", help="print JSON")
    pl.set_defaults(func=cmd_list)
    pi = msub.add_parser(
        "install", help="install from a zip, a folder, a URL or a catalog name (downloads)"
    )
    pi.add_argument("source", metavar="SRC_OR_NAME")
    pi.add_argument("--sha256", help="expected SHA-256 of the zip (overrides the catalog)")
    pi.add_argument("--force", action="store_true", help="replace an installed model")
    pi.add_argument("--dir", help="install into this folder instead of the models folder")
    pi.set_defaults(func=cmd_install)
    pv = msub.add_parser("verify", help="check a model folder (default: the one in use) loads")
    pv.add_argument("path", nargs="?", metavar="PATH")
    pv.set_defaults(func=cmd_verify)
