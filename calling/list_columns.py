"""How a call list's columns are recognised and its cells read: header synonyms, the
delimiter and dates in common formats (phone cells are read by softphone.numbers).

Kept apart from `calling.calllists` (which reads whole lists and stores them) because
these are the rules a team lead asks about ("why was Mobile used?") and the ones that grow.
"""

from __future__ import annotations

import re
from datetime import datetime

FIELDS = ("name", "company", "phone", "email", "last_action", "last_action_date")

# Header spellings seen in CRM and spreadsheet exports, compared after norm_header.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "name": ("name", "full name", "contact", "contact name", "lead", "lead name", "prospect"),
    "first_name": ("first name", "firstname", "given name", "first"),
    "last_name": ("last name", "lastname", "surname", "family name", "last"),
    "company": (
        "company",
        "company name",
        "account",
        "account name",
        "organization",
        "organisation",
        "business",
        "employer",
    ),
    "phone": (
        "phone",
        "phone number",
        "telephone",
        "telephone number",
        "tel",
        "direct dial",
        "direct phone",
        "work phone",
        "business phone",
        "office phone",
        "mobile",
        "mobile phone",
        "mobile number",
        "cell",
        "cell phone",
        "number",
    ),
    "email": ("email", "e mail", "email address", "e mail address", "mail"),
    "last_action": (
        "last action",
        "last activity",
        "activity",
        "action",
        "last touch",
        "last engagement",
    ),
    "last_action_date": (
        "last action date",
        "last activity date",
        "action date",
        "activity date",
        "date",
        "last action on",
    ),
}

_DATE_FORMATS = ("%Y-%m-%d", "%m/%d/%Y", "%m/%d/%y", "%d.%m.%Y", "%b %d, %Y", "%d %b %Y")
_DATE_FORMATS += ("%B %d, %Y", "%d %B %Y", "%Y/%m/%d")


def norm_header(h: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9]+", " ", h.lower()).split())


def delimiter(header_line: str) -> str:
    counts = {d: header_line.count(d) for d in ("\t", ";", ",")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def map_columns(headers: list[str]) -> tuple[dict[str, list[int]], list[str]]:
    """field -> column indexes (phone may have several, in order of preference), and the
    headers nothing was read from."""
    normed = [norm_header(h) for h in headers]
    mapping: dict[str, list[int]] = {}
    for f, names in SYNONYMS.items():
        for name in names:  # synonyms are in order of preference
            for i, h in enumerate(normed):
                if h == name and i not in mapping.get(f, []):
                    if any(i in v for k, v in mapping.items() if k != f):
                        continue
                    mapping.setdefault(f, []).append(i)
        if f != "phone" and f in mapping:
            mapping[f] = mapping[f][:1]
    used = {i for v in mapping.values() for i in v}
    return mapping, [h for i, h in enumerate(headers) if i not in used and h.strip()]


def parse_date(text: str) -> str:
    """ISO date (YYYY-MM-DD) when the text is a date in a common format, else the text."""
    t = text.strip()
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(t, fmt).date().isoformat()
        except ValueError:
            continue
    return t
