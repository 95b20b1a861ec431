"""Plain data the phone widgets display (filled by the app layer from the call history)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class ContactRow:
    name: str
    number: str  # E.164, extension or SIP URI
    company: str = ""
    contact_id: int | None = None


@dataclass(frozen=True)
class RecentCall:
    number: str
    name: str = ""
    direction: str = "outgoing"  # "outgoing" | "incoming" | "missed"
    when: datetime | None = None
    duration: float = 0.0  # seconds connected
    call_id: str | int | None = None


@dataclass(frozen=True)
class ContactSummary:
    """What the history says about the far end before a call connects."""

    name: str
    number: str
    company: str = ""
    previous_calls: int = 0
    last_talked: datetime | None = None
    last_flags: tuple[str, ...] = ()  # labels of recently flagged topics
    notes: str = ""
    covered: tuple[str, ...] = field(default=())  # qualification topics learned before
    # The coach's `learned_before`: topic names learned on any earlier call (None: unknown).
    learned_before: frozenset[str] | None = frozenset()

    def last_talked_sentence(self, now: datetime | None = None) -> str:
        if self.last_talked is None:
            return "First call with this contact"
        now = now or datetime.now(self.last_talked.tzinfo)
        days = (now.date() - self.last_talked.date()).days
        if days <= 0:
            return "Last talked today"
        if days == 1:
            return "Last talked yesterday"
        return f"Last talked {days} days ago"


def ago(when: datetime | None, now: datetime | None = None) -> str:
    """'14:02', 'Yesterday', 'Mon', '12 Mar' — how a phone's recents list reads."""
    if when is None:
        return ""
    now = now or datetime.now(when.tzinfo)
    days = (now.date() - when.date()).days
    if days <= 0:
        return when.strftime("%H:%M")
    if days == 1:
        return "Yesterday"
    if days < 7:
        return when.strftime("%a")
    return when.strftime("%d %b").lstrip("0")
