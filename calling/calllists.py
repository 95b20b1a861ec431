"""Call lists: reading a CSV file or a spreadsheet paste, mapping its columns, importing it
into the database (contacts merged by number) and exporting it back with outcomes.

Reading is separate from importing so that the window and the CLI can show a preview (the
column mapping, the first rows and every rejected row with its line number and reason)
before anything is written. Numbers become E.164 with phonenumbers; a row is rejected, never
dropped silently, when its number is missing, cannot be dialed, or repeats an earlier row.
"""

from __future__ import annotations

import csv
import io
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlite_utils import Database

from calling.history_merge import Person, merge_contacts
from calling.list_columns import (
    FIELDS,
    delimiter,
    map_columns,
    parse_date,
)
from softphone.numbers import e164


class CallListError(ValueError):
    """A list that cannot be read at all; the message is one sentence for the rep."""


@dataclass
class ListRow:
    line: int
    name: str
    phone: str  # E.164
    company: str = ""
    email: str = ""
    last_action: str = ""
    last_action_date: str = ""  # ISO date when it could be read, else the text as given


@dataclass
class Rejected:
    line: int
    reason: str
    text: str = ""  # the row as it was, for the report


@dataclass
class ListPreview:
    """What a file would import as: the mapping, the rows and the rejects."""

    columns: dict[str, list[str]]  # field -> headers it was read from
    unmapped: list[str]
    rows: list[ListRow] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
    delimiter: str = ","

    def describe(self, sample: int = 5) -> str:
        lines = ["Columns:"]
        for f in (*FIELDS, "first_name", "last_name"):
            if self.columns.get(f):
                lines.append(f"  {f:<17} <- {', '.join(self.columns[f])}")
        if self.unmapped:
            lines.append(f"  (not used: {', '.join(self.unmapped)})")
        lines.append(f"{len(self.rows)} rows ready, {len(self.rejected)} rejected.")
        for r in self.rows[:sample]:
            lines.append(f"  line {r.line}: {r.name} | {r.company} | {r.phone} | {r.last_action}")
        for r in self.rejected:
            lines.append(f"  line {r.line} rejected: {r.reason}")
        return "\n".join(lines)


@dataclass
class ImportResult:
    list_id: int
    imported: int
    merged: int  # rows that matched an existing contact by number
    created: int
    rejected: list[Rejected]
    seconds: float


def read_text(path: str | Path, encoding: str | None = None) -> str:
    """The file's text: UTF-8 (with or without BOM) or UTF-16 with a BOM, or `encoding`."""
    try:
        raw = Path(path).read_bytes()
    except OSError as e:
        raise CallListError(f"The list {path} could not be read: {e.strerror}.") from None
    if encoding:
        try:
            return raw.decode(encoding)
        except (UnicodeDecodeError, LookupError) as e:
            raise CallListError(f"The list {path} is not valid {encoding} text ({e}).") from None
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):  # Excel's "Unicode text" export
        return raw.decode("utf-16")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = raw[: e.start].count(b"\n") + 1
        raise CallListError(
            f"The list {Path(path).name} is not UTF-8 text (byte 0x{raw[e.start]:02x} on line "
            f"{line}); save it as 'CSV UTF-8' or name its encoding with --encoding, "
            f"for example --encoding cp1252."
        ) from None


def parse_table(text: str, region: str = "US") -> ListPreview:
    """Read CSV or tab-separated text (a spreadsheet paste) with a header row."""
    text = text.lstrip("\ufeff")
    first = text.split("\n", 1)[0]
    if not first.strip():
        raise CallListError("The list is empty: it needs a header row and at least one contact.")
    delim = delimiter(first)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delim)
    headers = next(reader)
    cols, unmapped = map_columns(headers)
    if "phone" not in cols:
        raise CallListError(
            "The list has no phone column (looked for a header like Phone, Phone Number or "
            f"Mobile; found: {', '.join(h for h in headers if h.strip()) or 'nothing'})."
        )
    if "name" not in cols and "first_name" not in cols and "company" not in cols:
        raise CallListError(
            "The list has no name column (looked for Name, Full Name, First Name or Company)."
        )
    preview = ListPreview(
        {f: [headers[i] for i in idx] for f, idx in cols.items()}, unmapped, delimiter=delim
    )
    seen: dict[str, int] = {}
    line = reader.line_num
    for record in reader:
        start, line = line + 1, reader.line_num
        if not any(c.strip() for c in record):
            continue

        def get(f: str, record: list[str] = record) -> str:
            idx = cols.get(f)
            return record[idx[0]].strip() if idx and idx[0] < len(record) else ""

        raw_phones = [record[i].strip() for i in cols["phone"] if i < len(record)]
        raw_phones = [p for p in raw_phones if p]
        shown = delim.join(record)
        if not raw_phones:
            preview.rejected.append(Rejected(start, "no phone number", shown))
            continue
        phone, error = "", ""
        for raw in raw_phones:
            try:
                phone = e164(raw, region)
                break
            except ValueError as e:
                error = error or str(e)
        if not phone:
            preview.rejected.append(Rejected(start, error, shown))
            continue
        if phone in seen:
            preview.rejected.append(
                Rejected(start, f"{phone} repeats line {seen[phone]} (kept once)", shown)
            )
            continue
        seen[phone] = start
        name = get("name") or " ".join(p for p in (get("first_name"), get("last_name")) if p)
        company = get("company")
        preview.rows.append(
            ListRow(
                start,
                name or company or phone,
                phone,
                company,
                get("email"),
                get("last_action"),
                parse_date(get("last_action_date")) if get("last_action_date") else "",
            )
        )
    if not preview.rows and not preview.rejected:
        raise CallListError("The list has a header row but no contacts.")
    return preview


def read_list(path: str | Path, region: str = "US", encoding: str | None = None) -> ListPreview:
    return parse_table(read_text(path, encoding), region)


def import_preview(
    db: Database, preview: ListPreview, name: str, *, source: str = "", region: str = "US"
) -> ImportResult:
    """Write a previewed list: one call_lists row, contacts merged by number, entries."""
    t0 = time.perf_counter()
    now = time.time()
    with db.atomic():
        list_id = int(  # the first write: from here on this connection holds the write lock
            db.execute(
                "INSERT INTO call_lists(name, source, region, created_at) VALUES (?, ?, ?, ?)",
                [name, source, region, now],
            ).lastrowid
        )
        people = [Person(r.name, r.phone, r.company, r.email) for r in preview.rows]
        contacts = merge_contacts(db, people, now)  # the call history's table: it merges
        entries = [
            (list_id, pos, r.line, cid, r.name, r.company, r.phone, r.email, r.last_action,
             r.last_action_date)
            for pos, (r, cid) in enumerate(zip(preview.rows, contacts.contact_ids, strict=True))
        ]  # fmt: skip
        db.conn.executemany(
            "INSERT INTO call_list_entries(list_id, position, source_line, contact_id, name,"
            " company, phone, email, last_action, last_action_date)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            entries,
        )
    return ImportResult(
        list_id, len(entries), contacts.merged, contacts.created, preview.rejected,
        time.perf_counter() - t0,
    )  # fmt: skip


def import_file(
    db: Database,
    path: str | Path,
    name: str | None = None,
    *,
    region: str = "US",
    encoding: str | None = None,
) -> ImportResult:
    t0 = time.perf_counter()
    preview = read_list(path, region, encoding)
    result = import_preview(db, preview, name or Path(path).stem, source=str(path), region=region)
    result.seconds = time.perf_counter() - t0
    return result


def find_list(db: Database, ref: str | int) -> dict:
    """A list by id or by name (the newest of that name); CallListError if none."""
    rows = []
    if str(ref).isdigit():
        rows = list(db.query("SELECT * FROM call_lists WHERE id = ?", [int(ref)]))
    if not rows:
        rows = list(
            db.query("SELECT * FROM call_lists WHERE name = ? ORDER BY id DESC LIMIT 1", [ref])
        )
    if not rows:
        raise CallListError(f"There is no call list named {ref!r}.")
    return rows[0]


def lists(db: Database) -> list[dict]:
    return list(
        db.query(
            "SELECT l.*, COUNT(e.id) AS entries, SUM(e.status != 'pending') AS worked"
            " FROM call_lists l LEFT JOIN call_list_entries e ON e.list_id = l.id"
            " GROUP BY l.id ORDER BY l.id"
        )
    )


EXPORT_COLUMNS = (
    "Name",
    "Company",
    "Phone",
    "Email",
    "Last Action",
    "Last Action Date",
    "Status",
    "Outcome",
    "Outcome At",
    "Call Back At",
    "Attempts",
    "Notes",
)


def _stamp(t: float | None) -> str:
    return datetime.fromtimestamp(t).isoformat(timespec="minutes") if t else ""


def export_list(db: Database, ref: str | int, path: str | Path) -> int:
    """Write the list with its outcomes as UTF-8 CSV (with BOM, so Excel reads it); row count."""
    lst = find_list(db, ref)
    rows = db.execute(
        "SELECT name, company, phone, email, last_action, last_action_date, status, outcome,"
        " outcome_at, callback_at, attempts, notes FROM call_list_entries WHERE list_id = ?"
        " ORDER BY position",
        [lst["id"]],
    ).fetchall()
    with open(path, "w", encoding="utf-8-sig", newline="") as f:
        w = csv.writer(f)
        w.writerow(EXPORT_COLUMNS)
        for r in rows:
            w.writerow([*(v or "" for v in r[:8]), _stamp(r[8]), _stamp(r[9]), r[10], r[11] or ""])
    return len(rows)
