"""The settings page: phone (account), audio, speech model and coach tabs with one Save button.

Loads from and saves to `app.settings.Settings`; the password goes to the keyring. After a
save, `saved` is emitted so the controller can re-register or reload what changed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QTabWidget, QVBoxLayout, QWidget

from app.settings import Settings, SipAccount, has_password, save_settings, store_password
from coach.ui.settings_pages import CoachPage, ModelPage
from softphone.ui.settings_pages import AccountPage, AudioPage


class SettingsPage(QWidget):
    saved = Signal(object)  # Settings

    def __init__(self, settings: Settings) -> None:
        super().__init__()
        self.setObjectName("Canvas")
        self.settings = settings
        # how slow work (keyring, disk) runs: the app sets its io worker; default inline
        self.background: Callable[[Callable[[], Any], Callable[[Any], None]], None] = (
            lambda fn, done: done(fn())
        )
        lay = QVBoxLayout(self)
        lay.setContentsMargins(24, 18, 24, 18)
        lay.setSpacing(10)
        title = QLabel("Settings")
        title.setStyleSheet("font-size: 17pt; font-weight: bold;")
        lay.addWidget(title)
        self.tabs = QTabWidget()
        self.account = AccountPage()
        self.audio = AudioPage()
        self.model = ModelPage()
        self.coach = CoachPage()
        self.tabs.addTab(self.account, "Phone")
        self.tabs.addTab(self.audio, "Audio")
        self.tabs.addTab(self.model, "Speech model")
        self.tabs.addTab(self.coach, "Coach")
        lay.addWidget(self.tabs, 1)
        row = QHBoxLayout()
        self.message = QLabel("")
        self.message.setWordWrap(True)
        row.addWidget(self.message, 1)
        self.revert = QPushButton("Revert")
        self.revert.clicked.connect(self.load)
        self.save = QPushButton("Save")
        self.save.setProperty("role", "primary")
        self.save.clicked.connect(self._save)
        row.addWidget(self.revert)
        row.addWidget(self.save)
        lay.addLayout(row)
        for w in (self.account, self.audio, self.model, self.coach):
            w.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.load()

    def load(self) -> None:
        s = self.settings
        acct = s.account() or SipAccount()
        values = {
            "display_name": acct.display_name,
            "server": acct.server,
            "username": acct.username,
            "transport": acct.transport,
            "srtp": acct.srtp,
            "enabled": acct.enabled,
            "region": s.default_region,
            "rep_name": s.rep_name,
        }
        self.account.load(values, False)
        self.audio.set_block_ms(s.audio_block_ms)
        self.coach.load(s.to_json())
        self.message.setText("")
        if acct.server:  # the keyring may be slow (D-Bus): ask off the GUI thread
            self.background(lambda: has_password(acct), self._show_has_password)

    def _show_has_password(self, has: bool) -> None:
        if has and not self.account.password.text():
            self.account.password.setPlaceholderText("Saved in the keyring — type to change")

    def _save(self) -> None:
        s = self.settings
        v = self.account.values()
        acct = s.account() or SipAccount()
        acct.display_name, acct.server, acct.username = (
            v["display_name"], v["server"], v["username"],
        )  # fmt: skip
        acct.transport, acct.srtp, acct.enabled = v["transport"], v["srtp"], v["enabled"]
        if acct.server and acct not in s.accounts:
            s.accounts.append(acct)
        s.default_region = v["region"]
        s.rep_name = v["rep_name"]
        for key, value in self.audio.values().items():
            setattr(s, key, value)
        c = self.coach.values()
        s.rule_pack, s.monologue_seconds = c["rule_pack"], c["monologue_seconds"]
        s.card_repeat_seconds, s.live_flags = c["card_repeat_seconds"], c["live_flags"]
        password = self.account.new_password()
        self.save.setEnabled(False)
        self._say("Saving…")

        def write() -> list[str]:  # keyring and disk: off the GUI thread
            problems = []
            if password and acct.server:
                problem = store_password(acct, password)
                if problem:
                    problems.append(problem)
            try:
                save_settings(s)
            except OSError as e:
                problems.append(f"Settings could not be written ({e.strerror or e}).")
            return problems

        self.background(write, lambda problems: self._saved(problems, bool(password)))

    def _saved(self, problems: list[str], password_given: bool) -> None:
        self.save.setEnabled(True)
        self._say(" ".join(problems) or "Saved.", bad=bool(problems))
        if password_given and not any("keyring" in p for p in problems):
            self.account.password.clear()
            self.account.password.setPlaceholderText("Saved in the keyring — type to change")
        if not problems:
            self.saved.emit(self.settings)

    def failed(self, sentence: str) -> None:
        self.save.setEnabled(True)
        self._say(sentence, bad=True)

    def _say(self, text: str, bad: bool = False) -> None:
        self.message.setText(text)
        self.message.setProperty("role", "error" if bad else "ok")
        self.message.style().unpolish(self.message)
        self.message.style().polish(self.message)
