"""What a typed or pasted number will dial: phonenumbers normalisation, shown before dialling.

Pure Python (no Qt) so the dialer, the tel: handler and tests share one rule: SIP URIs pass
through, `tel:` and pasted numbers ("(415) 555-0100", "+44 20 7946 0958") become E.164 in the
rep's default region, and short digit strings stay extensions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import phonenumbers

_EXTENSION = re.compile(r"^[*#]?\d{2,6}[*#]?$")
_HOST = re.compile(r"^[A-Za-z0-9._-]+(:\d+)?(;.*)?$")


@dataclass(frozen=True)
class DialTarget:
    """The result of reading the number field."""

    text: str  # what the rep typed
    dial: str  # E.164 number, extension or full SIP URI; "" when nothing dialable
    display: str  # how it is shown ("+1 415-555-0100", "sip:bob@host")
    is_uri: bool = False
    sentence: str = ""  # why it cannot be dialled, for the rep

    @property
    def ok(self) -> bool:
        return bool(self.dial)

    def uri(self, server: str | None) -> str:
        """The SIP URI to call; numbers need the account's server."""
        if self.is_uri:
            return self.dial
        if not server:
            return ""
        return f"sip:{self.dial}@{server}"


def normalise(text: str, region: str = "US") -> DialTarget:
    raw = text.strip()
    if not raw:
        return DialTarget(text, "", "", sentence="")
    lower = raw.lower()
    if lower.startswith(("sip:", "sips:")):
        rest = raw.split(":", 1)[1]
        host = rest.split("@", 1)[-1]
        if not rest or not _HOST.match(host):
            return DialTarget(text, "", raw, sentence="That SIP address has no valid host after @.")
        return DialTarget(text, raw, raw, is_uri=True)
    if lower.startswith("tel:"):
        raw = raw[4:].split(";", 1)[0]
    elif "@" in raw and " " not in raw:
        t = normalise("sip:" + raw, region)
        return DialTarget(text, t.dial, t.display, t.is_uri, t.sentence)
    compact = re.sub(r"[\s().-]", "", raw)
    if _EXTENSION.match(compact):
        return DialTarget(text, compact, f"Extension {compact}")
    try:
        num = phonenumbers.parse(raw, region or None)
    except phonenumbers.NumberParseException:
        return DialTarget(text, "", raw, sentence="That doesn't look like a phone number.")
    if not phonenumbers.is_possible_number(num):
        return DialTarget(text, "", raw, sentence="That number has too few or too many digits.")
    e164 = phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.E164)
    shown = phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    if not phonenumbers.is_valid_number(num):
        return DialTarget(text, e164, shown, sentence="This number may not exist; check it.")
    return DialTarget(text, e164, shown)


def pretty(number: str, region: str = "US") -> str:
    """A stored number (E.164 or URI) formatted for reading; unchanged when not a number."""
    if not number or number.lower().startswith(("sip:", "sips:")):
        return number
    try:
        num = phonenumbers.parse(number, region or None)
    except phonenumbers.NumberParseException:
        return number
    if not phonenumbers.is_possible_number(num):
        return number
    return phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def digits_key(number: str) -> str:
    """Only the digits, for matching a typed fragment against stored numbers."""
    return re.sub(r"\D", "", number)


def number_from_uri(uri: str) -> str:
    """The number (or user@host) a caller's URI carries: '"Bob" <sip:+1415...@h>' → '+1415...'."""
    text = uri.strip()
    if "<" in text and ">" in text:
        text = text[text.index("<") + 1 : text.index(">")]
    if text.lower().startswith(("sip:", "sips:", "tel:")):
        text = text.split(":", 1)[1]
    text = text.split(";", 1)[0]
    user, _, host = text.partition("@")
    if re.fullmatch(r"\+?[\d*#]+", user):
        return user
    return f"sip:{user}@{host}" if host else user
