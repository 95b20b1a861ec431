"""The Phone page's rows (app/history_rows.py) come from their owners' functions: the phone
book, a number's contact and its last connected call from calling.history_read, the flags and
metrics of that call from the call library, on a real SQLite file."""

from __future__ import annotations

from app import history_rows
from app.db import open_database
from calling import history, history_read
from coach.library import store
from tests.library_helpers import DAY, T0, add_call


def _db(tmp_path):
    return open_database(tmp_path / "callcoach.db")


def test_the_phone_book_lists_contacts_with_a_number_by_name(tmp_path):
    db = _db(tmp_path)
    zoe = history.add_contact(db, "zoe Park", "+14155550109", "Globex")
    history.add_contact(db, "No Number")
    amy = history.add_contact(db, "Amy Chan", "+14155550108")
    assert [(r["id"], r["name"]) for r in history_read.phone_book(db)] == [
        (amy, "Amy Chan"),
        (zoe, "zoe Park"),
    ]
    rows = history_rows.contacts(db)
    assert [(r.name, r.number, r.company, r.contact_id) for r in rows] == [
        ("Amy Chan", "+14155550108", "", amy),
        ("zoe Park", "+14155550109", "Globex", zoe),
    ]
    assert len(history_read.phone_book(db, limit=1)) == 1


def test_a_number_finds_its_contact_as_stored_or_by_its_last_nine_digits(tmp_path):
    db = _db(tmp_path)
    dana = history.add_contact(db, "Dana Smith", "+14155550100")
    assert history_read.contact_for_number(db, "+14155550100")["id"] == dana
    assert history_read.contact_for_number(db, "(415) 555-0100")["id"] == dana
    assert history_read.contact_for_number(db, "+14155550199") is None
    assert history_read.contact_for_number(db, "555-01") is None  # too short to match
    assert history_read.contact_for_number(db, "") is None


def test_the_last_connected_call_by_contact_or_by_number(tmp_path):
    db = _db(tmp_path)
    first = add_call(db, notes="Asked for pricing")
    last = add_call(db, started_at=T0 + DAY, notes="Call back in May")
    add_call(db, started_at=T0 + 2 * DAY, connected=False)  # a voicemail does not count
    dana = history.get_call(db, first)["contact_id"]
    row = history_read.last_connected_call(db, contact_id=dana)
    assert (row["id"], row["notes"], row["started_at"]) == (last, "Call back in May", T0 + DAY)
    stranger = history.start_call(db, remote_number="+14155550177", started_at=T0)
    history.call_connected(db, stranger, T0 + 2)
    assert history_read.last_connected_call(db, number="+14155550177")["id"] == stranger
    assert history_read.last_connected_call(db, number="+14155550188") is None
    assert history_read.last_connected_call(db) is None


def test_the_contact_card_shapes_the_last_call_and_what_the_coach_stored(tmp_path):
    db = _db(tmp_path)
    add_call(db, flags=[("pressure", 1.0, "I need an answer today")], notes="Old note")
    last = add_call(
        db,
        started_at=T0 + DAY,
        flags=[("vague_language", 2.0, "touch base"), ("vague_language", 4.0, "circle back")],
        metrics={"qualification": {"budget": {"covered": True}, "timeline": False}},
        notes="Send the pricing sheet",
    )
    store.add_flag(
        db, last, {"kind": "pressure", "speaker": "rep", "start": 5.0, "end": 6.0,
                   "label": "Pushed for a yes"},
    )  # fmt: skip
    card = history_rows.summary(db, "(415) 555-0100")
    assert card.name == "Dana Smith" and card.previous_calls == 2
    assert card.notes == "Send the pricing sheet"
    assert card.last_talked is not None and card.last_talked.timestamp() == T0 + DAY
    # Labels of the last call's flags, once each, in call order.
    assert card.last_flags == ("vague language", "Pushed for a yes")
    # The first call has no stored metrics: what was learned before is unknown, so the card
    # shows the last call's covered topics.
    assert card.learned_before is None and card.covered == ("budget",)
    nobody = history_rows.summary(db, "+14155550199", "Sam")
    assert (nobody.name, nobody.previous_calls, nobody.notes, nobody.last_flags) == (
        "Sam", 0, "", ()
    )  # fmt: skip
