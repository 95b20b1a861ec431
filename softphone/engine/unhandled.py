"""Answers the out-of-dialog requests pjsua leaves unanswered, as RFC 3261 asks.

pjsua 2.15 handles INVITE, OPTIONS, MESSAGE, SUBSCRIBE and in-dialog requests; a REGISTER,
PUBLISH, REFER, an unknown method, or a BYE/INFO/NOTIFY/PRACK/UPDATE without a To tag reaches
no module and gets no response at all, so the sender retransmits for 32 s. pjsua2 exposes no
hook for them (no Endpoint.onRxRequest in 2.15), so this registers a last-priority pjsip module
through ctypes on the symbols the pjsua2 extension exports, and answers statelessly:

- 481 Call/Transaction Does Not Exist: BYE, CANCEL, INFO, NOTIFY, PRACK, UPDATE (they only
  make sense inside a dialog or transaction this UA does not have);
- 405 Method Not Allowed with the endpoint's Allow header: REGISTER, PUBLISH, REFER, and any
  other standard method this UA does not serve;
- 501 Not Implemented: a method it does not know at all.
ACK is never answered. The callback runs on the SIP thread (inside libHandleEvents) and
never raises.
"""

from __future__ import annotations

import ctypes
import logging
import re

log = logging.getLogger("softphone.engine")

DIALOG_ONLY = frozenset({"BYE", "CANCEL", "INFO", "NOTIFY", "PRACK", "UPDATE"})
KNOWN = (
    frozenset({"INVITE", "ACK", "OPTIONS", "REGISTER", "MESSAGE", "SUBSCRIBE", "PUBLISH", "REFER"})
    | DIALOG_ONLY
)
_PRIORITY = 64 + 36  # after PJSIP_MOD_PRIORITY_APPLICATION (64), where pjsua's modules sit
_H_ALLOW = 4  # PJSIP_H_ALLOW
_INFO = re.compile(rb"^Request msg (\S+)/cseq=")

_RX = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p)


class _Module(ctypes.Structure):  # struct pjsip_module (pjsip/sip_module.h)
    _fields_ = [
        ("prev", ctypes.c_void_p),
        ("next", ctypes.c_void_p),
        ("name_ptr", ctypes.c_char_p),
        ("name_slen", ctypes.c_ssize_t),
        ("id", ctypes.c_int),
        ("priority", ctypes.c_int),
        ("load", ctypes.c_void_p),
        ("start", ctypes.c_void_p),
        ("stop", ctypes.c_void_p),
        ("unload", ctypes.c_void_p),
        ("on_rx_request", _RX),
        ("on_rx_response", ctypes.c_void_p),
        ("on_tx_request", ctypes.c_void_p),
        ("on_tx_response", ctypes.c_void_p),
        ("on_tsx_state", ctypes.c_void_p),
    ]


class _HdrHead(ctypes.Structure):  # the list head of a pjsip_hdr list (prev, next first)
    _fields_ = [("prev", ctypes.c_void_p), ("next", ctypes.c_void_p), ("rest", ctypes.c_byte * 64)]


_state: dict = {}  # the module, its callback and the library: alive for the whole process
answered: dict[str, int] = {}  # method -> count, for stats and tests


def status_for(method: str) -> int | None:
    if method == "ACK" or method in ("INVITE", "OPTIONS", "MESSAGE", "SUBSCRIBE"):
        return None  # pjsua's own business (or, for ACK, never answered)
    if method in DIALOG_ONLY:
        return 481
    if method in KNOWN:
        return 405
    return 501


def install() -> bool:
    """Register the module (SIP thread, after libInit). False when the symbols are missing."""
    if "module" in _state:
        return True
    try:
        import pjsua2

        lib = ctypes.CDLL(pjsua2._pjsua2.__file__)
        lib.pjsua_get_pjsip_endpt.restype = ctypes.c_void_p
        lib.pjsip_rx_data_get_info.restype = ctypes.c_char_p
        lib.pjsip_rx_data_get_info.argtypes = [ctypes.c_void_p]
        lib.pjsip_endpt_get_capability.restype = ctypes.c_void_p
        lib.pjsip_endpt_get_capability.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_void_p]
        lib.pjsip_hdr_clone.restype = ctypes.c_void_p
        lib.pjsip_hdr_clone.argtypes = [ctypes.c_void_p, ctypes.c_void_p]
        lib.pjsip_endpt_respond_stateless.restype = ctypes.c_int
        lib.pjsip_endpt_respond_stateless.argtypes = (
            [ctypes.c_void_p] * 2 + [ctypes.c_int] + [ctypes.c_void_p] * 3
        )
        lib.pjsip_endpt_register_module.restype = ctypes.c_int
        lib.pjsip_endpt_register_module.argtypes = [ctypes.c_void_p, ctypes.c_void_p]
    except (OSError, AttributeError, ImportError):
        log.warning("cannot answer unhandled SIP requests: pjsip symbols not found")
        return False
    endpt = lib.pjsua_get_pjsip_endpt()
    if not endpt:
        return False

    def on_rx_request(rdata: int) -> int:
        try:
            info = lib.pjsip_rx_data_get_info(rdata) or b""
            m = _INFO.match(info)
            if not m:
                return 0
            method = m.group(1).decode("ascii", "replace")
            code = status_for(method)
            if code is None:
                return 0
            head = None
            if code == 405:
                allow = lib.pjsip_endpt_get_capability(endpt, _H_ALLOW, None)
                pool = ctypes.c_void_p.from_address(rdata).value  # rdata->tp_info.pool
                clone = lib.pjsip_hdr_clone(pool, allow) if allow and pool else None
                if clone:
                    head = _HdrHead()
                    head.prev = head.next = clone
                    links = (ctypes.c_void_p * 2).from_address(clone)
                    links[0] = links[1] = ctypes.addressof(head)
            status = lib.pjsip_endpt_respond_stateless(
                endpt, rdata, code, None, ctypes.addressof(head) if head else None, None
            )
            key = method if method in KNOWN else "unknown"
            answered[key] = answered.get(key, 0) + 1
            return 1 if status == 0 else 0
        except Exception:  # never into C
            log.exception("answering an unhandled request failed")
            return 0

    cb = _RX(on_rx_request)
    name = b"mod-callcoach-unhandled"
    mod = _Module(name_ptr=name, name_slen=len(name), id=-1, priority=_PRIORITY, on_rx_request=cb)
    status = lib.pjsip_endpt_register_module(endpt, ctypes.addressof(mod))
    if status != 0:
        log.warning("cannot answer unhandled SIP requests: register_module status %d", status)
        return False
    _state.update(module=mod, callback=cb, lib=lib, name=name)
    return True
