"""Where the speech model comes from. The order, first match wins:

1. the `--model PATH_OR_NAME` command-line flag,
2. the environment variable CALLCOACH_MODEL,
3. `"model_path"` in the app's settings.json (platformdirs' user config dir, or
   CALLCOACH_CONFIG_DIR; the file app/settings.py writes),
4. the installed-models folder (the user data dir's `models/`, or CALLCOACH_MODELS_DIR):
   the first installed model in catalog order, then by name.

A source that is given but broken is an error, never silently skipped: the user asked for it.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import platformdirs

from models.catalog import load_catalog
from models.errors import ModelError
from models.verify import layout_problems

APP_NAME = "callcoach"
DEFAULT_MODEL = "vosk-model-small-en-us-0.15"
INSTALL_HINT = f"`python main.py models install {DEFAULT_MODEL}` (or a zip or folder you have)"


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


def _settings_model() -> str | None:
    path = settings_path()
    if not path.is_file():
        return None
    try:
        value = json.loads(path.read_text(encoding="utf-8")).get("model_path")
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


def resolve_model_path(cli_flag: str | None = None) -> Path:
    """The model folder to use, by the documented order; ModelError if there is none."""
    if cli_flag:
        return _checked(cli_flag, "the --model flag")
    env = os.environ.get("CALLCOACH_MODEL")
    if env:
        return _checked(env, "the CALLCOACH_MODEL environment variable")
    configured = _settings_model()
    if configured:
        return _checked(configured, f"model_path in {settings_path()}")
    installed = installed_models()
    if installed:
        return installed[0]
    raise ModelError(f"No speech model is installed: run {INSTALL_HINT}.")
