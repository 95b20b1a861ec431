"""The softphone engine process as the window's services hold it: starting it with the
accounts from the settings on its own `engine-commands` worker, restarting it after a crash (at
most MAX_RESTARTS times), applying changed settings between calls, stopping it last but the
store; and `EngineUnavailable`, the status-bar event when it is not running.

`EngineService` owns all of this state itself; `app.lifecycle.Services` holds one and starts
and stops it in order.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from app.settings import Settings
from app.tasks import TaskRunner, sentence_for

log = logging.getLogger(__name__)

MAX_RESTARTS = 3


class EngineUnavailable:
    """The engine is not running (never started, or gave up restarting); carries a sentence
    for the status bar. The bridge shows it like an engine crash."""

    def __init__(self, sentence: str) -> None:
        self.reason = sentence


class EngineService:
    """The phone engine: `engine` (the EngineClient, None until started and after stop),
    `engine_ready` (set while it takes commands), `commands` (the worker engine commands run
    on), `on_engine_ready` (run on the GUI thread each time it becomes ready)."""

    def __init__(self, bridge: Any, settings: Settings, config: Any = None) -> None:
        self.bridge, self.settings = bridge, settings
        # given from outside (tests, benchmarks): the settings never change it
        self.fixed_config = config
        self.commands = TaskRunner(bridge, "engine-commands")
        self.engine: Any = None  # softphone.client.EngineClient
        self.engine_ready = threading.Event()
        self.restarts = 0
        self.on_engine_ready: list[Callable[[], None]] = []  # run on the GUI thread
        self._stopping = False

    def start(self) -> None:
        """Start the engine on the commands worker; returns at once."""
        self.commands.submit(self._start_engine)

    def stop(self) -> None:
        """Queued commands (a last hang-up) run first, an engine still starting finishes
        starting; then the engine process stops. Never raises."""
        self._stopping = True
        self.commands.stop(timeout=20)
        engine, self.engine = self.engine, None
        if engine is not None:
            try:
                engine.stop()
            except Exception:
                log.exception("stopping the phone engine failed")

    def _start_engine(self) -> None:
        try:
            from softphone.client import EngineClient

            engine = EngineClient(self.fixed_config or self.default_engine_config())
            engine.add_listener(self.bridge.post)  # its events reach the window by type
            self.engine = engine
            engine.start()
            for acct in self.account_configs():
                try:
                    engine.add_account(acct)
                except Exception as e:  # noqa: BLE001 - one bad account must not stop the rest
                    self.bridge.problem(sentence_for(e))
            self._ready()
        except Exception as e:
            log.exception("the phone engine did not start")
            self.bridge.post(
                EngineUnavailable(f"The phone engine did not start: {sentence_for(e)}")
            )

    def _ready(self) -> None:
        self.engine_ready.set()
        for fn in self.on_engine_ready:
            self.bridge.call_soon(fn)

    def engine_config_changed(self) -> bool:
        """Would the settings give the engine a different configuration? (Never when the
        configuration was given from outside, as tests and benchmarks do.)"""
        if self.engine is None or self.fixed_config is not None:
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
                self._ready()

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

    def default_engine_config(self) -> Any:
        """The EngineConfig the settings give (softphone.settings_config: transports, SRTP,
        devices, audio buffer; the queue and practice commands' engines take the same)."""
        from softphone.settings_config import engine_config

        return engine_config(self.settings)

    def account_configs(self) -> list:
        """The enabled, complete accounts of the settings as the engine takes them."""
        from softphone.settings_config import account_configs

        return account_configs(self.settings)
