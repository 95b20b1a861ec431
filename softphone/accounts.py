"""SIP account settings and the password lookup (keyring service "callcoach", never a file).

An `AccountConfig` holds no secret: the engine asks keyring for the password when it adds
the account, under the name `keyring_user` (auth user @ domain).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from softphone.errors import SoftphoneError

KEYRING_SERVICE = "callcoach"

_HOST = re.compile(r"^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?)(:\d{1,5})?$")


class AccountError(SoftphoneError):
    """An account setting that cannot work; the message says which and why."""


@dataclass(frozen=True)
class AccountConfig:
    """One SIP account. `registrar` is a host[:port] (or sip: URI) of the phone system."""

    id: str
    registrar: str
    user: str
    auth_user: str = ""  # empty: same as user
    domain: str = ""  # empty: the registrar's host
    display_name: str = ""
    transport: Literal["udp", "tcp", "tls"] = "udp"
    outbound_proxy: str = ""  # host[:port] or sip: URI; empty: none
    register: bool = True
    reg_expires_s: int = 300
    realm: str = "*"

    @property
    def registrar_host(self) -> str:
        host = self.registrar.split(":", 1)[1] if self.registrar.startswith("sip") else ""
        return (host or self.registrar).split(";")[0]

    @property
    def sip_domain(self) -> str:
        return self.domain or self.registrar_host.rsplit(":", 1)[0].strip("[]")

    @property
    def sip_host(self) -> str:
        """The domain as the host part of a SIP URI (an IPv6 literal in brackets)."""
        domain = self.sip_domain
        return f"[{domain}]" if ":" in domain else domain

    @property
    def keyring_user(self) -> str:
        return f"{self.auth_user or self.user}@{self.sip_domain}"

    def id_uri(self) -> str:
        uri = f"sip:{self.user}@{self.sip_host}"
        return f'"{self.display_name}" <{uri}>' if self.display_name else uri

    def registrar_uri(self) -> str:
        return _sip_uri(self.registrar_host, self.transport)

    def proxy_uri(self) -> str:
        if not self.outbound_proxy:
            return ""
        host = self.outbound_proxy.split(":", 1)[1] if self.outbound_proxy.startswith("sip") else ""
        return _sip_uri(host or self.outbound_proxy, self.transport) + ";lr"

    def validate(self) -> None:
        """Raise AccountError with one sentence if a setting cannot work."""
        if not self.id:
            raise AccountError("The account needs a name.")
        if not self.user or any(c in self.user for c in " @:;<>"):
            raise AccountError(f"The user name {self.user!r} is not valid for SIP.")
        if not _HOST.match(self.registrar_host):
            raise AccountError(f"The registrar {self.registrar!r} is not a host name or address.")
        if self.transport not in ("udp", "tcp", "tls"):
            raise AccountError(f"The transport {self.transport!r} must be udp, tcp or tls.")


def _sip_uri(host: str, transport: str) -> str:
    uri = f"sip:{host.split(';')[0]}"
    return uri if transport == "udp" else f"{uri};transport={transport}"


def get_password(account: AccountConfig) -> str | None:
    """The account's password from keyring, or None if none is stored."""
    import keyring

    return keyring.get_password(KEYRING_SERVICE, account.keyring_user)


def set_password(account: AccountConfig, password: str) -> None:
    """Store the account's password in the system keyring."""
    import keyring

    keyring.set_password(KEYRING_SERVICE, account.keyring_user, password)
