"""Coach cards: one short card per flag (kind, the words, the rewrite) and positive marks.

A card the semantic layer raised (`flag.source == "semantic"`: no rule's words matched) says
which labelled example the line sounds like, so the rep sees why it was raised.

`CardFeed` keeps the panel sharp: a flag of the same kind and trigger is not shown again within
`repeat_window` seconds of call time, at most `max_cards` stay visible (newest on top), and a
rep's dismissals are counted per kind (a signal for the team lead) and emitted.
"""

from __future__ import annotations

import html
import re
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

KIND_TITLES = {
    "arguing": "Arguing",
    "interruption": "Interrupted",
    "vague_language": "Vague language",
    "false_familiarity": "False familiarity",
    "content_dump": "Content dump",
    "pressure": "Pressure",
    "monologue": "Monologue",
    "no_discovery": "Too few questions",
    "missed_qualification": "Missed qualification",
}
HIGH_SEVERITY = {"arguing", "pressure", "interruption", "false_familiarity"}


def _attr(obj: Any, name: str, default: Any = "") -> Any:
    if isinstance(obj, dict):
        return obj.get(name, default)
    return getattr(obj, name, default)


def _sentence(text: str) -> str:
    text = re.sub(r"\bi(?=\b|')", "I", text.strip())
    return text[:1].upper() + text[1:]


def quote_with_trigger(text: str, trigger: str, limit: int = 140) -> str:
    """The flagged words in bold inside the quoted line (rich text), trimmed around them."""
    text = _sentence(text or trigger)
    i = text.lower().find(trigger.lower()) if trigger else -1
    if i < 0:
        body = html.escape(text if len(text) <= limit else text[: limit - 1] + "…")
        return f"“{body}”"
    start = max(0, i - 50) if len(text) > limit else 0
    end = min(len(text), i + len(trigger) + 70) if len(text) > limit else len(text)
    before, hit, after = text[start:i], text[i : i + len(trigger)], text[i + len(trigger) : end]
    pre = "…" if start else ""
    post = "…" if end < len(text) else ""
    return (f"“{pre}{html.escape(before)}<b>{html.escape(hit)}</b>"
            f"{html.escape(after)}{post}”")  # fmt: skip


class FlagCard(QFrame):
    dismissed = Signal(object)

    def __init__(self, flag: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.flag = flag
        kind = _attr(flag, "kind")
        self.setObjectName("FlagCard")
        self.setProperty("severity", "high" if kind in HIGH_SEVERITY else "normal")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(12, 8, 8, 10)
        lay.setSpacing(3)
        top = QHBoxLayout()
        label = _attr(flag, "label") or KIND_TITLES.get(kind, kind.replace("_", " ").title())
        self.title = QLabel(label.upper())
        self.title.setObjectName("FlagKind")
        top.addWidget(self.title, 1)
        self.close_button = QPushButton("✕")
        self.close_button.setProperty("role", "ghost")
        self.close_button.setToolTip("Dismiss — not helpful here")
        self.close_button.setAccessibleName("Dismiss card")
        self.close_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.close_button.clicked.connect(lambda: self.dismissed.emit(self.flag))
        top.addWidget(self.close_button, 0, Qt.AlignmentFlag.AlignTop)
        lay.addLayout(top)
        self.words = QLabel(quote_with_trigger(_attr(flag, "text"), _attr(flag, "trigger")))
        self.words.setObjectName("FlagWords")
        self.words.setTextFormat(Qt.TextFormat.RichText)
        self.words.setWordWrap(True)
        lay.addWidget(self.words)
        suggestion = _attr(flag, "suggestion")
        self.suggestion = QLabel(f"Try: {suggestion}" if suggestion else "")
        self.suggestion.setObjectName("FlagSuggestion")
        self.suggestion.setWordWrap(True)
        self.suggestion.setVisible(bool(suggestion))
        lay.addWidget(self.suggestion)
        self.resembles = QLabel(sounds_like(flag))
        self.resembles.setObjectName("FlagResembles")
        self.resembles.setWordWrap(True)
        self.resembles.setVisible(bool(self.resembles.text()))
        lay.addWidget(self.resembles)


def sounds_like(flag: Any) -> str:
    """'Sounds like: “…”' for a flag the semantic layer raised; '' for a rule's flag."""
    near = _attr(flag, "resembles") or ""
    if _attr(flag, "source") != "semantic" or not near:
        return ""
    return f"Sounds like: “{_sentence(near)}”"


class PositiveCard(QFrame):
    def __init__(self, mark: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.mark = mark
        self.setObjectName("PositiveCard")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(12, 8, 12, 9)
        lay.setSpacing(2)
        title = QLabel((_attr(mark, "label") or "Good probing question").upper())
        title.setObjectName("PositiveTitle")
        lay.addWidget(title)
        body = QLabel(f"“{_sentence(_attr(mark, 'text'))}”")
        body.setWordWrap(True)
        lay.addWidget(body)


class CardFeed(QWidget):
    """The stack of cards, newest first."""

    cardDismissed = Signal(object, int)  # flag, dismissals of this kind so far

    def __init__(
        self,
        repeat_window: float = 30.0,
        max_cards: int = 4,
        dismissals: dict[str, int] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.repeat_window = repeat_window
        self.max_cards = max_cards
        self.dismissals: dict[str, int] = dict(dismissals or {})
        self.hidden_kinds: set[str] = set()
        self._last_shown: dict[tuple[str, str], float] = {}
        self.suppressed = 0
        self.lay = QVBoxLayout(self)
        self.lay.setContentsMargins(0, 0, 0, 0)
        self.lay.setSpacing(8)
        self.lay.addStretch(1)
        self.cards: list[QWidget] = []

    def clear(self) -> None:
        for c in self.cards:
            c.setParent(None)
            c.deleteLater()
        self.cards = []
        self._last_shown = {}
        self.suppressed = 0

    def add_flag(self, flag: Any) -> FlagCard | None:
        """Show a card unless the same flag was shown within the repeat window."""
        kind = _attr(flag, "kind")
        if kind in self.hidden_kinds:
            return None
        key = (kind, (_attr(flag, "trigger") or "").lower())
        start = float(_attr(flag, "start", 0.0) or 0.0)
        last = self._last_shown.get(key)
        if last is not None and start - last < self.repeat_window:
            self.suppressed += 1
            return None
        self._last_shown[key] = start
        card = FlagCard(flag)
        card.dismissed.connect(self._dismiss)
        self._push(card)
        return card

    def add_positive(self, mark: Any) -> PositiveCard:
        card = PositiveCard(mark)
        self._push(card)
        return card

    def flag_cards(self) -> list[FlagCard]:
        return [c for c in self.cards if isinstance(c, FlagCard)]

    def _push(self, card: QWidget) -> None:
        self.cards.insert(0, card)
        self.lay.insertWidget(0, card)
        while len(self.cards) > self.max_cards:
            old = self.cards.pop()
            old.setParent(None)
            old.deleteLater()

    def _dismiss(self, flag: Any) -> None:
        kind = _attr(flag, "kind")
        self.dismissals[kind] = self.dismissals.get(kind, 0) + 1
        for c in list(self.cards):
            if isinstance(c, FlagCard) and c.flag is flag:
                self.cards.remove(c)
                c.setParent(None)
                c.deleteLater()
        self.cardDismissed.emit(flag, self.dismissals[kind])
