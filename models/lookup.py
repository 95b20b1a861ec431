"""Where the speech model and the sentence encoder come from. The order, first match wins:

1. the `--model PATH_OR_NAME` command-line flag,
2. the environment variable CALLCOACH_MODEL,
3. `"model_path"` in the app's settings.json (platformdirs' user config dir, or
   CALLCOACH_CONFIG_DIR; the file app/settings.py writes),
4. the installed-models folder (the user data dir's `models/`, or CALLCOACH_MODELS_DIR):
   the first installed model in catalog order, then by name.

The sentence encoder follows the same order with its own names: the `--encoder` flag,
CALLCOACH_ENCODER, `"encoder_path"` in settings.json, then the installed encoders (same
folder). Without one the coach runs on its rules alone: `find_encoder` raises EncoderMissing,
whose one sentence says so and what to run.

A source that is given but broken is an error, never silently skipped: the user asked for it.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import platformdirs

from models.catalog import load_catalog
from models.encoder_files import ENCODER_HINT, encoder_layout_problems
from models.errors import ModelError, rules_only
from models.program import command
from models.verify import layout_problems

APP_NAME = "callcoach"
DEFAULT_MODEL = "vosk-model-small-en-us-0.15"
INSTALL_HINT = f"{command(f'models install {DEFAULT_MODEL}')} (or a zip or folder you have)"


def models_dir() -> Path:
    """The installed-models folder (not created here)."""
    override = os.environ.get("CALLCOACH_MODELS_DIR")
    if override:
        return Path(override).expanduser()
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)) / "models"


def settings_path() -> Path:
    # Same place as app/settings.py (models/ must not import app/, so the rule is repeated).
    override = os.environ.get("CALLCOACH_CONFIG_DIR")
    base = (
        Path(override)
        if override
        else Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))
    )
    return base / "settings.json"


def installed_models(directory: Path | None = None) -> list[Path]:
    """Complete model folders in the installed-models folder, catalog order first."""
    directory = directory or models_dir()
    if not directory.is_dir():
        return []
    found = [p for p in directory.iterdir() if p.is_dir() and not p.name.startswith(".")]
    found = [p for p in found if not layout_problems(p)]
    order = {e.name: i for i, e in enumerate(load_catalog())}
    return sorted(found, key=lambda p: (order.get(p.name, len(order)), p.name))


def _settings_model(key: str = "model_path") -> str | None:
    path = settings_path()
    if not path.is_file():
        return None
    try:
        value = json.loads(path.read_text(encoding="utf-8")).get(key)
    except (OSError, ValueError, AttributeError):
        return None  # the settings owner reports a broken file; here it just has no model
    return str(value) if value else None


def _checked(candidate: str, origin: str) -> Path:
    path = Path(candidate).expanduser()
    if not path.exists() and os.sep not in candidate and (models_dir() / candidate).is_dir():
        path = models_dir() / candidate  # a bare name means an installed model
    if not path.exists():
        raise ModelError(
            f"The speech model {candidate} ({origin}) does not exist: "
            f"install one with {INSTALL_HINT} or fix {origin}."
        )
    problems = layout_problems(path)
    if problems:
        raise ModelError(
            f"The speech model at {path} ({origin}) is incomplete or corrupt "
            f"({'; '.join(problems)}): reinstall it with {INSTALL_HINT}."
        )
    return path


def _resolve(
    cli_flag: str | None,
    *,
    flag: str,
    env: str,
    setting: str,
    checked: Callable[[str, str], Path],
    installed: Callable[[], list[Path]],
) -> Path | None:
    """The one lookup order shared by the speech model and the sentence encoder: the flag,
    the environment variable, the settings key, then the first installed folder; None when
    no source names one. A source that is given but broken raises through `checked`."""
    if cli_flag:
        return checked(cli_flag, f"the {flag} flag")
    value = os.environ.get(env)
    if value:
        return checked(value, f"the {env} environment variable")
    configured = _settings_model(setting)
    if configured:
        return checked(configured, f"{setting} in {settings_path()}")
    found = installed()
    return found[0] if found else None


def resolve_model_path(cli_flag: str | None = None) -> Path:
    """The model folder to use, by the documented order; ModelError if there is none."""
    path = _resolve(
        cli_flag, flag="--model", env="CALLCOACH_MODEL", setting="model_path",
        checked=_checked, installed=installed_models,
    )
    if path is None:
        raise ModelError(f"No speech model is installed: run {INSTALL_HINT}.")
    return path


def installed_encoders(directory: Path | None = None) -> list[Path]:
    """Complete sentence-encoder folders in the installed-models folder, catalog order first."""
    from models.catalog import load_encoder_catalog

    directory = directory or models_dir()
    if not directory.is_dir():
        return []
    found = [p for p in directory.iterdir() if p.is_dir() and not p.name.startswith(".")]
    found = [p for p in found if not encoder_layout_problems(p)]
    order = {e.name: i for i, e in enumerate(load_encoder_catalog())}
    return sorted(found, key=lambda p: (order.get(p.name, len(order)), p.name))


def _checked_encoder(candidate: str, origin: str) -> Path:
    path = Path(candidate).expanduser()
    if not path.exists() and os.sep not in candidate and (models_dir() / candidate).is_dir():
        path = models_dir() / candidate  # a bare name means an installed encoder
    if not path.exists():
        raise rules_only(
            f"The sentence encoder {candidate} ({origin}) does not exist: "
            f"install it with {ENCODER_HINT} or fix {origin}."
        )
    problems = encoder_layout_problems(path)
    if problems:
        raise rules_only(
            f"The sentence encoder at {path} ({origin}) is incomplete "
            f"({'; '.join(problems)}): reinstall it with {ENCODER_HINT}."
        )
    return path


def find_encoder(cli_flag: str | None = None) -> Path:
    """The sentence-encoder folder to use, by the documented order; EncoderMissing (a
    ModelError whose one sentence says the coach runs on its rules alone) if there is none."""
    path = _resolve(
        cli_flag, flag="--encoder", env="CALLCOACH_ENCODER", setting="encoder_path",
        checked=_checked_encoder, installed=installed_encoders,
    )
    if path is None:
        raise rules_only(f"No sentence encoder is installed: run {ENCODER_HINT}.")
    return path
