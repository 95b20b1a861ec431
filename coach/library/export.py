"""Exports for the rep after coaching: a session as PDF (reportlab), metrics as CSV.

The PDF holds the session header, the rep's numbers for the period, then each playlist
moment in order with the flag, its suggestion, the transcript around it, whether it was
discussed and the lead's timestamped comments. The CSV has one row per call of the rep in the
period with the scorecard metrics and flag counts per kind.
"""

from __future__ import annotations

import csv
import datetime as dt
import os
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import (
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)
from sqlite_utils import Database

from coach.library import sessions
from coach.library.queries import dashboard
from coach.library.schema import METRIC_COLUMNS
from coach.types import FLAG_KINDS


def clock(seconds: float | None) -> str:
    """Call time as m:ss (h:mm:ss past an hour)."""
    if seconds is None:
        return ""
    s = round(seconds)
    h, rem = divmod(s, 3600)
    return f"{h}:{rem // 60:02d}:{rem % 60:02d}" if h else f"{rem // 60}:{rem % 60:02d}"


def day(ts: float | None) -> str:
    return dt.datetime.fromtimestamp(ts).strftime("%Y-%m-%d %H:%M") if ts else ""


def _pct(v: float | None) -> str:
    return "–" if v is None else f"{100 * v:.0f}%"


def _num(v: float | None) -> str:
    return "–" if v is None else f"{v:.1f}"


def session_pdf(db: Database, session_id: int, out: str | Path) -> Path:
    """Write the coaching session to `out` as a PDF; returns the path."""
    s = sessions.get_session(db, session_id)
    if s is None:
        raise KeyError(f"No coaching session {session_id}.")
    items = sessions.playlist(db, session_id)
    dash = dashboard(db, s["rep"], s["period_start"], s["period_end"])
    styles = getSampleStyleSheet()
    body = styles["BodyText"]
    small = ParagraphStyle("small", parent=body, fontSize=8.5, leading=11)
    quote = ParagraphStyle(
        "quote", parent=small, leftIndent=8 * mm, textColor=colors.HexColor("#333333")
    )
    comment = ParagraphStyle(
        "comment", parent=body, leftIndent=4 * mm, textColor=colors.HexColor("#0b4f8a")
    )
    story: list = [
        Paragraph(escape(s["title"] or f"Coaching session for {s['rep']}"), styles["Title"]),
        Paragraph(
            escape(
                f"Rep: {s['rep']}    Lead: {s['lead'] or '–'}    "
                f"Period: {day(s['period_start'])[:10]} to {day(s['period_end'] - 1)[:10]}"
            ),
            body,
        ),
        Spacer(1, 4 * mm),
        Paragraph("The period in numbers", styles["Heading2"]),
    ]
    t = dash["totals"]
    rows = [
        ["Calls", str(t["calls"]), "Connects", str(t["connects"])],
        [
            "Talk ratio (rep)",
            _pct(t["talk_ratio"]),
            "Questions per call",
            _num(t["questions_per_call"]),
        ],
        [
            "Qualification coverage",
            _pct(t["qualification_coverage"]),
            "Moments reviewed",
            str(len(items)),
        ],
    ]
    rows += [
        [f"{kind.replace('_', ' ')} per call", f"{per:.2f}", "", ""]
        for kind, per in t["flags_per_call"].items()
    ]
    table = Table(rows, colWidths=[45 * mm, 30 * mm, 45 * mm, 30 * mm])
    table.setStyle(
        TableStyle(
            [
                ("FONTSIZE", (0, 0), (-1, -1), 9),
                ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#f0f0f0")),
                ("BACKGROUND", (2, 0), (2, 2), colors.HexColor("#f0f0f0")),
            ]
        )
    )
    story += [table, Spacer(1, 4 * mm), Paragraph("Moments", styles["Heading2"])]
    if not items:
        story.append(Paragraph("No moments were added to this session.", body))
    for n, item in enumerate(items, start=1):
        status = "discussed" if item["discussed"] else "not yet discussed"
        kind = (item["kind"] or "moment").replace("_", " ")
        block = [
            Paragraph(
                escape(
                    f"{n}. {item['label'] or kind} — {item['contact_name'] or 'unknown contact'}, "
                    f"{day(item['started_at'])} at {clock(item['start_s'])} ({status})"
                ),
                styles["Heading3"],
            )
        ]
        if item["flag_text"]:
            block.append(Paragraph(f"<b>Said:</b> {escape(item['flag_text'])}", small))
        if item["suggestion"]:
            block.append(Paragraph(f"<b>Try instead:</b> {escape(item['suggestion'])}", small))
        for u in item["transcript"]:
            block.append(
                Paragraph(escape(f"[{clock(u['start_s'])}] {u['speaker']}: {u['text']}"), quote)
            )
        for c in item["comments"]:
            who = f"{c['author']}: " if c["author"] else ""
            block.append(Paragraph(escape(f"[{clock(c['at_s'])}] {who}{c['text']}"), comment))
        block.append(Spacer(1, 3 * mm))
        story.append(KeepTogether(block))
    out = Path(out)
    doc = SimpleDocTemplate(
        str(out),
        pagesize=A4,
        title=s["title"] or f"Coaching session for {s['rep']}",
        author=s["lead"] or "Call Coach",
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=16 * mm,
        bottomMargin=16 * mm,
    )
    doc.build(story)
    os.chmod(out, 0o600)  # transcripts of customers: readable by the user only
    return out


def metrics_csv(
    db: Database,
    out: str | Path,
    *,
    rep: str | None = None,
    since: float | None = None,
    until: float | None = None,
) -> int:
    """One row per call (filters as given) with metrics and flag counts; returns rows written."""
    where, params = ["1 = 1"], []
    if rep:
        where.append("c.rep = ?")
        params.append(rep)
    if since is not None:
        where.append("c.started_at >= ?")
        params.append(since)
    if until is not None:
        where.append("c.started_at < ?")
        params.append(until)
    cond = " AND ".join(where)
    counts: dict[int, dict[str, int]] = {}
    for call_id, kind, n in db.execute(
        f"SELECT f.call_id, f.kind, COUNT(*) FROM flags f JOIN call_history_v c ON c.id = f.call_id"
        f" WHERE {cond} GROUP BY f.call_id, f.kind",
        params,
    ):
        counts.setdefault(call_id, {})[kind] = n
    cols = ", ".join(f"m.{c}" for c in METRIC_COLUMNS)
    rows = db.execute(
        f"SELECT c.id, c.uuid, c.started_at, c.rep, c.contact_name, c.direction, c.status,"
        f" c.disposition, c.connected_at IS NOT NULL, c.ended_at - COALESCE(c.connected_at,"
        f" c.started_at), {cols} FROM call_history_v c"
        f" LEFT JOIN call_metrics m ON m.call_id = c.id WHERE {cond} ORDER BY c.started_at",
        params,
    ).fetchall()
    header = [
        "call_uuid", "started_at", "rep", "contact", "direction", "status", "disposition",
        "connected", "duration_s", *METRIC_COLUMNS, *(f"flags_{k}" for k in FLAG_KINDS),
    ]  # fmt: skip
    with open(out, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(header)
        for r in rows:
            c = counts.get(r[0], {})
            started = dt.datetime.fromtimestamp(r[2]).isoformat(timespec="seconds")
            dur = None if r[9] is None else round(r[9], 1)
            w.writerow(
                [
                    r[1],
                    started,
                    *r[3:8],
                    int(r[8]),
                    dur,
                    *r[10:],
                    *(c.get(k, 0) for k in FLAG_KINDS),
                ]
            )
    os.chmod(out, 0o600)
    return len(rows)
