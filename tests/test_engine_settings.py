"""One definition of the engine the rep's settings give (softphone.settings_config): the
window's engine (app.engine_service), `queue run`'s (app.calling_cli) and `practice`'s
(calling.practice.cli) take the same devices, audio buffer, codecs and TLS/SRTP options from
the same settings; they differ only in where SIP binds and what the rep's voice is."""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path

import pytest

from app.settings import Settings, SipAccount, save_settings

# what each path sets itself, not from the settings
PER_PATH = {"bind_address": "", "audio": "null", "play_file": None}


def _rep(transport: str, srtp: str) -> Settings:
    acct = SipAccount(id="work", display_name="Dana", server="pbx.example.com",
                      username="dana", transport=transport, srtp=srtp)  # fmt: skip
    off = SipAccount(id="old", server="old.example.com", username="dana", enabled=False)
    return Settings(accounts=[acct, off], input_device="USB Headset Mic",
                    output_device="USB Headset", audio_block_ms=5)  # fmt: skip


def _window(settings: Settings):  # -> EngineConfig
    from app.engine_service import EngineService

    service = EngineService(bridge=None, settings=settings)
    try:
        return service.default_engine_config()
    finally:
        service.commands.stop()


def _practice(settings: Settings):  # -> EngineConfig
    from calling.practice.cli import engine_config

    return engine_config(None, settings)


def _queue(settings: Settings, config_dir: Path):  # -> EngineConfig, as the engine got it
    from app.calling_cli import start_queue_engine

    save_settings(settings, config_dir / "settings.json")
    args = argparse.Namespace(uri_template="sip:{number}@127.0.0.1", account=None,
                              bind="127.0.0.1", headset=False)  # fmt: skip
    client, account_id = start_queue_engine(args)
    try:
        assert account_id is None and client.running
        return client.config
    finally:
        client.stop()


@pytest.mark.parametrize(("transport", "srtp"), [("tls", "mandatory"), ("udp", "disabled")])
def test_the_three_engines_take_the_same_settings(tmp_path, monkeypatch, transport, srtp) -> None:
    monkeypatch.setenv("CALLCOACH_CONFIG_DIR", str(tmp_path))
    settings = _rep(transport, srtp)
    window, practice = _window(settings), _practice(settings)
    queue = _queue(settings, tmp_path)
    assert window.input_device == "USB Headset Mic" and window.output_device == "USB Headset"
    assert window.audio_block_ms == 5 and window.srtp == srtp
    assert ("tls" in window.transports) == (transport == "tls")
    # the same in every field the settings decide (codecs and TLS options included)
    same = [dataclasses.replace(c, **PER_PATH) for c in (window, queue, practice)]
    assert same[0] == same[1] == same[2]
    assert (window.audio, queue.audio, practice.audio) == ("headset", "null", "headset")
    assert queue.bind_address == practice.bind_address == "127.0.0.1"


def test_the_accounts_the_engine_takes() -> None:
    from app.engine_service import EngineService
    from softphone.settings_config import account_configs

    settings = _rep("tls", "optional")
    settings.accounts.append(SipAccount(id="half", server="pbx.example.com"))  # no user
    (acct,) = account_configs(settings)  # the disabled and the incomplete ones are left out
    assert (acct.id, acct.registrar, acct.user, acct.transport) == (
        "work", "pbx.example.com", "dana", "tls")  # fmt: skip
    service = EngineService(bridge=None, settings=settings)
    try:
        assert service.account_configs() == [acct]
    finally:
        service.commands.stop()


def test_queue_without_an_account_says_so_before_starting_an_engine(tmp_path, monkeypatch):
    from app.calling_cli import start_queue_engine

    monkeypatch.setenv("CALLCOACH_CONFIG_DIR", str(tmp_path))
    save_settings(Settings(), tmp_path / "settings.json")
    args = argparse.Namespace(uri_template=None, account=None, bind="127.0.0.1", headset=False)
    with pytest.raises(ValueError, match="No SIP account is set up to dial from"):
        start_queue_engine(args)
