"""The status bar and the idle view's subtitle: SIP registration, engine, speech model and what
the coach runs on (phrase rules, with or without the semantic layer).

Listens to the bridge (and the Services' semantic-layer callbacks, run on the GUI thread) only; each state becomes a short label with a coloured dot, and the
full sentence (from the engine or the model loader) goes in the tooltip or the idle view.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QLabel

from app.settings import Settings


class StatusWiring(QObject):
    def __init__(self, window: Any, bridge: Any, services: Any, settings: Settings) -> None:
        super().__init__(window)
        self.w, self.sv, self.settings = window, services, settings
        self.registered: dict[str, bool] = {}
        bridge.registrationChanged.connect(self._on_registration)
        bridge.engineStarted.connect(self._on_engine_started)
        bridge.modelStateChanged.connect(self._on_model_state)
        self.coach_label = QLabel("")
        self.coach_label.setObjectName("CoachState")
        self.coach_label.setContentsMargins(6, 0, 6, 0)
        window.status.addWidget(self.coach_label)
        services.coach.on_semantic_changed.append(self._on_semantic)
        self._on_semantic(services.coach.semantic_message)

    def _on_registration(self, ev: Any) -> None:
        self.registered[ev.account_id] = ev.registered
        if ev.registered:
            self.w.status.set_registration("Registered", "good")
        else:
            self.w.status.set_registration(ev.sentence or "Not registered", "bad")
        self.w.phone.idle.subtitle.setText(
            "Type a number or a name, or pick a recent call." if ev.registered else ev.sentence
        )

    def _on_engine_started(self, ev: Any) -> None:
        if not self.settings.account():
            self.w.status.set_registration("Ready — no SIP account (direct calls only)", "idle")
        else:
            self.w.status.set_registration("Registering…", "warn")
        self.w.status.set_audio(_audio_label(self.settings))

    def _on_model_state(self, state: str, sentence: str) -> None:
        tone = {"ready": "good", "loading": "idle", "off": "idle"}.get(state, "bad")
        short = {"ready": "Speech model ready", "loading": "Speech model: loading…",
                 "off": "Speech model off"}.get(state, "No speech model — see Settings")  # fmt: skip
        self.w.status.set_model(short, tone)
        self.w.status.model.setToolTip(sentence)
        page = self.w.settings_page.model
        if state == "ready":
            self.sv.io.submit(self.sv.coach.model_location, lambda p: page.set_state(sentence, p))
        else:
            page.set_state(sentence)


    def _on_semantic(self, sentence: str) -> None:
        """The one sentence on Settings → Coach; a short form in the status bar."""
        if "loading" in sentence:
            short = "Coach: rules (semantic layer loading…)"
        elif "semantic layer" in sentence and "alone" not in sentence:
            short = "Coach: rules + semantic layer"
        else:
            short = "Coach: phrase rules alone"
        self.coach_label.setText(short)
        self.coach_label.setToolTip(sentence)
        self.w.settings_page.coach.set_semantic(sentence)


def _audio_label(s: Settings) -> str:
    return f"Audio: {s.input_device or 'system default'}"
