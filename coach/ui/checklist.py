"""The qualification checklist: project, budget, timeline (the rule pack's topics) — each ticks
itself off when the coach reports it covered, with the line that covered it underneath, or
"learned on an earlier call" when an earlier call with the contact covered it.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGridLayout, QLabel, QWidget

# Shown before the first metrics arrive; replaced by the rule pack's own topics and labels.
TOPICS = (
    ("project", "Project / need"),
    ("budget", "Budget"),
    ("timeline", "Timeline"),
    ("authority", "Authority"),
)


EARLIER = "Learned on an earlier call"


class QualificationChecklist(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.grid = QGridLayout(self)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setHorizontalSpacing(8)
        self.grid.setVerticalSpacing(1)
        self.marks: dict[str, QLabel] = {}
        self.names: dict[str, QLabel] = {}
        self.evidence: dict[str, QLabel] = {}
        self.set_topics(TOPICS)

    def set_topics(self, topics: tuple[tuple[str, str], ...] | list) -> None:
        for w in (*self.marks.values(), *self.names.values(), *self.evidence.values()):
            w.setParent(None)
            w.deleteLater()
        self.marks, self.names, self.evidence = {}, {}, {}
        for row, (key, title) in enumerate(topics):
            mark = QLabel("○")
            mark.setObjectName("CheckMark")
            mark.setFixedWidth(18)
            name = QLabel(title)
            name.setObjectName("CheckItem")
            ev = QLabel("")
            ev.setObjectName("CheckEvidence")
            ev.setWordWrap(True)
            ev.hide()
            self.grid.addWidget(mark, row * 2, 0, Qt.AlignmentFlag.AlignTop)
            self.grid.addWidget(name, row * 2, 1)
            self.grid.addWidget(ev, row * 2 + 1, 1)
            self.marks[key], self.names[key], self.evidence[key] = mark, name, ev

    def reset(self) -> None:
        for key in self.marks:
            self.set_topic(key, False, "")

    def covered(self) -> set[str]:
        return {k for k, m in self.marks.items() if m.text() == "✓"}

    def set_topic(self, key: str, done: bool, evidence: str = "", earlier: bool = False) -> None:
        """Tick a topic off with the line that covered it; `earlier`: learned on an earlier
        call with the contact (ticked and says so, unless this call's own line covered it)."""
        if key not in self.marks:
            return
        mark, name, ev = self.marks[key], self.names[key], self.evidence[key]
        evidence = evidence.strip()
        evidence = evidence[:1].upper() + evidence[1:]
        if len(evidence) > 90:  # the gist is enough; the transcript has the whole line
            evidence = evidence[:87].rsplit(" ", 1)[0] + "…"
        text = f"“{evidence}”" if evidence else ""
        if earlier and not (done and evidence):
            done, text = True, EARLIER
        if mark.text() != ("✓" if done else "○"):
            mark.setText("✓" if done else "○")
            for w in (mark, name):
                w.setProperty("done", "true" if done else "false")
                w.style().unpolish(w)
                w.style().polish(w)
        if ev.text() != text:
            ev.setText(text)
        ev.setVisible(done and bool(text))

    def update_coverage(self, coverage: dict) -> None:
        """coverage: topic -> {"label", "covered", "evidence": {"text", ...} | None} (the coach's
        metrics), or topic -> bool / evidence text."""
        labels = [
            (k, (v.get("label") if isinstance(v, dict) else None) or k.title())
            for k, v in coverage.items()
        ]
        if labels and [k for k, _ in labels] != list(self.marks):
            self.set_topics(labels)
        for key, value in coverage.items():
            if isinstance(value, dict):
                ev = value.get("evidence") or ""
                if isinstance(ev, dict):
                    ev = ev.get("text", "")
                earlier = bool(value.get("learned_before"))
                self.set_topic(key, bool(value.get("covered")), ev, earlier)
            elif isinstance(value, str):
                self.set_topic(key, bool(value), value)
            else:
                self.set_topic(key, bool(value), "")
