"""The review's scorecard: a call's metrics next to the rule pack's targets, and which
qualification topics (project, budget, timeline, authority) the call covered.

Targets come with the metrics (the engine copies them from the rule pack into its metrics
dict), so a team lead's edited pack shows here without code changes.
"""

from __future__ import annotations

from PySide6.QtWidgets import QGridLayout, QLabel, QWidget

GOOD, BAD, NONE = "✓", "✗", "–"


def _rows(m: dict) -> list[tuple[str, str, str, str]]:
    """(name, value, target, mark) per scorecard line."""
    rows = []
    ratio = m.get("talk_ratio")
    if isinstance(ratio, (int, float)):
        target, limit = m.get("talk_ratio_target"), m.get("talk_ratio_limit")
        ok = limit is None or ratio <= limit
        goal = f"≈ {target:.0%}, at most {limit:.0%}" if target and limit else ""
        rows.append(("Talk ratio (you)", f"{ratio:.0%}", goal, GOOD if ok else BAD))
    longest = m.get("longest_monologue_seconds")
    if isinstance(longest, (int, float)):
        rows.append(("Longest monologue", f"{longest:.0f} s", "", NONE))
    q_open, q_closed = m.get("open_questions"), m.get("closed_questions")
    if isinstance(q_open, int):
        lo, hi = (m.get("questions_target") or [None, None])[:2]
        n = q_open + (q_closed or 0)
        goal = f"{lo}–{hi}" if lo is not None else ""
        ok = lo is None or lo <= n
        rows.append(("Questions (open/closed)", f"{n} ({q_open}/{q_closed or 0})", goal,
                     GOOD if ok else BAD))  # fmt: skip
    patience = m.get("patience_seconds")
    if isinstance(patience, (int, float)):
        lo, hi = (m.get("patience_target") or [None, None])[:2]
        ok = lo is None or lo <= patience <= (hi or patience)
        goal = f"{lo}–{hi} s" if lo is not None else ""
        rows.append(("Patience before answering", f"{patience:.1f} s", goal, GOOD if ok else BAD))
    inter = m.get("interruptions")
    if isinstance(inter, int):
        rows.append(("Interruptions", str(inter), "0", GOOD if inter == 0 else BAD))
    wpm = (
        (m.get("words_per_minute") or {}).get("rep")
        if isinstance(m.get("words_per_minute"), dict)
        else None
    )
    if isinstance(wpm, (int, float)):
        rows.append(("Words per minute", f"{wpm:.0f}", "", NONE))
    for name, topic in (m.get("qualification") or {}).items():
        if isinstance(topic, dict):
            covered = bool(topic.get("covered"))
            label = topic.get("label") or name.capitalize()
            rows.append((f"Qualified: {label}", "yes" if covered else "no", "yes",
                         GOOD if covered else BAD))  # fmt: skip
    return rows


class Scorecard(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.grid = QGridLayout(self)
        self.grid.setContentsMargins(0, 4, 0, 4)
        self.grid.setHorizontalSpacing(10)
        self.grid.setVerticalSpacing(2)
        self.lines: list[tuple[str, str, str, str]] = []

    def set_metrics(self, metrics: dict | None) -> None:
        while self.grid.count():
            w = self.grid.takeAt(0).widget()
            if w is not None:
                w.deleteLater()
        self.lines = _rows(metrics or {})
        title = QLabel("SCORECARD")
        title.setObjectName("PanelTitle")
        self.grid.addWidget(title, 0, 0, 1, 4)
        if not self.lines:
            hint = QLabel("No metrics for this call.")
            hint.setProperty("role", "hint")
            self.grid.addWidget(hint, 1, 0, 1, 4)
        for i, (name, value, goal, mark) in enumerate(self.lines, start=1):
            m = QLabel(mark)
            m.setProperty("role", "ok" if mark == GOOD else "error" if mark == BAD else "hint")
            self.grid.addWidget(m, i, 0)
            self.grid.addWidget(QLabel(name), i, 1)
            self.grid.addWidget(QLabel(value), i, 2)
            g = QLabel(goal)
            g.setProperty("role", "hint")
            self.grid.addWidget(g, i, 3)
