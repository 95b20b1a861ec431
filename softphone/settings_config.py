"""The engine's and the accounts' configuration from what the rep picked in Settings: the one
definition the window's engine, the `queue run` command's and the `practice` command's share,
so a rep's devices, audio buffer, codecs and TLS/SRTP choices reach every engine alike.

The settings are plain data read by attribute (`app.settings.Settings` and its `SipAccount`s;
softphone/ never imports the app layer): `input_device`, `output_device`, `audio_block_ms`,
`accounts` and `account(id)`. What differs between the three engines is not a setting (where
SIP binds, whether the rep's voice is the headset, silence or a file) and is passed in.
"""

from __future__ import annotations

from typing import Any, Protocol

from softphone.accounts import AccountConfig
from softphone.protocol import AudioMode, EngineConfig


class RepAccount(Protocol):
    """One SIP account as the rep typed it (app.settings.SipAccount)."""

    id: str
    display_name: str
    server: str
    username: str
    transport: str
    srtp: str
    enabled: bool


class RepSettings(Protocol):
    """What of the rep's settings the engine takes (app.settings.Settings)."""

    input_device: str
    output_device: str
    audio_block_ms: int
    accounts: list[Any]

    def account(self, account_id: str | None = None) -> Any: ...


def engine_config(
    settings: RepSettings,
    *,
    account_id: str | None = None,
    bind_address: str = "",
    audio: AudioMode = "headset",
    play_file: str | None = None,
) -> EngineConfig:
    """The engine the settings give: TLS among the transports when the account (`account_id`,
    else the first) uses it, that account's SRTP mode (optional without one), the rep's
    headset devices ("" in the settings: the system default) and audio buffer."""
    acct = settings.account(account_id)
    tls = acct is not None and acct.transport == "tls"
    return EngineConfig(
        bind_address=bind_address,
        transports=("udp", "tcp", "tls") if tls else ("udp", "tcp"),
        srtp=acct.srtp if acct is not None else "optional",
        audio=audio,
        play_file=play_file,
        input_device=settings.input_device or None,
        output_device=settings.output_device or None,
        audio_block_ms=settings.audio_block_ms,
    )


def account_config(acct: RepAccount) -> AccountConfig:
    """The engine's account for one of the rep's (the password stays in the keyring)."""
    return AccountConfig(
        id=acct.id,
        registrar=acct.server,
        user=acct.username,
        display_name=acct.display_name,
        transport=acct.transport,  # type: ignore[arg-type]
    )


def is_complete(acct: RepAccount) -> bool:
    """Can the engine register this account (a server and a user name)?"""
    return bool(acct.server and acct.username)


def account_configs(settings: RepSettings) -> list[AccountConfig]:
    """The enabled, complete accounts of the settings as the engine takes them."""
    return [account_config(a) for a in settings.accounts if a.enabled and is_complete(a)]
