"""One real call between two engines on loopback with its RTP through a bad network
(tests/net_relay.py), for tests/test_sip_network.py and benchmarks/bench_network.py.

The rep's engine plays the rep's voice (its tap and recording get it locally, as from a
headset); the far end's engine plays the prospect's voice, which crosses the relay and is what
the rep's engine receives, taps (for the live coach) and records (right channel).

    with RelayedCall(rep_wav, far_wav, Impairment(jitter_ms=40), rx_drop_pct=5) as call:
        call.dial()
        call.relay.blackout(3.0)
        call.poll_stats(); call.hangup()
        call.ended.sentence, call.streams, call.relay.stats()
"""

from __future__ import annotations

import contextlib
import time
from pathlib import Path
from typing import Self

import numpy as np
import soundfile as sf

from softphone.client import EngineClient
from softphone.event_log import EventLog
from softphone.protocol import CallStateChanged, IncomingCall
from tests.net_relay import FAR_FRONT, REP_FRONT, Impairment, MediaRelay, free_rtp_ports
from tests.sip_support import loopback_config, state


def split_call(stereo_wav: str | Path, out_dir: Path) -> tuple[Path, Path]:
    """A rendered stereo call (left rep, right prospect) as two mono WAVs: (rep, prospect)."""
    data, rate = sf.read(str(stereo_wav), dtype="int16")
    paths = (out_dir / "rep_voice.wav", out_dir / "prospect_voice.wav")
    for ch, path in enumerate(paths):
        sf.write(str(path), np.ascontiguousarray(data[:, ch]), rate, subtype="PCM_16")
    return paths


class RelayedCall:
    """Relay + far-end engine (auto-answers) + rep engine; the rep dials the far end."""

    def __init__(
        self,
        rep_wav: str | Path,
        far_wav: str | Path,
        impairment: Impairment | None = None,
        *,
        rx_drop_pct: int = 0,
        media_timeout_s: float = 5.0,
        engine_options: dict | None = None,
        record: str | Path | None = None,
    ) -> None:
        self.rep_wav, self.far_wav = str(rep_wav), str(far_wav)
        self.impairment = impairment or Impairment()
        self.rx_drop_pct = rx_drop_pct
        self.media_timeout_s = media_timeout_s
        self.engine_options = engine_options or {}
        self.record = str(record) if record else None
        self.relay: MediaRelay | None = None
        self.rep: EngineClient | None = None
        self.far: EngineClient | None = None
        self.rep_log, self.far_log = EventLog(), EventLog()
        self.call_id = ""
        self.far_call_id = ""
        self.connected_at = 0.0  # monotonic, when the rep's engine reported "connected"
        self.streams: dict = {}  # the rep's receive stream and jitter buffer, last seen
        self.far_streams: dict = {}
        self.ended: CallStateChanged | None = None
        self._stack = contextlib.ExitStack()

    def __enter__(self) -> Self:
        try:
            rep_port, far_port = free_rtp_ports(2)
            self.relay = self._stack.enter_context(MediaRelay(rep_port, far_port, self.impairment))
            # Loss comes from pjmedia itself on each side's receive path (as the issue asks);
            # the relay adds delay, jitter, reordering and blackouts.
            # The far end is a phone that never gives up on RTP: when the network goes, the
            # rep's engine must be the one that notices (SIP does not cross the relay).
            self.far = self._engine(self.far_wav, far_port, FAR_FRONT, self.far_log, 600.0)
            self.rep = self._engine(
                self.rep_wav, rep_port, REP_FRONT, self.rep_log, self.media_timeout_s
            )
        except BaseException:
            self._stack.close()
            raise
        return self

    def _engine(
        self, wav: str, rtp_port: int, front: str, log: EventLog, media_timeout_s: float
    ) -> EngineClient:
        cfg = loopback_config(
            audio="file",
            play_file=wav,
            rtp_port=rtp_port,
            media_address=front,
            rx_drop_pct=self.rx_drop_pct,
            media_timeout_s=media_timeout_s,
            **self.engine_options,
        )
        client = EngineClient(cfg)
        client.add_listener(log)
        client.start()
        self._stack.callback(client.stop)
        return client

    def __exit__(self, *exc: object) -> None:
        self._stack.close()

    def dial(self, timeout: float = 15.0) -> str:
        """Place the call, let the far end answer, wait until the rep's side is connected."""
        assert self.rep is not None and self.far is not None
        self.call_id = self.rep.make_call(
            f"sip:far@127.0.0.1:{self.far.info.sip_port}", record_path=self.record
        )
        incoming = self.far_log.wait_for(lambda e: isinstance(e, IncomingCall), timeout)
        self.far_call_id = incoming.call_id
        self.far.answer(incoming.call_id)
        self.rep_log.wait_for(state(self.call_id, "connected"), timeout)
        self.connected_at = time.monotonic()
        return self.call_id

    def since_connected(self) -> float:
        return time.monotonic() - self.connected_at

    def sleep_until(self, t: float) -> None:
        """Sleep until t seconds after the connection (polling stats on the way)."""
        while self.since_connected() < t:
            self.poll_stats()
            time.sleep(min(0.5, max(0.0, t - self.since_connected())))

    def poll_stats(self) -> None:
        """Keep the latest stream stats of each side (they vanish with the call)."""
        for client, cid, attr in (
            (self.rep, self.call_id, "streams"),
            (self.far, self.far_call_id, "far_streams"),
        ):
            with contextlib.suppress(Exception):  # an engine that is going away says nothing
                got = client.stats().get("streams", {}).get(cid)
                if got:
                    setattr(self, attr, got)

    def is_up(self) -> bool:
        return not any(
            e.call_id == self.call_id and e.state == "disconnected"
            for e in self.rep_log.of(CallStateChanged)
        )

    def hangup(self, timeout: float = 10.0) -> CallStateChanged:
        self.poll_stats()
        if self.is_up():
            with contextlib.suppress(Exception):  # it may have ended meanwhile
                self.rep.hangup(self.call_id)
        return self.wait_end(timeout)

    def wait_end(self, timeout: float) -> CallStateChanged:
        self.ended = self.rep_log.wait_for(state(self.call_id, "disconnected"), timeout)
        return self.ended
