"""Errors of the softphone core and the sentences a rep reads when a call or registration fails.

`describe_sip_status` turns a SIP status (and pjsip's reason text) into one plain sentence;
every failure event the engine sends carries both the code and that sentence.
"""

from __future__ import annotations

_SENTENCES: dict[int, str] = {
    400: "The phone system rejected the request as malformed.",
    401: "The phone system refused the user name or password.",
    403: "The phone system refused the user name or password.",
    404: "That number or address does not exist.",
    405: "The other side does not accept this kind of request.",
    407: "The proxy refused the user name or password.",
    408: "The other side did not answer in time.",
    410: "That number is no longer in service.",
    413: "The request was too large for the phone system.",
    415: "The other side does not support this kind of media.",
    416: "The phone system does not accept that kind of address.",
    420: "The other side does not support a required feature.",
    480: "The person is not available right now.",
    481: "The call no longer exists on the other side.",
    482: "The phone system detected a routing loop.",
    483: "The call went through too many hops.",
    484: "The number is incomplete.",
    485: "The address is ambiguous.",
    486: "The line is busy.",
    487: "The call was cancelled.",
    488: "The other side cannot use any of our audio codecs or security settings.",
    491: "Both sides changed the call at the same time; try again.",
    500: "The phone system had an internal error.",
    501: "The phone system does not support this request.",
    502: "A gateway on the way returned an invalid answer.",
    503: "The service is unavailable right now.",
    504: "A gateway on the way did not answer in time.",
    505: "The phone system speaks an unsupported SIP version.",
    513: "The message was too large for the phone system.",
    600: "The person is busy everywhere.",
    603: "The call was declined.",
    604: "That number does not exist anywhere.",
    606: "The other side cannot accept this call.",
}

_CLASS_SENTENCES: dict[int, str] = {
    1: "The call is being set up.",
    2: "The request succeeded.",
    3: "The number has moved and the call could not follow it.",
    4: "The phone system refused the call.",
    5: "The phone system failed to handle the call.",
    6: "The call was refused everywhere.",
}


def describe_sip_status(code: int, reason: str = "") -> str:
    """One sentence a rep understands for a SIP status, e.g. 486 -> "The line is busy."."""
    text = (reason or "").lower()
    # pjsip reports transport failures as 408/503 with its own reason text: be specific.
    if "connection refused" in text or "no route" in text or "unreachable" in text:
        return "The other side could not be reached (nothing is listening at that address)."
    if "resolve" in text or "dns" in text or "host not found" in text:
        return "The host name could not be found."
    if "certificate" in text or "ssl" in text or "tls" in text:
        return "The secure connection failed: the server certificate could not be verified."
    if code in _SENTENCES:
        return _SENTENCES[code]
    if 100 <= code < 700:
        return _CLASS_SENTENCES[code // 100]
    if code == 0:
        return "The call ended before the other side answered." if not text else reason
    return f"The call failed ({code} {reason}).".replace(" )", ")")


IPV6_ONLY_SENTENCE = (
    "The caller's phone offers audio over IPv6 only, which this phone cannot use yet; "
    "ask them to allow IPv4 audio (in Linphone: turn IPv6 off in the network settings)."
)

# What the rep asked for, for the sentence when the engine could not do it.
_ACTIONS: dict[str, str] = {
    "AddAccount": "The account could not be set up",
    "RemoveAccount": "The account could not be removed",
    "MakeCall": "The call could not be placed",
    "Answer": "The call could not be answered",
    "Reject": "The call could not be declined",
    "Hangup": "The call could not be hung up",
    "Hold": "The call could not be put on hold",
    "Resume": "The call could not be taken off hold",
    "SendDtmf": "The keypad tones could not be sent",
    "Transfer": "The call could not be transferred",
    "PlayFile": "The recording could not be played into the call",
}

_SIP_STATUS_BASE = 170000  # pjsip reports SIP status N as the pj_status_t 170000 + N


def sip_code_of(status: int) -> int | None:
    """The SIP status a pjsip error number stands for, if it stands for one."""
    code = int(status) - _SIP_STATUS_BASE
    return code if 100 <= code < 700 else None


def describe_engine_failure(command: str, status: int, reason: str = "") -> str:
    """One sentence for a pjsua2 error on a command: what failed and, in plain words, why.

    Never pjsua2's own text (function names, status numbers, source lines): the engine logs that.
    """
    action = _ACTIONS.get(command, "The phone engine could not do that")
    code = sip_code_of(status)
    text = (reason or "").lower()
    if code is not None:
        why = describe_sip_status(code, reason)
    elif "address already in use" in text:
        why = "Another program already uses that network port."
    elif "invalid uri" in text or "invalid url" in text:
        why = "The address is not a valid SIP address."
    elif "already" in text or "invalid operation" in text or "not found" in text:
        why = "The call is not in a state that allows it."
    else:
        return f"{action}."
    return f"{action}: {why[0].lower()}{why[1:]}"


def describe_answer_failure(code: int, ipv6_only: bool = False) -> str:
    """The sentence for an incoming call that failed while the rep answered it."""
    if ipv6_only:
        return IPV6_ONLY_SENTENCE
    why = describe_sip_status(code)
    return f"The call could not be answered: {why[0].lower()}{why[1:]}"


class SoftphoneError(Exception):
    """Base of the softphone's errors: its message is one sentence for the user."""


class InvalidUri(SoftphoneError, ValueError):
    """A dial string that is neither a SIP URI nor a phone number we can route."""


class EngineError(SoftphoneError):
    """The engine refused or failed a command; the message says why."""


class EngineNotRunning(EngineError):
    """A command was sent while no engine process is running."""
