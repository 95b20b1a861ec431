"""Coaching session to PDF (rendered by pdftoppm, text checked by pdftotext) and metrics CSV."""

from __future__ import annotations

import csv
import subprocess

from coach.library import export, sessions
from tests.library_helpers import DAY, T0, add_call, fresh_db

METRICS = {
    "talk_ratio": {"rep": 0.62, "prospect": 0.38},
    "questions": {"open": 2, "closed": 3},
    "qualification": {"project": True, "budget": False, "timeline": True, "authority": False},
}


def _session(tmp_path, n_calls: int = 12):
    db = fresh_db(tmp_path)
    for i in range(n_calls):
        add_call(
            db,
            contact=f"Prospect {i}",
            number=f"+1415555{i:04d}",
            started_at=T0 + i * DAY / 2,
            lines=[
                ("rep", 1.0, f"Just checking in about the webinar number {i}"),
                ("prospect", 4.0, "We are not sure we have budget <this> year & next"),
                ("rep", 30.0, "I need an answer today"),
            ],
            flags=[("vague_language", 1.0, "just checking in"), ("pressure", 30.0, "answer today")],
            metrics=METRICS,
        )
    sid = sessions.create_session(db, "alice", T0, T0 + 10 * DAY, title="Week 10", lead="Lee")
    items = [
        sessions.add_item(db, sid, flag_id=m["flag_id"])
        for m in sessions.candidate_moments(db, sid)
    ]
    return db, sid, items


def test_session_pdf_renders_and_contains_the_comments(tmp_path):
    db, sid, items = _session(tmp_path)
    sessions.comment_on_item(db, items[0], "Open with the reason for your call", author="Lee")
    sessions.comment_on_item(db, items[-1], "Give Prospect 11 an easy way out", at_s=31.2)
    sessions.mark_discussed(db, items[0])
    pdf = export.session_pdf(db, sid, tmp_path / "session.pdf")
    assert pdf.read_bytes().startswith(b"%PDF")
    assert pdf.stat().st_mode & 0o777 == 0o600
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "Open with the reason for your call" in text
    assert "[0:31] Give Prospect 11 an easy way out" in text
    assert "Week 10" in text and "Lead: Lee" in text
    assert "(discussed)" in text and "not yet discussed" in text
    assert "budget <this> year & next" in text  # markup characters escaped, not eaten
    subprocess.run(["pdftoppm", "-r", "40", "-png", str(pdf), str(tmp_path / "page")], check=True)
    pages = sorted(tmp_path.glob("page*.png"))
    assert len(pages) >= 2  # 24 moments do not fit on one page
    assert all(p.stat().st_size > 1000 for p in pages)


def test_empty_session_pdf(tmp_path):
    db = fresh_db(tmp_path)
    sid = sessions.create_session(db, "alice", T0, T0 + DAY)
    pdf = export.session_pdf(db, sid, tmp_path / "empty.pdf")
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True)
    text = text.stdout
    assert "No moments were added" in text


def test_metrics_csv(tmp_path):
    db, _, _ = _session(tmp_path, n_calls=3)
    add_call(db, rep="bob", contact="Other")
    out = tmp_path / "metrics.csv"
    assert export.metrics_csv(db, out, rep="alice") == 3
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert len(rows) == 3
    r = rows[0]
    assert r["contact"] == "Prospect 0" and r["connected"] == "1"
    assert float(r["talk_ratio"]) == 0.62
    assert r["questions_open"] == "2" and r["qualification_covered"] == "2"
    assert r["flags_pressure"] == "1" and r["flags_arguing"] == "0"
    assert float(r["duration_s"]) == 32.0
    assert export.metrics_csv(db, out, rep="alice", since=T0 + DAY / 4) == 2
