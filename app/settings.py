"""The desktop app's settings: one small JSON file in the user's config directory.

Holds what a rep picks in Settings (SIP accounts without passwords, audio devices, default
region for phone numbers, coach options, window geometry). Passwords never land here: they go
to the OS keyring under the service "callcoach" (see `store_password`). The directory is
platformdirs' user config dir, or `CALLCOACH_CONFIG_DIR` when set (tests, portable installs).
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

KEYRING_SERVICE = "callcoach"
TRANSPORTS = ("udp", "tcp", "tls")
SRTP_MODES = ("disabled", "optional", "mandatory")


def config_dir() -> Path:
    """Where settings.json lives (created on first save)."""
    override = os.environ.get("CALLCOACH_CONFIG_DIR")
    if override:
        return Path(override)
    import platformdirs

    return Path(platformdirs.user_config_dir("callcoach", appauthor=False))


@dataclass
class SipAccount:
    """One SIP account as the rep typed it; the password is in the keyring, keyed by `key`."""

    id: str = "default"
    display_name: str = ""
    server: str = ""
    username: str = ""
    transport: str = "udp"
    srtp: str = "optional"
    enabled: bool = True

    @property
    def key(self) -> str:
        """The keyring user name: the same rule the engine uses to look the password up."""
        from softphone.accounts import AccountConfig

        return AccountConfig(id=self.id, registrar=self.server, user=self.username).keyring_user

    def sip_uri(self) -> str:
        return f"sip:{self.username}@{self.server}" if self.username and self.server else ""


@dataclass
class Settings:
    accounts: list[SipAccount] = field(default_factory=list)
    rep_name: str = ""  # who is calling: the team lead's reports and coaching go by it
    default_region: str = "US"
    input_device: str = ""  # "" = system default
    output_device: str = ""
    ring_device: str = ""
    audio_block_ms: int = 10  # the headset buffer (softphone.protocol.AUDIO_BLOCK_MS): 10 or 5
    model_path: str = ""
    encoder_path: str = ""  # the sentence encoder folder; "" = models.lookup's order
    rule_pack: str = ""
    monologue_seconds: float = 0.0  # 0 = the rule pack's limit
    live_flags: list[str] = field(default_factory=list)  # empty = every kind shows live
    card_repeat_seconds: float = 30.0
    calling_hours: str = "8-20"  # contacts' local window for power dialing ("8:30-17:30")
    window_geometry: str = ""
    dismissals: dict[str, int] = field(default_factory=dict)
    first_run_done: bool = False  # the first-run flow (app/first_run.py) was shown once

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Settings:
        known = {f.name for f in fields(cls)}
        kwargs = {k: v for k, v in data.items() if k in known}
        # a settings file from before the first-run flow belongs to a rep already set up
        kwargs.setdefault("first_run_done", True)
        if "audio_block_ms" in kwargs:
            from softphone.protocol import audio_block_problem

            problem = audio_block_problem(kwargs["audio_block_ms"])
            if problem:  # a hand-edited file: keep everything else, use the steady default
                log.warning("%s Using 10 ms.", problem)
                kwargs["audio_block_ms"] = 10
        accounts = []
        for a in kwargs.pop("accounts", []) or []:
            if isinstance(a, dict):
                acct_known = {f.name for f in fields(SipAccount)}
                accounts.append(SipAccount(**{k: v for k, v in a.items() if k in acct_known}))
        return cls(accounts=accounts, **kwargs)

    def account(self, account_id: str | None = None) -> SipAccount | None:
        for a in self.accounts:
            if account_id is None or a.id == account_id:
                return a
        return None


def settings_path() -> Path:
    return config_dir() / "settings.json"


def load_settings(path: Path | None = None) -> Settings:
    """Read settings; a missing or damaged file gives defaults (damage is logged, not fatal)."""
    path = path or settings_path()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return Settings()
    except (OSError, ValueError) as e:
        log.warning("Settings file %s could not be read (%s); using defaults", path, e)
        return Settings()
    try:
        return Settings.from_json(data if isinstance(data, dict) else {})
    except (TypeError, ValueError) as e:
        log.warning("Settings file %s has unexpected values (%s); using defaults", path, e)
        return Settings()


def save_settings(settings: Settings, path: Path | None = None) -> Path:
    """Write atomically (temp file + rename) so a crash never leaves half a file."""
    path = path or settings_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".settings-", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(settings.to_json(), f, indent=2, sort_keys=True)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def store_password(account: SipAccount, password: str) -> str | None:
    """Save a SIP password in the keyring; returns a sentence if the keyring refused."""
    try:
        import keyring

        keyring.set_password(KEYRING_SERVICE, account.key, password)
    except Exception as e:  # noqa: BLE001 - any backend failure becomes a sentence
        log.info("keyring refused the password: %s", type(e).__name__)
        return (
            "The password could not be saved in the system keyring — "
            "unlock or install a keyring and try again."
        )
    return None


def has_password(account: SipAccount) -> bool:
    try:
        import keyring

        return keyring.get_password(KEYRING_SERVICE, account.key) is not None
    except Exception:  # noqa: BLE001
        return False
