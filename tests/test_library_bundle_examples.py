"""Bundles carry the coach: each flag keeps whether a phrase rule or the semantic layer raised
it (with its score and the example it resembles), and the library's taught examples travel
with the calls so a lead can send the team's examples to every rep (imported once)."""

from __future__ import annotations

import json
import zipfile

from app.calls_table import CALLS_TABLE
from coach.library import bundle, bundle_import, queries, store
from coach.library.examples import add_example, list_examples
from tests.library_helpers import add_call, fresh_db


def test_bundle_keeps_semantic_flags_and_carries_examples(tmp_path):
    lead = tmp_path / "lead"
    rep = tmp_path / "rep"
    lead.mkdir()
    rep.mkdir()
    db = fresh_db(lead)
    call = add_call(db, lines=[("prospect", 0.0, "we already use a vendor for that"),
                               ("rep", 3.0, "with respect that is not how this works")])  # fmt: skip
    store.add_flag(db, call, {
        "kind": "arguing", "speaker": "rep", "start": 3.0, "end": 5.0,
        "text": "with respect that is not how this works", "suggestion": "Ask what works for them.",
        "label": "Arguing", "source": "semantic", "score": 0.91,
        "resembles": "no that's not right",
    })  # fmt: skip
    add_example(db, "arguing", "with respect that is not how this works",
                "we already use a vendor for that", added_by="Lee", call_id=call)  # fmt: skip
    add_example(db, None, "just checking in on the proposal we sent tuesday", added_by="Lee")
    out = tmp_path / "team.ccbundle"
    manifest = bundle.export_bundle(db, out, call_ids=[call], exported_by="Lee")
    assert manifest["examples"] == {"file": "examples.json", "count": 2}
    with zipfile.ZipFile(out) as zf:
        rows = json.loads(zf.read("examples.json"))
    assert {r["kind"] for r in rows} == {"arguing", None} and rows[0]["added_by"] == "Lee"

    mine = fresh_db(rep)
    add_example(mine, None, "just checking in on the proposal we sent tuesday", added_by="me")
    got = bundle_import.import_beside_database(mine, out, CALLS_TABLE)
    assert got["examples"] == {"added": 1, "skipped": 1}
    again = bundle_import.import_beside_database(mine, out, CALLS_TABLE)
    assert again["examples"] == {"added": 0, "skipped": 2} and again["skipped"]
    taught = {(e["kind"], e["rep_text"]): e for e in list_examples(mine)}
    assert len(taught) == 2
    e = taught[("arguing", "with respect that is not how this works")]
    assert e["prospect_text"] == "we already use a vendor for that" and e["added_by"] == "Lee"

    imported = mine.execute("SELECT id FROM calls").fetchone()[0]
    (flag,) = queries.review(mine, imported)["flags"]
    assert flag["source"] == "semantic" and abs(flag["score"] - 0.91) < 1e-9
    assert flag["resembles"] == "no that's not right"


def test_a_bundle_without_examples_imports_as_before(tmp_path):
    db = fresh_db(tmp_path)
    call = add_call(db, lines=[("rep", 1.0, "tell me about your budget process")],
                    flags=[("vague_language", 1.0, "touch base")])  # fmt: skip
    out = tmp_path / "b.ccbundle"
    manifest = bundle.export_bundle(db, out, call_ids=[call], include_examples=False)
    assert "examples" not in manifest
    other = tmp_path / "other"
    other.mkdir()
    got = bundle_import.import_beside_database(fresh_db(other), out, CALLS_TABLE)
    assert got["examples"] == {"added": 0, "skipped": 0} and len(got["imported"]) == 1
    (flag,) = queries.review(fresh_db(other), 1)["flags"]
    assert flag["source"] == "rule" and flag["resembles"] == ""
