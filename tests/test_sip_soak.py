"""The soak benchmark (benchmarks/soak.py) short: 20 calls in a row from the app's engine client
against sipp (answer, busy, no answer then cancel, hang-up from either side) and a second
engine (answer, hold/resume, incoming, blind transfer to a third). No failure, no engine
restart, no growth in open fds, threads or shared-memory segments in the app or the engine,
and RSS within a small fixed slack (20 calls are too few for a percentage)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests.needs import needs

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))

pytestmark = [pytest.mark.sip, needs("sipp")]

RSS_SLACK_KB = 6 * 1024  # allocator noise over 11 calls after the warm-up


@pytest.mark.timeout(240)
def test_twenty_calls_in_a_row_leave_nothing_behind() -> None:
    import soak

    r = soak.run_soak(calls=20, hold=0.5)
    assert r["failures"] == 0, r["failure_list"]
    assert r["engine_restarts"] == 0 and r["peer_engine_restarts"] == 0, r
    g = r["growth_since_warm_up"]
    for side in ("app", "engine"):
        for k in ("fds", "threads", "shm_mapped"):
            assert g[f"{side}_{k}"] <= 0, (side, k, r["snapshots"])
        assert g[f"{side}_rss_kb"] <= RSS_SLACK_KB, (side, r["snapshots"])
    assert g["dev_shm_engine"] <= 0, r["snapshots"]
    assert r["tap_samples_read"] > 0  # the taps were read all along, like the coach does
