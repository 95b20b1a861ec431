"""A call list's contacts are merged into the call history by the history
(calling.history_merge), and the contacts-by-number index is the history's
(calling.history_schema v6): on a fresh file, on one where the call lists' migration made it,
and on one whose call lists migrate after the history, each a real SQLite file."""

from __future__ import annotations

import pytest

from app import db as appdb
from calling import calllist_schema, calllists, history, history_schema
from calling.history_merge import Person, merge_contacts

LATEST = {m.SCHEMA_NAME: len(m.MIGRATIONS) for m in appdb.migration_modules()}


def test_merging_keeps_known_numbers_and_fills_only_what_they_lack(tmp_path):
    db = appdb.open_database(tmp_path / "callcoach.db")
    dana = history.add_contact(db, "Dana Smith", "+14155550100", company="Acme")
    history.add_contact(db, "Dana Again", "+14155550100")  # a later duplicate: the oldest wins
    omar = history.add_contact(db, "Omar Diaz", "+14155550111")
    with db.atomic():
        result = merge_contacts(
            db,
            [
                Person("Dana S.", "+14155550100", company="Globex", email="dana@acme.test"),
                Person("Priya Rao", "+14155550122", company="Initech"),
                Person("Omar D.", "+14155550111", company="Hooli"),
            ],
            now=1_700_000_000.0,
        )
    priya = result.contact_ids[1]
    assert result.contact_ids == [dana, priya, omar]
    assert (result.merged, result.created) == (2, 1)
    got = history.get_contact(db, dana)
    # The rep's company stays; the email it lacked is filled; the name is the rep's.
    assert (got["name"], got["company"], got["email"]) == ("Dana Smith", "Acme", "dana@acme.test")
    assert history.get_contact(db, omar)["company"] == "Hooli"
    new = history.get_contact(db, priya)
    assert (new["name"], new["number"], new["company"], new["email"]) == (
        "Priya Rao", "+14155550122", "Initech", None
    )  # fmt: skip
    assert new["uuid"] and new["created_at"] == 1_700_000_000.0


def test_a_list_import_merges_through_the_history(tmp_path):
    db = appdb.open_database(tmp_path / "callcoach.db")
    known = history.add_contact(db, "Dana Smith", "+14155550100")
    preview = calllists.parse_table(
        "name,phone,company\nDana S.,(415) 555-0100,Acme\nPriya Rao,415-555-0122,Initech\n"
    )
    result = calllists.import_preview(db, preview, "March")
    assert (result.imported, result.merged, result.created) == (2, 1, 1)
    entries = db.execute(
        "SELECT contact_id FROM call_list_entries WHERE list_id = ? ORDER BY position",
        [result.list_id],
    ).fetchall()
    assert entries[0][0] == known
    assert history.get_contact(db, entries[1][0])["name"] == "Priya Rao"
    assert history.get_contact(db, known)["company"] == "Acme"


def _index(db) -> list[tuple]:
    return [
        tuple(r)
        for r in db.execute(
            "SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'index'"
            " AND tbl_name = 'contacts' AND sql LIKE '%(number)%'"
        )
    ]


@pytest.mark.parametrize("lists_made_it", [True, False])
def test_the_history_owns_the_contacts_number_index(tmp_path, lists_made_it):
    path = tmp_path / "callcoach.db"
    old = appdb.connect(path)
    upto = {**dict.fromkeys(LATEST, 0), history_schema.SCHEMA_NAME: 5}
    if lists_made_it:  # the call lists' migration 1 as it shipped made the index
        upto[calllist_schema.SCHEMA_NAME] = LATEST[calllist_schema.SCHEMA_NAME]
    appdb.migrate(old, upto=upto)
    if lists_made_it:
        old.execute("CREATE INDEX contacts_number ON contacts(number)")
    assert len(_index(old)) == (1 if lists_made_it else 0)
    old.conn.commit()
    old.close()
    db = appdb.open_database(path)
    assert appdb.schema_versions(db) == LATEST
    assert [(n, t) for n, t, _ in _index(db)] == [("contacts_number", "contacts")]
    plan = " ".join(
        r[3] for r in db.execute("EXPLAIN QUERY PLAN SELECT id FROM contacts WHERE number = 'x'")
    )
    assert "contacts_number" in plan
