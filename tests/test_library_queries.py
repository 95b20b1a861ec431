"""Full-text search, filters, a call's review data, the dashboard and coaching sessions."""

from __future__ import annotations

import pytest

from app.calls_table import CALLS_TABLE
from calling import history
from coach.library import queries, sessions, store
from coach.library import search as library_search
from tests.library_helpers import DAY, T0, add_call, fresh_db

METRICS = {
    "talk_ratio": {"rep": 0.7, "prospect": 0.3},
    "questions": {"open": 3, "closed": 1},
    "qualification": {"project": True, "budget": True, "timeline": False, "authority": False},
}


def search(db, text: str, **kw) -> list[dict]:
    """The library's search as the app wires it (the call history searches its notes)."""
    return queries.search(db, text, calls=CALLS_TABLE, **kw)


@pytest.fixture
def lib(tmp_path):
    db = fresh_db(tmp_path)
    ids = {
        "dana": add_call(
            db,
            lines=[
                ("rep", 1.0, "Hi Dana, I wanted to touch base about the webinar"),
                ("prospect", 4.0, "We are budgeting for a new CRM rollout next quarter"),
                ("rep", 8.0, "What does your timeline for the rollout look like?"),
            ],
            flags=[("vague_language", 1.0, "touch base"), ("content_dump", 1.5, "the webinar")],
            metrics=METRICS,
            notes="Send the pricing sheet; decision maker is Priya",
        ),
        "omar": add_call(
            db,
            contact="Omar Diaz",
            number="+14155550111",
            started_at=T0 + 8 * DAY,
            lines=[
                ("rep", 1.0, "I need an answer today about the budget"),
                ("prospect", 3.0, "Actually we signed with someone else"),
            ],
            flags=[("pressure", 1.0, "I need an answer today")],
            metrics={**METRICS, "talk_ratio": {"rep": 0.5, "prospect": 0.5}},
        ),
        "voicemail": add_call(
            db,
            contact="Omar Diaz",
            number="+14155550111",
            started_at=T0 + 9 * DAY,
            connected=False,
        ),
        "bob": add_call(
            db,
            rep="bob",
            contact="Kim Lee",
            number="+14155550122",
            started_at=T0 + DAY,
            lines=[("rep", 1.0, "Tell me about your budget process")],
        ),
    }
    return db, ids


def test_search_stems_ranks_newest_first_and_highlights(lib):
    db, ids = lib
    hits = search(db, "budget")
    # "budgeting" and "budget" both match (porter stemming); newest call first.
    assert [h["call_id"] for h in hits] == [ids["omar"], ids["bob"], ids["dana"]]
    assert "[budget]" in hits[0]["snippet"]
    assert hits[0]["speaker"] == "rep" and hits[0]["start_s"] == 1.0


def test_search_phrases_and_and_semantics(lib):
    db, ids = lib
    assert [h["call_id"] for h in search(db, '"touch base"')] == [ids["dana"]]
    assert search(db, '"base touch"') == []
    assert [h["call_id"] for h in search(db, "rollout timeline")] == [ids["dana"]]
    assert search(db, "rollout pressure") == []
    # Punctuation and FTS syntax in what a user types never reach FTS5 raw.
    assert [h["call_id"] for h in search(db, 'budget AND OR ("')] == []
    with pytest.raises(ValueError, match="at least one word"):
        search(db, '  "" ')


@pytest.mark.parametrize("narrow", [300, 0])  # per-call ranges, and the rowid-window path
def test_search_notes_and_filters(lib, monkeypatch, narrow):
    monkeypatch.setattr(library_search, "NARROW_CALLS", narrow)
    db, ids = lib
    notes = search(db, "pricing")
    assert [(h["source"], h["call_id"]) for h in notes] == [("notes", ids["dana"])]
    history.set_notes(db, ids["dana"], "Follow up in May")
    assert search(db, "pricing") == []
    assert [h["call_id"] for h in search(db, "May")] == [ids["dana"]]
    assert {h["call_id"] for h in search(db, "budget", contact="Omar")} == {ids["omar"]}
    assert {h["call_id"] for h in search(db, "budget", rep="bob")} == {ids["bob"]}
    assert {h["call_id"] for h in search(db, "budget", flag_kind="pressure")} == {ids["omar"]}
    window = search(db, "budget", since=T0 + DAY / 2, until=T0 + 2 * DAY)
    assert {h["call_id"] for h in window} == {ids["bob"]}


def test_find_calls_filters(lib):
    db, ids = lib
    assert [c["id"] for c in queries.find_calls(db, contact="+14155550111")] == [
        ids["voicemail"],
        ids["omar"],
    ]
    assert [c["id"] for c in queries.find_calls(db, flag_kind="vague_language")] == [ids["dana"]]
    assert [c["id"] for c in queries.find_calls(db, status="failed")] == [ids["voicemail"]]
    assert queries.find_calls(db, rep="alice", since=T0 + 8.5 * DAY)[0]["id"] == ids["voicemail"]
    assert queries.find_calls(db, contact="Dana")[0]["flag_count"] == 2


def test_review_data(lib):
    db, ids = lib
    store.add_comment(db, ids["dana"], 1.2, "Say why you are calling", author="lee")
    r = queries.review(db, ids["dana"])
    assert r["call"]["contact_name"] == "Dana Smith" and r["call"]["status"] == "completed"
    assert [u["speaker"] for u in r["utterances"]] == ["rep", "prospect", "rep"]
    assert [f["kind"] for f in r["flags"]] == ["vague_language", "content_dump"]
    assert r["comments"][0]["text"] == "Say why you are calling"
    assert r["metrics"]["questions"]["open"] == 3
    assert r["duration"] == pytest.approx(10.0)
    assert queries.review(db, 424242) is None


def test_previous_calls_counts_connected_earlier_calls(lib):
    db, ids = lib
    omar = history.get_call(db, ids["omar"])["contact_id"]
    assert history.previous_calls(db, contact_id=omar) == 1  # the voicemail did not connect
    assert history.previous_calls(db, contact_id=omar, before=T0 + 8 * DAY) == 0
    assert history.previous_calls(db, number="+14155550100") == 1


def test_dashboard_weeks_and_totals(lib):
    db, _ = lib
    d = queries.dashboard(db, "alice", T0 - DAY, T0 + 30 * DAY)
    assert [w["week"] for w in d["weeks"]] == ["2026-03-02", "2026-03-09"]
    w1, w2 = d["weeks"]
    assert (w1["calls"], w1["connects"]) == (1, 1)
    assert (w2["calls"], w2["connects"]) == (2, 1)
    assert w1["talk_ratio"] == pytest.approx(0.7) and w2["talk_ratio"] == pytest.approx(0.5)
    assert w1["questions_per_call"] == 4
    assert w1["qualification_coverage"] == pytest.approx(0.5)
    assert w1["flags_per_call"] == {"vague_language": 1.0, "content_dump": 1.0}
    assert w2["flags_per_call"] == {"pressure": 1.0}
    t = d["totals"]
    assert (t["calls"], t["connects"]) == (3, 2)
    assert t["talk_ratio"] == pytest.approx(0.6)
    assert t["flags_per_call"] == {"content_dump": 0.5, "pressure": 0.5, "vague_language": 0.5}
    assert queries.dashboard(db, "nobody")["weeks"] == []
    assert queries.reps(db) == ["alice", "bob"]


def test_coaching_session_playlist(lib):
    db, _ids = lib
    sid = sessions.create_session(db, "alice", T0 - DAY, T0 + 30 * DAY, title="March", lead="Lee")
    moments = sessions.candidate_moments(db, sid)
    assert [m["kind"] for m in moments] == ["vague_language", "content_dump", "pressure"]
    assert [m["kind"] for m in sessions.candidate_moments(db, sid, ["pressure"])] == ["pressure"]
    items = [sessions.add_item(db, sid, flag_id=m["flag_id"]) for m in moments]
    assert sessions.add_item(db, sid, flag_id=moments[0]["flag_id"]) == items[0]  # no double
    sessions.move_item(db, items[2], 1)
    sessions.mark_discussed(db, items[2])
    sessions.comment_on_item(db, items[2], "Offer an easy exit instead", author="Lee")
    sessions.comment_on_item(db, items[2], "Then ask about timing", at_s=2.5)
    play = sessions.playlist(db, sid)
    assert [p["id"] for p in play] == [items[2], items[0], items[1]]
    assert play[0]["discussed"] == 1 and play[1]["discussed"] == 0
    assert [c["text"] for c in play[0]["comments"]] == [
        "Offer an easy exit instead",
        "Then ask about timing",
    ]
    assert play[0]["transcript"][0]["text"].startswith("I need an answer today")
    with pytest.raises(ValueError):
        sessions.create_session(db, "", T0, T0 + DAY)


def test_mark_interrupted_spares_live_writers_but_not_stale_calls(tmp_path):
    import os
    import time

    db = fresh_db(tmp_path)
    live = history.start_call(db, rep="alice")  # this process: alive
    dead = history.start_call(db, rep="alice", writer_pid=2**22 + 12345)  # no such pid
    ancient = history.start_call(db, rep="alice", started_at=time.time() - 13 * 3600,
                                 writer_pid=os.getppid())  # fmt: skip
    assert history.mark_interrupted(db) == 2
    status = {c: history.get_call(db, c)["status"] for c in (live, dead, ancient)}
    assert status == {live: "in_progress", dead: "interrupted", ancient: "interrupted"}
