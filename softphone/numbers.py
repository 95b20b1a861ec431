"""Phone numbers and dial strings: the one place a typed, pasted or imported number is read.

Owns every phonenumbers call of the app: what the dialer shows before dialling (`normalise`
-> `DialTarget`), the SIP URI a dial string becomes (`normalize_uri`: sip:/sips:, bare
user@host, tel: and numbers as people type them, short extensions), a call list's phone
cells (`e164`), a number's time zones (`time_zones`, for calling hours) and the display
helpers (`pretty`, `digits_key`, `number_from_uri`).

A URI that went through here is a `SipUri`; the engine client sends it as it is, so a dial
is normalised once. Bad input raises `InvalidUri` (a ValueError) with one sentence.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass

import phonenumbers

from softphone.errors import InvalidUri

_USER = r"[A-Za-z0-9\-_.!~*'()&=+$,;?/%]+"
_HOSTNAME = (
    r"[A-Za-z0-9]([A-Za-z0-9\-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9\-]*[A-Za-z0-9])?)*\.?"
)
_SIP_RE = re.compile(
    rf"^(?P<scheme>sips?):(?:(?P<user>{_USER})(?::(?P<pw>[^@]*))?@)?"
    rf"(?P<host>\[[0-9A-Fa-f:.]+\]|{_HOSTNAME})(?::(?P<port>\d+))?"
    rf"(?P<params>(;[A-Za-z0-9\-_.!~*'()%]+(=[A-Za-z0-9\-_.!~*'()%\[\]:]*)?)*)$",
    re.IGNORECASE,
)
_PHONE_CHARS = re.compile(r"^\+?[0-9 ().\-/]+$")
_URI_EXTENSION = re.compile(r"^[0-9*#]{1,6}$")
_DIALER_EXTENSION = re.compile(r"^[*#]?\d{2,6}[*#]?$")
_HOST = re.compile(r"^[A-Za-z0-9._\[\]-]+(:\d+)?(;.*)?$")


class SipUri(str):
    """A SIP URI already checked here: the engine client sends it without checking again."""


def _parse(text: str, region: str | None) -> phonenumbers.PhoneNumber | None:
    """The number, or None when phonenumbers cannot read it or it has the wrong length."""
    try:
        num = phonenumbers.parse(text, region or None)
    except phonenumbers.NumberParseException:
        return None
    return num if phonenumbers.is_possible_number(num) else None


def _e164(num: phonenumbers.PhoneNumber) -> str:
    return phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.E164)


def e164(text: str, region: str = "US") -> str:
    """E.164 for a number that exists (a call list's cell); ValueError with a sentence if not."""
    t = text.strip()
    try:
        num = phonenumbers.parse(t, region or None)
    except phonenumbers.NumberParseException:
        raise InvalidUri(f"{t!r} is not a phone number") from None
    if not phonenumbers.is_valid_number(num):
        raise InvalidUri(f"{t!r} is not a valid phone number for region {region}")
    return _e164(num)


# --- the dialer: what a typed number will dial, shown before dialling ---------------------


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
        """The SIP URI to call ("" when it cannot be built); numbers need the account's server."""
        if self.is_uri:
            return SipUri(self.dial)
        if not server or not self.dial:
            return ""
        try:
            return check_sip(f"sip:{self.dial}@{server}")
        except InvalidUri:
            return ""


def normalise(text: str, region: str = "US") -> DialTarget:
    """What the rep typed, read for the dialer (never raises: the sentence says what is wrong)."""
    raw = text.strip()
    if not raw:
        return DialTarget(text, "", "", sentence="")
    lower = raw.lower()
    if lower.startswith(("sip:", "sips:")):
        rest = raw.split(":", 1)[1]
        host = rest.split("@", 1)[-1]
        if not rest or not _HOST.match(host):
            return DialTarget(text, "", raw, sentence="That SIP address has no valid host after @.")
        try:
            uri = check_sip(raw)
        except InvalidUri as e:
            return DialTarget(text, "", raw, sentence=str(e))
        return DialTarget(text, uri, raw, is_uri=True)
    if lower.startswith("tel:"):
        raw = raw[4:].split(";", 1)[0]
    elif "@" in raw and " " not in raw:
        t = normalise("sip:" + raw, region)
        return DialTarget(text, t.dial, t.display, t.is_uri, t.sentence)
    compact = re.sub(r"[\s().-]", "", raw)
    if _DIALER_EXTENSION.match(compact):
        return DialTarget(text, compact, f"Extension {compact}")
    try:
        phonenumbers.parse(raw, region or None)
    except phonenumbers.NumberParseException:
        return DialTarget(text, "", raw, sentence="That doesn't look like a phone number.")
    num = _parse(raw, region)
    if num is None:
        return DialTarget(text, "", raw, sentence="That number has too few or too many digits.")
    shown = phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    if not phonenumbers.is_valid_number(num):
        return DialTarget(text, _e164(num), shown, sentence="This number may not exist; check it.")
    return DialTarget(text, _e164(num), shown)


# --- the engine client: a dial string as a SIP URI ----------------------------------------


def normalize_uri(text: str, domain: str | None = None, region: str = "US") -> str:
    """Turn a dial string into a SIP URI, or raise InvalidUri saying what is wrong.

    `domain` is the account's SIP domain, needed for phone numbers and extensions;
    `region` is the default country for numbers typed without +country code. A `SipUri`
    (already normalised here) comes back as it is.
    """
    if isinstance(text, SipUri):
        return text
    s = (text or "").strip()
    if not s:
        raise InvalidUri("Enter a phone number or a SIP address to call.")
    low = s.lower()
    if low.startswith("tel:"):
        return _phone_uri(s[4:].split(";")[0], domain, region, original=s)
    if any(c.isspace() for c in s) and not _PHONE_CHARS.match(s):
        raise InvalidUri(f"{s!r} contains spaces; a SIP address cannot have spaces.")
    if low.startswith(("sip:", "sips:")):
        return check_sip(s)
    if "@" in s:
        return check_sip("sip:" + s)
    if _URI_EXTENSION.match(s):
        if not domain:
            raise InvalidUri(f"{s!r} looks like an extension; calling it needs a SIP account.")
        return SipUri(f"sip:{s}@{domain}")
    if _PHONE_CHARS.match(s):
        return _phone_uri(s, domain, region, original=s)
    if ":" in s.split("@")[0] and not low.startswith(("sip", "tel")):
        raise InvalidUri(f"{s!r} is not a SIP address: only sip:, sips: and tel: can be dialled.")
    raise InvalidUri(f"{s!r} is neither a phone number nor a SIP address like sip:name@host.")


def check_sip(uri: str) -> SipUri:
    """A sip:/sips: URI checked (host, IP, port, no password) with its scheme lower-cased."""
    m = _SIP_RE.match(uri)
    if not m:
        raise InvalidUri(f"{uri!r} is not a valid SIP address (expected sip:name@host).")
    host = m.group("host")
    if host.startswith("["):
        try:
            ipaddress.IPv6Address(host[1:-1])
        except ValueError:
            raise InvalidUri(f"{host!r} in {uri!r} is not a valid IPv6 address.") from None
    elif re.fullmatch(r"[0-9.]+", host):
        try:
            ipaddress.IPv4Address(host)
        except ValueError:
            raise InvalidUri(f"{host!r} in {uri!r} is not a valid IP address.") from None
    port = m.group("port")
    if port is not None and not 0 < int(port) < 65536:
        raise InvalidUri(f"The port {port} in {uri!r} is out of range (1-65535).")
    if m.group("pw") is not None:
        raise InvalidUri("Do not put a password in the address; store it in the account.")
    return SipUri(m.group("scheme").lower() + uri[len(m.group("scheme")) :])


def _phone_uri(number: str, domain: str | None, region: str, original: str) -> SipUri:
    try:
        phonenumbers.parse(number, region)
    except phonenumbers.NumberParseException:
        raise InvalidUri(f"{original!r} is not a phone number.") from None
    num = _parse(number, region)
    if num is None:
        raise InvalidUri(f"{original!r} has the wrong number of digits for a phone number.")
    if not domain:
        raise InvalidUri(
            f"Calling the phone number {_e164(num)} needs a SIP account; add one or dial a sip: "
            "address."
        )
    return SipUri(f"sip:{_e164(num)}@{domain};user=phone")


def uri_host(uri: str) -> str:
    """The host[:port] part of a SIP URI already checked by normalize_uri."""
    rest = uri.split(":", 1)[1]
    rest = rest.split("@", 1)[-1]
    return rest.split(";", 1)[0]


# --- showing numbers ----------------------------------------------------------------------


def pretty(number: str, region: str = "US") -> str:
    """A stored number (E.164 or URI) formatted for reading; unchanged when not a number."""
    if not number or number.lower().startswith(("sip:", "sips:")):
        return number
    num = _parse(number, region)
    if num is None:
        return number
    return phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def time_zones(number: str) -> tuple[str, ...]:
    """The IANA zone names phonenumbers gives for an E.164 number (empty when unreadable)."""
    from phonenumbers import timezone

    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException:
        return ()
    return tuple(timezone.time_zones_for_number(parsed))


def digits_key(number: str) -> str:
    """Only the digits, for matching a typed fragment against stored numbers."""
    return re.sub(r"\D", "", number)


def ends_like(key: str, number: str) -> bool:
    """Does `number` end in the last nine digits of `key` (a `digits_key`)? How a number dialled
    without its country code finds the stored one; an empty key matches nothing."""
    return bool(key) and digits_key(number).endswith(key[-9:])


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
