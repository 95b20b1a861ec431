"""Wires the first-run dialog to the app: saves each step into the settings, installs the
speech model, scans devices and plays the test tone, stores the SIP password in the keyring.

Slow work runs on the io worker through SettingsWiring's own helpers (the same code the
Settings tabs use); the Settings page is reloaded after each step so both show the same.
"""

from __future__ import annotations

import logging
from typing import Any

from app.first_run import FirstRun, default_rep_name
from app.first_run_dialog import FirstRunDialog
from app.settings import SipAccount, save_settings, store_password

log = logging.getLogger(__name__)


class FirstRunWiring:
    def __init__(self, window: Any, services: Any, settings_wiring: Any) -> None:
        from models.catalog import load_catalog

        self.w, self.sv, self.sw = window, services, settings_wiring
        self.flow = FirstRun(services.settings)
        try:
            entry = load_catalog()[0]
            label, size = entry.label, (entry.size / 1e6 if entry.size else None)
        except Exception:  # noqa: BLE001 - a broken catalog: the step still offers a file
            label, size = "the speech model", None
        self.dialog = FirstRunDialog(
            window, services.settings.rep_name or default_rep_name(), label, size,
            services.coach.model_location(),
        )  # fmt: skip
        d = self.dialog
        d.stepFinished.connect(self._step)
        d.directCallsChosen.connect(lambda: self._account_done(direct=True))
        d.finished.connect(self._closed)
        d.model.downloadRequested.connect(lambda: self.sw.download(d.model))
        d.model.installRequested.connect(lambda source: self.sw.install(source, d.model))
        self.sw.wire_audio(d.headset)
        self.closed = False

    def show(self) -> None:
        self.dialog.show()
        self.dialog.raise_()

    def _step(self, step: str, completed: bool) -> None:
        s = self.sv.settings
        if completed and step == "name":
            name = self.dialog.name.field.text()
            if not name.strip():
                self.dialog.say("Type your name, or press Skip.", bad=True)
                return
            self.flow.set_rep_name(name)
        elif completed and step == "model" and not self.dialog.model.installed:
            self.dialog.say("No model is installed yet: download one, pick your file, or "
                            "press Skip.", bad=True)  # fmt: skip
            return
        elif completed and step == "headset":
            for key, value in self.dialog.headset.values().items():
                setattr(s, key, value)
            self.sw.load_devices()  # the Settings tab shows (and would save) the same choice
        elif completed and step == "account":
            self._account_done(direct=False)
            return
        self._advance(step, completed)

    def _account_done(self, direct: bool) -> None:
        if direct:
            self.flow.direct_calls = True
            self._advance("account", False)
            return
        v = self.dialog.account.values()
        if not (v["server"] and v["username"]):
            self.dialog.say("Type the server and user, or choose Direct calls only.", bad=True)
            return
        s = self.sv.settings
        acct = s.account() or SipAccount()
        for key in ("display_name", "server", "username", "transport", "srtp", "enabled"):
            setattr(acct, key, v[key])
        if acct not in s.accounts:
            s.accounts.append(acct)
        password = self.dialog.account.new_password()
        self.dialog.next.setEnabled(False)
        self.dialog.say("Saving…")

        def write() -> str | None:  # the keyring may be slow (D-Bus): off the GUI thread
            return store_password(acct, password) if password else None

        def written(problem: str | None) -> None:
            self.dialog.next.setEnabled(True)
            if problem:
                self.dialog.say(problem, bad=True)
                return
            self.dialog.account.password.clear()
            self._advance("account", True)

        self.sv.io.submit(write, written, lambda sentence: written(sentence))

    def _advance(self, step: str, completed: bool) -> None:
        nxt = self.flow.record(step, completed)
        self._save(announce=step in ("account", "headset"))
        if nxt is None:
            self.dialog.show_summary(self.flow.summary())
        else:
            if nxt == "headset":  # scanned when wanted, not at every first start-up
                self.sw.load_devices(page=self.dialog.headset)
            self.dialog.show_step(nxt)

    def _save(self, announce: bool = False) -> None:
        """Write the settings (off the GUI thread); reload the Settings page to match and, for
        the account or devices, let the controller re-register (as Settings' Save does)."""
        s = self.sv.settings
        self.w.settings_page.load()
        if announce:
            self.w.settings_page.saved.emit(s)
        self.sv.io.submit(lambda: save_settings(s), None,
                          lambda sentence: log.warning("first run: %s", sentence))  # fmt: skip

    def _closed(self, *_: Any) -> None:
        """Closed at any point: the flow is over; what was skipped stays in Settings."""
        if self.closed:
            return
        self.closed = True
        self.flow.finish(save=False)
        self._save()
        self.w.activateWindow()  # back to the window, typing into the dialer if it shows
        if self.w.stack.currentWidget() is self.w.phone:
            self.w.phone.dialer.field.setFocus()
