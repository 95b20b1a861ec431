"""The team lead's dashboard for one rep and period: weekly trends as charts.

Calls and connects (bars), talk ratio (line, with the pack's limit dashed), questions per
call, qualification coverage, and flags per call stacked by kind, plus the period's totals
in one line. Data comes from `coach.library.queries.dashboard`.
"""

from __future__ import annotations

from PySide6.QtWidgets import QGridLayout, QLabel, QVBoxLayout, QWidget

from coach.types import FLAG_KINDS
from coach.ui.charts import PALETTE, Series, TrendChart

TALK_RATIO_LIMIT = 0.6  # drawn as a guide only; the per-call scorecard uses the pack's value


class Dashboard(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        self.summary = QLabel("")
        self.summary.setObjectName("PanelTitle")
        lay.addWidget(self.summary)
        self.hint = QLabel("")  # what to do next when there is nothing to chart
        self.hint.setObjectName("DashboardHint")
        self.hint.setProperty("role", "hint")
        self.hint.setWordWrap(True)
        self.hint.hide()
        lay.addWidget(self.hint)
        grid = QGridLayout()
        self.calls = TrendChart("Calls and connects per week")
        self.talk = TrendChart("Talk ratio (rep share, connected calls)", fmt="percent")
        self.questions = TrendChart("Questions per call", fmt="decimal")
        self.qualification = TrendChart("Qualification coverage", fmt="percent")
        self.flags = TrendChart("Flags per call by kind", fmt="decimal", stacked=True)
        grid.addWidget(self.calls, 0, 0)
        grid.addWidget(self.talk, 0, 1)
        grid.addWidget(self.questions, 1, 0)
        grid.addWidget(self.qualification, 1, 1)
        grid.addWidget(self.flags, 2, 0, 1, 2)
        lay.addLayout(grid, 1)
        lay.addStretch(0)  # takes the room when the charts are hidden
        self.data: dict | None = None

    def charts(self) -> list[TrendChart]:
        return [self.calls, self.talk, self.questions, self.qualification, self.flags]

    def set_hint(self, sentence: str, charts: bool = True) -> None:
        self.hint.setText(sentence)
        self.hint.setVisible(bool(sentence))
        for chart in self.charts():
            chart.setVisible(charts)
        self.summary.setVisible(charts)  # "0 CALLS · – · –" adds nothing to the hint

    def set_data(self, data: dict) -> None:
        self.data = data
        weeks = data["weeks"]
        labels = [w["week"] for w in weeks]
        self.calls.set_data(
            labels,
            [
                Series("calls", [w["calls"] for w in weeks], PALETTE[8], "bar"),
                Series("connects", [w["connects"] for w in weeks], PALETTE[0], "bar"),
            ],
        )
        self.talk.set_data(
            labels, [Series("talk ratio", [w["talk_ratio"] for w in weeks])], TALK_RATIO_LIMIT
        )
        self.questions.set_data(
            labels,
            [Series("questions", [w["questions_per_call"] for w in weeks], PALETTE[1])],
        )
        self.qualification.set_data(
            labels,
            [Series("covered", [w["qualification_coverage"] for w in weeks], PALETTE[5])],
        )
        kinds = [k for k in FLAG_KINDS if any(k in w["flags_per_call"] for w in weeks)]
        self.flags.set_data(
            labels,
            [
                Series(
                    k.replace("_", " "),
                    [w["flags_per_call"].get(k, 0.0) for w in weeks],
                    PALETTE[FLAG_KINDS.index(k) % len(PALETTE)],
                    "bar",
                )
                for k in kinds
            ],
        )
        t = data["totals"]

        def pct(v: float | None) -> str:
            return "–" if v is None else f"{v:.0%}"

        q = "–" if t["questions_per_call"] is None else f"{t['questions_per_call']:.1f}"
        self.summary.setText(
            f"{(data['rep'] or 'all reps').upper()}: {t['calls']} CALLS · {t['connects']} CONNECTS · "
            f"TALK {pct(t['talk_ratio'])} · {q} QUESTIONS/CALL · "
            f"QUALIFICATION {pct(t['qualification_coverage'])}"
        )
