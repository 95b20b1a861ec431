"""The command/event protocol between the app and the softphone engine process.

Commands travel app -> engine, events engine -> app, over one multiprocessing connection;
all are plain picklable dataclasses. Every command is wrapped in a `Request` carrying an id
and answered by a `Reply` with the same id, so the client can wait for errors. Events are
named in the past tense and carry, for failures, the SIP status and a sentence for the rep.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from softphone.accounts import AccountConfig

Transport = Literal["udp", "tcp", "tls"]
TlsVersion = Literal["1.2", "1.3"]
SrtpMode = Literal["disabled", "optional", "mandatory"]
AudioMode = Literal["headset", "null", "file"]
CallState = Literal["calling", "ringing", "early", "connected", "held", "disconnected"]
# The one definition of "in a call": a call in LIVE_STATES is up or coming ("incoming": it
# rings here, not answered yet); in TALKING_STATES it is up (touch tones, mute, hold, transfer).
LIVE_STATES = ("calling", "ringing", "early", "connected", "held", "incoming")
TALKING_STATES = ("connected", "held")

# Opus where both ends have it (the stack scripts/build_pjsua2.sh builds; not the PyPI wheel).
DEFAULT_CODECS = ("opus/48000", "G722/16000", "PCMU/8000", "PCMA/8000")
# The headset's PortAudio block sizes a rep may choose: 10 ms is steady under load (the
# default); 5 ms takes ~13 ms off each way but doubles the xruns on a saturated CPU (README,
# "Latency and clock drift").
AUDIO_BLOCK_MS = (10, 5)


def audio_block_problem(value: object) -> str | None:
    """One sentence when `value` is not a device block size the engine accepts, else None."""
    if isinstance(value, int) and not isinstance(value, bool) and value in AUDIO_BLOCK_MS:
        return None
    return f"The audio buffer must be 10 ms or 5 ms, not {value!r} ms."


@dataclass(frozen=True)
class EngineConfig:
    """Everything the engine process needs at start; it cannot change while it runs."""

    bind_address: str = ""  # "" = all interfaces; tests use 127.0.0.1
    sip_port: int = 0  # 0 = any free port (the same port for UDP and TCP when possible)
    transports: tuple[Transport, ...] = ("udp", "tcp")
    tls_port: int = 0
    tls_verify_server: bool = True
    tls_ca_file: str | None = None
    tls_cert_file: str | None = None  # only needed to accept TLS connections
    tls_key_file: str | None = None
    tls_min_version: TlsVersion = "1.2"  # "1.3": refuse TLS 1.2 peers (needs OpenSSL 1.1.1+)
    codecs: tuple[str, ...] = DEFAULT_CODECS  # in priority order; prefixes like "PCMU" work
    other_codecs: bool = True  # False: only the codecs listed above are offered
    srtp: SrtpMode = "optional"
    srtp_keys_only_over_tls: bool = False  # True: SDES keys only in SIP carried over TLS
    audio: AudioMode = "null"
    play_file: str | None = None  # audio == "file": this WAV is the rep's voice
    loop_play: bool = False
    input_device: str | None = None
    output_device: str | None = None
    media_timeout_s: float = 30.0  # a connected call without incoming RTP this long is ended
    no_response_timeout_s: float = 15.0  # an outgoing call with no reply at all this long ends
    rtp_port: int = 0  # first RTP port; 0 = let pjsua pick from 4000 upwards
    media_address: str = ""  # RTP address put in the SDP when not the bound one (NAT, relay)
    rx_drop_pct: int = 0  # pjmedia drops this % of received RTP (simulated loss, tests)
    tx_drop_pct: int = 0  # ... and of sent RTP
    jitter_min_ms: int = -1  # the jitter buffer keeps at least this much audio; -1 = pjsua's
    tap_seconds: float = 30.0  # capacity of each shared-memory tap ring
    audio_block_ms: int = 10  # the headset's PortAudio block (AUDIO_BLOCK_MS): 10 or 5
    user_agent: str = "CallCoach/0.1"
    log_level: int = 1  # pjsua log level on the engine's stderr (0..6)
    reg_backoff_max_s: float = 60.0
    stats_interval_s: float = 1.0

    def __post_init__(self) -> None:
        problem = audio_block_problem(self.audio_block_ms)
        if problem:  # refused here, so no engine ever starts with a block PortAudio can't keep
            raise ValueError(problem)


# ---- commands (app -> engine) -------------------------------------------------------------


@dataclass(frozen=True)
class AddAccount:
    account: AccountConfig


@dataclass(frozen=True)
class RemoveAccount:
    account_id: str


@dataclass(frozen=True)
class MakeCall:
    call_id: str
    uri: str
    account_id: str | None = None
    record_path: str | None = None


@dataclass(frozen=True)
class Answer:
    call_id: str
    record_path: str | None = None


@dataclass(frozen=True)
class Reject:
    call_id: str
    code: int = 486


@dataclass(frozen=True)
class Hangup:
    call_id: str


@dataclass(frozen=True)
class Hold:
    call_id: str


@dataclass(frozen=True)
class Resume:
    call_id: str


@dataclass(frozen=True)
class SetMute:
    muted: bool


@dataclass(frozen=True)
class SendDtmf:
    call_id: str
    digits: str


@dataclass(frozen=True)
class Transfer:
    call_id: str
    uri: str


@dataclass(frozen=True)
class PlayFile:
    """Play a WAV into one call in place of the rep's voice (voicemail drop)."""

    call_id: str
    wav_path: str


@dataclass(frozen=True)
class GetStats:
    pass


@dataclass(frozen=True)
class ResetStats:
    """Zero the audio counters and timings (e.g. after call start-up)."""


@dataclass(frozen=True)
class Shutdown:
    pass


@dataclass(frozen=True)
class Request:
    req_id: int
    command: Any


@dataclass(frozen=True)
class Reply:
    req_id: int
    ok: bool
    value: Any = None
    error: str = ""  # one sentence when not ok


# ---- events (engine -> app) ---------------------------------------------------------------


@dataclass(frozen=True)
class Event:
    """Base class of everything the engine reports."""


@dataclass(frozen=True)
class EngineStarted(Event):
    pid: int
    sip_port: int
    transports: dict[str, int]  # transport name -> bound port
    taps: dict[str, str]  # "rep"/"prospect" -> shared-memory ring name
    # the SIP stack: {"build": "callcoach"|"pypi", "pjsip", "openssl", "codecs", "ipv6"}
    stack: dict[str, Any] | None = None


@dataclass(frozen=True)
class EngineStopped(Event):
    pass


@dataclass(frozen=True)
class EngineCrashed(Event):
    reason: str
    exitcode: int | None = None


@dataclass(frozen=True)
class RegistrationChanged(Event):
    account_id: str
    registered: bool
    status_code: int
    reason: str
    sentence: str
    retry_in_s: float | None = None


@dataclass(frozen=True)
class TlsConnectionEstablished(Event):
    """A TLS connection (either direction) finished its handshake."""

    remote: str  # "host:port" of the far end
    protocol: str  # what was negotiated: "TLSv1.3", "TLSv1.2", ...
    cipher: str  # e.g. "TLS_AES_256_GCM_SHA384"
    verified: bool  # no certificate error: a server we call is verified (by default); on
    # accepted connections no client certificate is asked for, so nothing is checked there


@dataclass(frozen=True)
class IncomingCall(Event):
    call_id: str
    remote_uri: str
    display_name: str
    account_id: str


@dataclass(frozen=True)
class CallStateChanged(Event):
    call_id: str
    state: CallState
    status_code: int
    reason: str
    sentence: str
    direction: Literal["outgoing", "incoming"]
    remote_uri: str
    started_at: float
    connected_at: float | None = None


@dataclass(frozen=True)
class CallMediaChanged(Event):
    call_id: str
    codec: str
    srtp: bool  # the audio is encrypted (SRTP negotiated with the far end)
    held: bool = False
    tls: bool = False  # the call's signalling runs over TLS
    security: str = ""  # what the call view shows: "Encrypted (SRTP)", "Not encrypted", ...


@dataclass(frozen=True)
class RecordingFailed(Event):
    """The call's recording stopped (e.g. the disk is full); the call itself goes on."""

    call_id: str
    path: str
    sentence: str


@dataclass(frozen=True)
class HeadsetChanged(Event):
    """The headset was unplugged mid-call (the call goes on through the fallback device, or in
    silence) or came back (the audio is on it again); not tied to one call."""

    state: Literal["unplugged", "silent", "back"]
    sentence: str


@dataclass(frozen=True)
class DtmfReceived(Event):
    call_id: str
    digit: str
    method: str  # "rfc4733" or "info"


@dataclass(frozen=True)
class TransferProgressed(Event):
    call_id: str
    status_code: int
    sentence: str
    final: bool


@dataclass(frozen=True)
class AudioStatsUpdated(Event):
    stats: dict[str, Any]
