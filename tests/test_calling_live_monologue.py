"""The running monologue the Phone page's timer shows (calling.live.running_monologue): the
coach's last figure, plus the time since the rep's last final line while the rep still talks."""

from __future__ import annotations

from calling.live import running_monologue

METRICS = {"current_monologue_seconds": 12.0, "monologues": [{"start": 18.0, "end": 30.0}]}


def test_the_timer_runs_while_only_the_rep_is_talking() -> None:
    assert running_monologue(METRICS, {"rep": "and another thing"}, 34.0) == 16.0


def test_the_timer_stops_when_the_prospect_speaks_or_the_rep_is_silent() -> None:
    assert running_monologue(METRICS, {"rep": "so", "prospect": "well"}, 34.0) == 12.0
    assert running_monologue(METRICS, {}, 34.0) == 12.0


def test_no_metrics_yet_is_no_monologue() -> None:
    assert running_monologue({}, {"rep": "hello"}, 5.0) == 0.0
    assert running_monologue({"current_monologue_seconds": 0.0}, {"rep": "hi"}, 5.0) == 0.0
