"""Calling hours: a contact's local time from their number, and whether a dial is allowed now.

The time zone comes from phonenumbers' timezone data (through softphone.numbers). A number
whose prefix spans several zones (a US toll-free number, say) is only dialed when the window
is open in every one of them, since the contact may be in any; an unknown or non-geographic
number falls back to the rep's own clock.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from datetime import time as dtime
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from softphone.numbers import time_zones


@dataclass(frozen=True)
class CallingWindow:
    """Local hours when contacts may be called, e.g. 08:00–20:00 (end exclusive)."""

    start: dtime = dtime(8, 0)
    end: dtime = dtime(20, 0)

    @classmethod
    def parse(cls, text: str) -> CallingWindow:
        """'8-20', '08:00-20:30' or '9:30–17'; ValueError with a sentence otherwise."""
        m = re.fullmatch(r"\s*(\d{1,2})(?::(\d\d))?\s*[-–]\s*(\d{1,2})(?::(\d\d))?\s*", text)
        if not m:
            raise ValueError(f"{text!r} is not a calling window; write it like 8-20 or 8:30-17:30.")
        h1, m1, h2, m2 = (int(g) if g else 0 for g in m.groups())
        try:
            start, end = dtime(h1, m1), dtime(h2 % 24, m2) if h2 < 24 else dtime(23, 59, 59)
        except ValueError:
            raise ValueError(f"{text!r} has an hour or minute out of range.") from None
        if end <= start:
            raise ValueError(f"The calling window {text!r} ends before it starts.")
        return cls(start, end)

    def __str__(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M}"


@lru_cache(maxsize=4096)
def zones_for(number: str) -> tuple[str, ...]:
    """IANA zones for an E.164 number ('Etc/Unknown' dropped; empty when unknown)."""
    zones = []
    for z in time_zones(number):
        try:
            ZoneInfo(z)
        except (ZoneInfoNotFoundError, ValueError):
            continue
        zones.append(z)
    return tuple(zones)


def _open_in(zone: ZoneInfo | None, window: CallingWindow, now: float) -> tuple[bool, float]:
    """(open now, epoch when it next opens) in one zone."""
    local = datetime.fromtimestamp(now, zone) if zone else datetime.fromtimestamp(now)
    t = local.time()
    if window.start <= t < window.end:
        return True, now
    day = local.date() if t < window.start else local.date() + timedelta(days=1)
    opens = datetime.combine(day, window.start, local.tzinfo)
    if zone is None:
        opens = datetime.combine(day, window.start)
    return False, opens.timestamp()


def check(number: str, window: CallingWindow, now: float) -> tuple[bool, float, str]:
    """(allowed now, epoch when allowed, contact's local time as 'HH:MM zone')."""
    names = zones_for(number)
    # A non-geographic number (toll-free spans Guam to Halifax) says nothing about where the
    # contact is: use the rep's clock rather than a window that is never open everywhere.
    zones = [ZoneInfo(z) for z in names] if 0 < len(names) <= 3 else [None]
    results = [_open_in(z, window, now) for z in zones]
    allowed = all(ok for ok, _ in results)
    when = now if allowed else max(t for _, t in results)
    # One zone: show its clock; several: the first, marked as a guess.
    first = zones[0]
    local = datetime.fromtimestamp(now, first) if first else datetime.fromtimestamp(now)
    label = f"{local:%H:%M} {first.key if first else 'local'}" + ("" if len(zones) < 2 else " …")
    if not allowed and len(zones) > 1:
        # The latest opening in one zone may still fall outside another: walk forward.
        for _ in range(4):
            results = [_open_in(z, window, when) for z in zones]
            if all(ok for ok, _ in results):
                break
            when = max(t for _, t in results)
    return allowed, when, label
