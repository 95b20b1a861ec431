"""Dial strings -> SIP URIs: validation and normalisation before anything is sent.

Accepts `sip:`/`sips:` URIs, bare `user@host`, `tel:` URIs and phone numbers typed the way
people type them (parsed with phonenumbers into E.164 and routed through the account's
domain), and short internal extensions. Anything else raises `InvalidUri` with one sentence.
"""

from __future__ import annotations

import ipaddress
import re

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
_EXTENSION = re.compile(r"^[0-9*#]{1,6}$")


def normalize_uri(text: str, domain: str | None = None, region: str = "US") -> str:
    """Turn what the rep typed into a SIP URI, or raise InvalidUri saying what is wrong.

    `domain` is the account's SIP domain, needed for phone numbers and extensions;
    `region` is the default country for numbers typed without +country code.
    """
    s = (text or "").strip()
    if not s:
        raise InvalidUri("Enter a phone number or a SIP address to call.")
    low = s.lower()
    if low.startswith("tel:"):
        number = s[4:].split(";")[0]
        return _phone_uri(number, domain, region, original=s)
    if any(c.isspace() for c in s) and not _PHONE_CHARS.match(s):
        raise InvalidUri(f"{s!r} contains spaces; a SIP address cannot have spaces.")
    if low.startswith(("sip:", "sips:")):
        return _check_sip(s)
    if "@" in s:
        return _check_sip("sip:" + s)
    if _EXTENSION.match(s):
        if not domain:
            raise InvalidUri(f"{s!r} looks like an extension; calling it needs a SIP account.")
        return f"sip:{s}@{domain}"
    if _PHONE_CHARS.match(s):
        return _phone_uri(s, domain, region, original=s)
    if ":" in s.split("@")[0] and not low.startswith(("sip", "tel")):
        raise InvalidUri(f"{s!r} is not a SIP address: only sip:, sips: and tel: can be dialled.")
    raise InvalidUri(f"{s!r} is neither a phone number nor a SIP address like sip:name@host.")


def _check_sip(uri: str) -> str:
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
    return m.group("scheme").lower() + uri[len(m.group("scheme")) :]


def _phone_uri(number: str, domain: str | None, region: str, original: str) -> str:
    try:
        parsed = phonenumbers.parse(number, region)
    except phonenumbers.NumberParseException:
        raise InvalidUri(f"{original!r} is not a phone number.") from None
    if not phonenumbers.is_possible_number(parsed):
        raise InvalidUri(f"{original!r} has the wrong number of digits for a phone number.")
    e164 = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    if not domain:
        raise InvalidUri(
            f"Calling the phone number {e164} needs a SIP account; add one or dial a sip: address."
        )
    return f"sip:{e164}@{domain};user=phone"


def uri_host(uri: str) -> str:
    """The host[:port] part of a SIP URI already checked by normalize_uri."""
    rest = uri.split(":", 1)[1]
    rest = rest.split("@", 1)[-1]
    return rest.split(";", 1)[0]
