"""Which SIP stack this engine runs on: pjsua2 build, pjsip version, OpenSSL, codecs, IPv6.

Two builds exist: on Linux `scripts/build_pjsua2.sh` builds pjproject 2.17 against the
system's OpenSSL 3 and libopus (distribution `pjsua2`); elsewhere the PyPI wheel
`pjsua2-python` 2.15 (OpenSSL 1.0.2k bundled, no Opus, no IPv6). The engine reports the
stack once at start (EngineStarted.stack, and one log line) so a bug report says which.
Nothing here raises: an unknown field is reported as "unknown".
"""

from __future__ import annotations

import ctypes
import importlib.metadata as md

import pjsua2 as pj


def _library() -> ctypes.CDLL | None:
    try:
        import pjsua2

        return ctypes.CDLL(pjsua2._pjsua2.__file__)
    except (OSError, AttributeError, ImportError):
        return None


def build() -> str:
    """'callcoach' for the wheel scripts/build_pjsua2.sh built, 'pypi' for pjsua2-python."""
    for dist, name in (("pjsua2", "callcoach"), ("pjsua2-python", "pypi")):
        try:
            md.distribution(dist)
        except md.PackageNotFoundError:
            continue
        return name
    return "unknown"


def openssl_version(lib: ctypes.CDLL | None = None) -> str:
    """The OpenSSL the module is linked with, e.g. 'OpenSSL 3.0.19 ...' (dlsym on the module's
    handle also searches its dependencies: libssl/libcrypto, system or bundled)."""
    lib = lib or _library()
    if lib is None:
        return "unknown"
    for name in ("OpenSSL_version", "SSLeay_version"):  # 1.1+/3.x, then 1.0.2
        try:
            fn = getattr(lib, name)
        except AttributeError:
            continue
        fn.restype = ctypes.c_char_p
        fn.argtypes = [ctypes.c_int]
        try:
            return (fn(0) or b"").decode("ascii", "replace") or "unknown"
        except Exception:  # noqa: BLE001 - a report, never a failure
            return "unknown"
    return "none"


def has_ipv6() -> bool:
    """Was pjproject built with PJ_HAS_IPV6? Without it, pjsua's account defaults turn IPv6
    media off (PJSUA_IPV6_DISABLED) and pjsua_acc_add refuses to turn it on."""
    try:
        return pj.AccountConfig().mediaConfig.ipv6Use != pj.PJSUA_IPV6_DISABLED
    except Exception:  # noqa: BLE001
        return False


def describe(ep: pj.Endpoint) -> dict:
    """The stack as a JSON-able dict (needs a created Endpoint; codecs after libInit)."""
    lib = _library()
    try:
        version = ep.libVersion().full
    except Exception:  # noqa: BLE001
        version = "unknown"
    try:
        codecs = [
            ci.codecId for ci in sorted(ep.codecEnum2(), key=lambda c: -c.priority) if ci.priority
        ]
    except Exception:  # noqa: BLE001
        codecs = []
    return {
        "build": build(),
        "pjsip": version,
        "openssl": openssl_version(lib),
        "codecs": codecs,
        "ipv6": has_ipv6(),
    }


def summary(stack: dict) -> str:
    """One line: 'pjsip 2.17 (callcoach build), OpenSSL 3.0.19 ..., IPv6, codecs opus/48000/2 ...'."""
    return (
        f"pjsip {stack.get('pjsip', '?')} ({stack.get('build', '?')} build), "
        f"{stack.get('openssl', '?')}, IPv6 {'on' if stack.get('ipv6') else 'off'}, "
        f"codecs {' '.join(stack.get('codecs') or []) or 'none'}"
    )
