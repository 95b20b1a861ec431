"""`python main.py models list|install|verify`: the speech-model and sentence-encoder commands."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from models.catalog import load_catalog, load_encoder_catalog
from models.encoder_files import looks_like_encoder, verify_encoder
from models.errors import ModelError
from models.install import install_model
from models.install_encoder import install_encoder, is_encoder_source
from models.lookup import (
    find_encoder,
    installed_encoders,
    installed_models,
    models_dir,
    resolve_model_path,
)
from models.program import command
from models.verify import verify_model


def _mb(size: int | None) -> str:
    return f"{size / 1e6:.1f} MB" if size else "size unknown"


def _encoders_summary() -> dict:
    installed = {p.name: p for p in installed_encoders()}
    try:
        active: str | None = str(find_encoder(None))
    except ModelError as e:
        active, problem = None, str(e)
    else:
        problem = None
    return {
        "active": active,
        "problem": problem,
        "catalog": [
            {
                "name": e.name,
                "repository": e.repository,
                "revision": e.revision,
                "size": e.size,
                "files": {f.name: f.sha256 for f in e.files},
                "installed": e.name in installed,
            }
            for e in load_encoder_catalog()
        ],
        "installed": [str(p) for p in installed.values()],
    }


def _print_encoders(enc: dict) -> None:
    if enc["active"]:
        print(f"\nSentence encoder in use: {enc['active']}")
    else:
        print(f"\nSentence encoder in use: none. {enc['problem']}")
    print(f"Encoders (install with {command('models install NAME')}):")
    for e in enc["catalog"]:
        mark = "*" if e["installed"] else " "
        print(
            f" {mark} {e['name']:34} {'en':6} {_mb(e['size']):>10}  "
            f"sha256 known, revision {e['revision'][:12]}"
        )


def cmd_list(args: argparse.Namespace) -> int:
    installed = {p.name: p for p in installed_models()}
    try:
        active: str | None = str(resolve_model_path(None))
    except ModelError as e:
        active, problem = None, str(e)
    else:
        problem = ""
    catalog = load_catalog()
    encoders = _encoders_summary()
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
            "encoders": encoders,
        }
        print(json.dumps(out, indent=2))
        return 0
    print(f"Installed models folder: {models_dir()}")
    print(f"Model in use: {active}" if active else f"Model in use: none. {problem}")
    print(f"\nCatalog (install with {command('models install NAME')}):")
    for e in catalog:
        mark = "*" if e.name in installed else " "
        check = "sha256 known" if e.checksum_known else "sha256 unknown: size + load checked"
        print(f" {mark} {e.name:34} {e.language:6} {_mb(e.size):>10}  {check}")
    others = [p for n, p in installed.items() if n not in {e.name for e in catalog}]
    for p in others:
        print(f" * {p.name:34} (installed from a local file)")
    _print_encoders(encoders)
    return 0


def cmd_install(args: argparse.Namespace) -> int:
    try:
        if is_encoder_source(args.source):
            if args.sha256:
                raise ModelError(
                    "--sha256 checks a speech-model zip; the encoder's files are checked "
                    "against the catalog: drop --sha256."
                )
            path = install_encoder(
                args.source, directory=Path(args.dir) if args.dir else None, force=args.force
            )
            print(f"Installed the sentence encoder {path.name} in {path.parent}.")
            return 0
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
    if args.path and looks_like_encoder(Path(args.path)):
        checks = ["encoder"]
    elif args.path:
        checks = ["speech"]
    else:
        checks = ["speech", "encoder"]  # both of the ones in use
    failed = False
    for check in checks:
        try:
            if check == "speech":
                path = Path(args.path) if args.path else resolve_model_path(None)
                verify_model(path, load=True)
                print(f"{path} is a complete Vosk model and loads.")
            else:
                path = Path(args.path) if args.path else find_encoder(None)
                verify_encoder(path, load=True)
                print(f"{path} is the catalog's sentence encoder and encodes as published.")
        except ModelError as e:
            print(str(e), file=sys.stderr)
            failed = True
    return 2 if failed else 0


def register(sub: argparse._SubParsersAction) -> None:
    """Add this package's subcommands to main.py's parser."""
    p = sub.add_parser(
        "models", help="speech models and the sentence encoder: list, install, verify"
    )
    msub = p.add_subparsers(dest="models_command", metavar="ACTION", required=True)
    pl = msub.add_parser("list", help="the catalog, the installed models and the one in use")
    pl.add_argument("--json", action="store_true", help="print JSON")
    pl.set_defaults(func=cmd_list)
    pi = msub.add_parser(
        "install",
        help="install a speech model or the sentence encoder from a zip, a folder, a URL or a "
        "catalog name (downloads)",
    )
    pi.add_argument("source", metavar="SRC_OR_NAME")
    pi.add_argument("--sha256", help="expected SHA-256 of the zip (overrides the catalog)")
    pi.add_argument("--force", action="store_true", help="replace an installed model")
    pi.add_argument("--dir", help="install into this folder instead of the models folder")
    pi.set_defaults(func=cmd_install)
    pv = msub.add_parser(
        "verify", help="check a model or encoder folder (default: the ones in use) loads"
    )
    pv.add_argument("path", nargs="?", metavar="PATH")
    pv.set_defaults(func=cmd_verify)
