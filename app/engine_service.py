"""The softphone engine process as the window's services hold it: starting it with the
accounts from the settings, restarting it after a crash (at most MAX_RESTARTS times), applying
changed settings between calls, and `EngineUnavailable`, the status-bar event when it is not
running. `app.lifecycle.Services` mixes this in; stop() there stops the engine in order.
"""

from __future__ import annotations

import logging
from typing import Any

from app.tasks import sentence_for

log = logging.getLogger(__name__)

MAX_RESTARTS = 3


class EngineUnavailable:
    """The engine is not running (never started, or gave up restarting); carries a sentence
    for the status bar. The bridge shows it like an engine crash."""

    def __init__(self, sentence: str) -> None:
        self.reason = sentence


class EngineParts:
    """Services' engine half: uses its bridge, settings, engine_config, engine, engine_ready,
    on_engine_ready, restarts and stopping flag (all set up in Services.__init__)."""

    def _start_engine(self) -> None:
        try:
            from softphone.client import EngineClient

            engine = EngineClient(self.engine_config or self.default_engine_config())
            engine.add_listener(self._on_engine_event)
            self.engine = engine
            engine.start()
            for acct in self.account_configs():
                try:
                    engine.add_account(acct)
                except Exception as e:  # noqa: BLE001 - one bad account must not stop the rest
                    self.bridge.problem(sentence_for(e))
            self.engine_ready.set()
            for fn in self.on_engine_ready:
                self.bridge.call_soon(fn)
        except Exception as e:
            log.exception("the phone engine did not start")
            self.bridge.post(
                EngineUnavailable(f"The phone engine did not start: {sentence_for(e)}")
            )

    def engine_config_changed(self) -> bool:
        """Would the settings give the engine a different configuration? (Never when the
        configuration was given from outside, as tests and benchmarks do.)"""
        if self.engine is None or self.engine_config is not None:
            return False
        return self.default_engine_config() != self.engine.config

    def apply_engine_config(self) -> None:
        """Restart the engine with the configuration from the settings and the accounts from
        the settings (engine-commands worker; only between calls)."""
        engine = self.engine
        if engine is None:
            return
        self.engine_ready.clear()
        try:
            engine.stop()
            engine.config = self.default_engine_config()
            engine.start()
            for acct in self.account_configs():
                engine.add_account(acct)
        finally:
            if engine.running:
                self.engine_ready.set()
                for fn in self.on_engine_ready:
                    self.bridge.call_soon(fn)

    def restart_engine(self) -> None:
        """After a crash: start the engine process again (it gets its accounts back). Runs on
        the engine-commands worker; the window, coach and database never stopped."""
        engine = self.engine
        if engine is None or self._stopping:
            return
        if self.restarts >= MAX_RESTARTS:  # a crash loop: stop trying, say so once
            self.bridge.post(
                EngineUnavailable("The phone engine keeps stopping; restart Call Coach.")
            )
            return
        self.engine_ready.clear()
        try:
            engine.stop()  # reap what is left of the old process
            engine.start()
        except Exception as e:
            log.exception("the phone engine could not be restarted")
            self.bridge.post(
                EngineUnavailable(f"The phone engine could not restart: {sentence_for(e)}")
            )
            return
        self.engine_ready.set()
        self.restarts += 1

    def _on_engine_event(self, event: Any) -> None:
        if type(event).__name__ == "EngineStarted":
            self.engine_started = event
        self.bridge.post(event)

    def default_engine_config(self) -> Any:
        from softphone.protocol import EngineConfig

        s = self.settings
        acct = s.account()
        transports = ("udp", "tcp", "tls") if acct and acct.transport == "tls" else ("udp", "tcp")
        return EngineConfig(
            transports=transports,
            srtp=(acct.srtp if acct else "optional"),
            audio="headset",
            input_device=s.input_device or None,
            output_device=s.output_device or None,
            audio_block_ms=s.audio_block_ms,
        )

    def account_configs(self) -> list:
        from softphone.accounts import AccountConfig

        out = []
        for a in self.settings.accounts:
            if a.enabled and a.server and a.username:
                out.append(
                    AccountConfig(
                        id=a.id,
                        registrar=a.server,
                        user=a.username,
                        display_name=a.display_name,
                        transport=a.transport,  # type: ignore[arg-type]
                    )
                )
        return out
