"""A user-space bad network for RTP on loopback: a UDP relay between two engines that delays,
jitters, reorders, drops and blacks out their media (this kernel has no netem qdisc).

How the media gets into it: each engine binds RTP to 127.0.0.1:P but advertises another
loopback address in its SDP (`EngineConfig.media_address`, e.g. 127.0.0.2:P). The relay owns
those advertised addresses. What A sends to B's advertised address leaves the relay from A's
advertised address towards B's real one, so each engine sees RTP coming from exactly where the
SDP said: no symmetric-RTP address switching can route around the relay.

    relay = MediaRelay(rep_port, far_port, Impairment(delay_ms=60, jitter_ms=40, reorder_pct=5))
    relay.start(); ...; relay.blackout(3.0); ...; relay.stats(); relay.stop()

The impairment is netem's: each packet waits delay ± jitter (uniform), so packets overtake each
other when the spread exceeds the 20 ms packet interval; `reorder_pct` of the packets wait two
more packet times on top (explicit reordering); `loss_pct` are dropped. RTCP (P+1) takes the
same path. Both directions are impaired alike.
"""

from __future__ import annotations

import heapq
import random
import selectors
import socket
import struct
import threading
import time
from dataclasses import dataclass
from typing import Self

REAL = "127.0.0.1"
REP_FRONT = "127.0.0.3"  # where the rep's engine says its RTP is
FAR_FRONT = "127.0.0.2"  # where the far end's engine says its RTP is


@dataclass(frozen=True)
class Impairment:
    delay_ms: float = 0.0
    jitter_ms: float = 0.0  # each packet: delay +- jitter, uniform
    loss_pct: float = 0.0  # dropped by the relay (pjsua's rx_drop_pct is the other way)
    reorder_pct: float = 0.0  # held back two packet times more: they arrive after later ones
    seed: int = 11

    def describe(self) -> str:
        parts = []
        if self.loss_pct:
            parts.append(f"{self.loss_pct:g} % loss")
        if self.delay_ms or self.jitter_ms:
            parts.append(f"{self.delay_ms:g}±{self.jitter_ms:g} ms delay")
        if self.reorder_pct:
            parts.append(f"{self.reorder_pct:g} % reordered")
        return ", ".join(parts) or "clean"


def rtp_port_pair_free(port: int, hosts: tuple[str, ...]) -> bool:
    for host in hosts:
        for p in (port, port + 1):
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
                try:
                    s.bind((host, p))
                except OSError:
                    return False
    return True


def free_rtp_ports(n: int = 2) -> list[int]:
    """n even ports whose pair (RTP, RTCP) is free on the real and both front addresses."""
    rng = random.Random()
    found: list[int] = []
    while len(found) < n:
        port = rng.randrange(20000, 60000, 2)
        if port not in found and rtp_port_pair_free(port, (REAL, REP_FRONT, FAR_FRONT)):
            found.append(port)
    return found


@dataclass
class _Direction:
    """Counters for one direction ("rep->far" or "far->rep"), RTP only."""

    received: int = 0
    forwarded: int = 0
    lost: int = 0  # dropped by the loss_pct dice
    blacked_out: int = 0  # dropped during a blackout
    reordered: int = 0  # sent after a packet with a higher sequence number
    max_delay_ms: float = 0.0
    max_late_ms: float = 0.0  # how late the relay's own thread sent a packet (machine load)
    _last_seq: int | None = None

    def sent(self, packet: bytes, delay_ms: float, late_ms: float) -> None:
        self.forwarded += 1
        self.max_delay_ms = max(self.max_delay_ms, delay_ms)
        self.max_late_ms = max(self.max_late_ms, late_ms)
        if len(packet) >= 12 and packet[0] >> 6 == 2:
            seq = struct.unpack_from("!H", packet, 2)[0]
            if self._last_seq is not None and 0 < (self._last_seq - seq) % 65536 < 32768:
                self.reordered += 1
            else:
                self._last_seq = seq

    def as_dict(self) -> dict:
        return {
            "received": self.received,
            "forwarded": self.forwarded,
            "lost": self.lost,
            "blacked_out": self.blacked_out,
            "reordered": self.reordered,
            "max_delay_ms": round(self.max_delay_ms, 1),
            "max_late_ms": round(self.max_late_ms, 1),
        }


class MediaRelay:
    """Relays RTP/RTCP between the rep's engine (RTP port rep_port) and the far end's."""

    def __init__(
        self,
        rep_port: int,
        far_port: int,
        impairment: Impairment | None = None,
        *,
        rep_front: str = REP_FRONT,
        far_front: str = FAR_FRONT,
    ) -> None:
        self.impairment = impairment or Impairment()
        self._rng = random.Random(self.impairment.seed)
        self._sel = selectors.DefaultSelector()
        self._socks: list[socket.socket] = []
        self._queue: list[tuple[float, int, socket.socket, bytes, tuple, str, bool, float]] = []
        self._n = 0
        self._blackout_until = 0.0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.directions = {"rep->far": _Direction(), "far->rep": _Direction()}
        # front socket that receives -> (socket to send from, real destination, direction, rtp)
        fronts = {}
        for host, port in ((rep_front, rep_port), (far_front, far_port)):
            for off in (0, 1):
                s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
                s.bind((host, port + off))
                s.setblocking(False)
                self._socks.append(s)
                fronts[(host, off)] = s
        for off in (0, 1):
            rep_s, far_s = fronts[(rep_front, off)], fronts[(far_front, off)]
            # what arrives at the far end's front came from the rep: out through the rep's front
            self._sel.register(
                far_s, selectors.EVENT_READ, (rep_s, (REAL, far_port + off), "rep->far", off == 0)
            )
            self._sel.register(
                rep_s, selectors.EVENT_READ, (far_s, (REAL, rep_port + off), "far->rep", off == 0)
            )

    # ---- control (any thread) ----

    def start(self) -> MediaRelay:
        self._thread = threading.Thread(target=self._run, name="net-relay", daemon=True)
        self._thread.start()
        return self

    def blackout(self, seconds: float = float("inf")) -> None:
        """Drop everything, both ways, for this long from now (inf: until the end)."""
        with self._lock:
            self._blackout_until = time.monotonic() + seconds
            self._queue.clear()  # what was in flight is lost with the link

    def stats(self) -> dict:
        with self._lock:
            return {k: d.as_dict() for k, d in self.directions.items()}

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(2)
        self._sel.close()
        for s in self._socks:
            s.close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ---- the relay thread ----

    def _run(self) -> None:
        while not self._stop.is_set():
            with self._lock:
                wait = self._queue[0][0] - time.monotonic() if self._queue else 0.05
            for key, _ in self._sel.select(max(0.0, min(wait, 0.05))):
                self._receive(key.fileobj, *key.data)
            self._send_due()

    def _receive(self, sock, out_sock, dst, direction: str, rtp: bool) -> None:
        imp = self.impairment
        while True:
            try:
                packet = sock.recv(65536)
            except (BlockingIOError, OSError):
                return
            now = time.monotonic()
            with self._lock:
                d = self.directions[direction]
                if rtp:
                    d.received += 1
                if now < self._blackout_until:
                    d.blacked_out += rtp
                    continue
                if imp.loss_pct and self._rng.random() * 100 < imp.loss_pct:
                    d.lost += rtp
                    continue
                delay = imp.delay_ms
                if imp.jitter_ms:
                    delay += self._rng.uniform(-imp.jitter_ms, imp.jitter_ms)
                if imp.reorder_pct and self._rng.random() * 100 < imp.reorder_pct:
                    delay += 40.0
                delay = max(0.0, delay)
                self._n += 1
                heapq.heappush(
                    self._queue,
                    (now + delay / 1000, self._n, out_sock, packet, dst, direction, rtp, delay),
                )

    def _send_due(self) -> None:
        now = time.monotonic()
        while True:
            with self._lock:
                if not self._queue or self._queue[0][0] > now:
                    return
                due, _, out_sock, packet, dst, direction, rtp, delay = heapq.heappop(self._queue)
                if rtp:
                    self.directions[direction].sent(packet, delay, (now - due) * 1000)
            try:
                out_sock.sendto(packet, dst)
            except OSError:
                pass  # the engine on the other side is gone: a real network drops it too
