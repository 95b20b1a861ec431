"""Real third-party SIP phones as test peers: baresip 1.0 and linphonec 5.1 (Debian `baresip`,
`linphone-cli`), headless, on loopback, each with its own config directory, always killed.

    with Baresip(tmp, play=wav8k, codec="PCMU") as bs:      # auto-answers sip:far@127.0.0.1:PORT
        ...; bs.received()                                    # what it decoded, as a WAV path
    with Linphonec(tmp, play=wav, record=rec) as lp:        # -a: auto-answers
        lp.call("sip:rep@127.0.0.1:5062")

Also: per-window speech similarity (a jitter buffer inserts/drops 20-40 ms now and then, so one
lag for a whole file under-scores a perfect call) and a raw-socket RTP sniffer on `lo` that
tells what an eavesdropper hears (plain PCMU decodes to the speech, SRTP does not).
"""

from __future__ import annotations

import os
import select
import shutil
import socket
import struct
import subprocess
import threading
import time
from pathlib import Path

import numpy as np
import soundfile
import soxr

from tests.sip_support import correlation, free_port

BARESIP = shutil.which("baresip")
LINPHONEC = shutil.which("linphonec")


class _Peer:
    """A child process whose output is collected by a thread; stopped for sure on exit."""

    proc: subprocess.Popen | None = None

    def __init__(self) -> None:
        self.lines: list[str] = []
        self._reader: threading.Thread | None = None

    def _spawn(self, cmd: list[str], **kw) -> None:
        self.proc = subprocess.Popen(
            cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace", **kw
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            self.lines.append(line.rstrip("\n"))

    def wait_output(self, text: str, timeout: float = 10.0) -> str:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            for line in list(self.lines):
                if text in line:
                    return line
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        raise TimeoutError(f"{text!r} not seen; output:\n" + "\n".join(self.lines[-40:]))

    def output(self) -> str:
        return "\n".join(self.lines)

    def stop(self) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(3)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        if self._reader is not None:
            self._reader.join(2)

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def _port_pair() -> int:
    """A port p with p and p+1 free (UDP and TCP) on 127.0.0.1."""
    for _ in range(50):
        p = free_port()
        try:
            for kind in (socket.SOCK_DGRAM, socket.SOCK_STREAM):
                with socket.socket(socket.AF_INET, kind) as s:
                    s.bind(("127.0.0.1", p + 1))
            return p
        except OSError:
            continue
    raise RuntimeError("no free port pair")


class Baresip(_Peer):
    """baresip answering sip:far@127.0.0.1:PORT (answermode=auto) or dialling `dial`.

    Its voice is `play` via the aufile module, which insists on the codec's own sample rate
    (8 kHz for PCMU, 16 kHz for G.722), and it hangs up when that file ends. What it decodes is
    dumped to WAV by the sndfile filter (baresip 1.0 has no recorder). The player is aubridge:
    ALSA's null device made it spin at ~94 % of a core.
    """

    def __init__(
        self,
        workdir: Path,
        play: Path,
        codec: str | None = None,
        mediaenc: str | None = None,
        dial: str | None = None,
        limit_s: int = 30,
    ) -> None:
        super().__init__()
        self.dir = Path(workdir) / "baresip"
        self.dir.mkdir(parents=True, exist_ok=True)
        self.port = self.uri = None
        self.play, self.codec, self.mediaenc, self.dial, self.limit_s = (
            play, codec, mediaenc, dial, limit_s,
        )  # fmt: skip

    def start(self) -> None:
        # baresip listens on UDP+TCP at the port and TLS at port+1: a race with other tests
        # for either makes it exit ("Address already in use"), so pick again then
        for attempt in range(4):
            self.port = _port_pair()
            self.uri = f"sip:far@127.0.0.1:{self.port}"
            try:
                return self._start()
            except TimeoutError:
                if "Address already in use" not in self.output() or attempt == 3:
                    raise
                self.stop()
                self.lines.clear()

    def _start(self) -> None:
        (self.dir / "config").write_text(
            "\n".join(
                [
                    "poll_method epoll",
                    f"sip_listen 127.0.0.1:{self.port}",
                    "audio_player aubridge,nil",
                    "audio_alert aubridge,nil",
                    f"audio_source aufile,{self.play}",
                    "rtp_ports 20000-29998",
                    "jitter_buffer_delay 5-10",
                    "module_path /usr/lib/baresip/modules",
                    *(f"module {m}.so" for m in ("g711", "g722", "aufile", "aubridge", "sndfile")),
                    *(["module opus.so"] if "opus" in (self.codec or "").lower() else []),
                    *(f"module {m}.so" for m in ("srtp",)),
                    "module_tmp account.so",
                    "module_app menu.so",
                    f"snd_path {self.dir}",
                    "",
                ]
            )
        )
        params = ["answermode=auto", "regint=0"]
        if self.codec:
            params.append(f"audio_codecs={self.codec}")
        if self.mediaenc:
            params.append(f"mediaenc={self.mediaenc}")
        (self.dir / "accounts").write_text(f"<{self.uri}>;{';'.join(params)}\n")
        cmd = [BARESIP, "-4", "-f", str(self.dir), "-t", str(self.limit_s)]
        if self.dial:
            cmd += ["-e", f"/dial {self.dial}"]
        self._spawn(cmd, stdin=subprocess.DEVNULL, cwd=self.dir)
        self.wait_output("baresip is ready", 10)

    def received(self) -> Path:
        """The WAV of what baresip decoded from us (the sndfile filter's `-dec` dump)."""
        found = sorted(self.dir.glob("dump-*-dec.wav"))
        assert found, "baresip wrote no decoder dump:\n" + self.output()[-3000:]
        return found[-1]


class Linphonec(_Peer):
    """linphonec 5.1 on files (`soundcard use files`, `play`, `record`), -a auto-answers.

    It gets an rc and a HOME of its own (it will not create ~/.local/share/linphone itself), and
    IPv4 only (`use_ipv6=0`, `ipv6_migration_done=1`), or it offers `c=IN IP6` media.
    `encryption`: None or "srtp" (SDES); `mandatory` makes it offer RTP/SAVP. `codecs` are
    enabled in that order before its defaults (G.722 is off by default in 5.1).
    """

    def __init__(
        self,
        workdir: Path,
        play: Path,
        record: Path,
        encryption: str | None = None,
        mandatory: bool = False,
        codecs: tuple[str, ...] = (),
    ) -> None:
        super().__init__()
        self.dir = Path(workdir) / "linphonec"
        (self.dir / "home" / ".local" / "share" / "linphone").mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.uri = f"sip:far@127.0.0.1:{self.port}"
        self.play, self.record = play, record
        self.encryption, self.mandatory, self.codecs = encryption, mandatory, codecs

    def start(self) -> None:
        rc = self.dir / "rc"
        rc.write_text(
            "\n".join(
                [
                    "[sip]",
                    f"sip_port={self.port}",
                    "sip_tcp_port=-1",
                    "sip_tls_port=-1",
                    "use_ipv6=0",
                    "ipv6_migration_done=1",
                    'contact="far" <sip:far@127.0.0.1>',
                    f"media_encryption={self.encryption or 'none'}",
                    f"media_encryption_mandatory={int(self.mandatory)}",
                    "[rtp]",
                    "audio_rtp_port=30000-39998",
                    "[sound]",
                    "echocancellation=0",
                    "[video]",
                    "enabled=0",
                    "capture=0",
                    "display=0",
                    *(
                        f"[audio_codec_{i}]\nmime={c}\nrate=8000\nchannels=1\nenabled=1"
                        for i, c in enumerate(self.codecs)
                    ),
                    "",
                ]
            )
        )
        env = dict(os.environ, HOME=str(self.dir / "home"))
        cmd = [LINPHONEC, "-c", str(rc), "-a", "-d", "4", "-l", str(self.dir / "log.txt")]
        self._spawn(cmd, stdin=subprocess.PIPE, env=env, cwd=self.dir)
        self.send("soundcard use files")
        self.wait_output("Using wav files instead of soundcard", 10)
        self.send(f"play {self.play}")
        self.send(f"record {self.record}")

    def send(self, line: str) -> None:
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()

    def call(self, uri: str) -> None:
        self.send(f"call {uri}")

    def log(self) -> str:
        p = self.dir / "log.txt"
        return p.read_text(errors="replace") if p.exists() else ""

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            try:
                self.send("quit")
                self.proc.wait(4)
            except (OSError, subprocess.TimeoutExpired):
                pass
        super().stop()


# ---- scoring ----------------------------------------------------------------------------


def load(path: Path, rate: int, channel: int | None = None) -> np.ndarray:
    """A WAV as float32 mono at `rate` (one channel of a stereo file)."""
    x, r = soundfile.read(path, dtype="float32")
    if x.ndim == 2:
        x = x[:, channel if channel is not None else 0]
    return soxr.resample(x, r, rate) if r != rate else x


def window_similarity(
    source: np.ndarray, received: np.ndarray, rate: int, win_s: float = 0.5, search_s: float = 0.25
) -> np.ndarray:
    """Correlation of each voiced `win_s` window of source with received, each window free to
    move by +-search_s around the overall lag: a jitter buffer that inserts or drops 20-40 ms
    shifts everything after it, which one lag for the whole file would score as a bad call."""
    lag_s, _ = correlation(source, received)  # seconds as if 16 kHz
    base = round(lag_s * 16000)  # in samples at any rate
    n, s = int(win_s * rate), int(search_s * rate)
    loud = np.sqrt(np.mean(source.astype(np.float64) ** 2))
    out = []
    for i in range(0, len(source) - n + 1, n):
        chunk = source[i : i + n]
        if np.sqrt(np.mean(chunk.astype(np.float64) ** 2)) < 0.3 * loud:
            continue  # pauses say nothing about the path
        window = received[max(0, base + i - s) : base + i + n + s]
        out.append(correlation(chunk, window)[1] if len(window) >= n else 0.0)
    return np.array(out)


# ---- what goes over the wire --------------------------------------------------------------


def _ulaw_table() -> np.ndarray:
    u = ~np.arange(256, dtype=np.int32) & 0xFF
    sign, exp, mant = u & 0x80, (u >> 4) & 7, u & 0x0F
    mag = (((mant << 3) + 0x84) << exp) - 0x84
    return np.where(sign, -mag, mag).astype(np.float32) / 32768


ULAW = _ulaw_table()


class RtpSniffer:
    """Captures the UDP payloads to and from one local port on `lo` (AF_PACKET, needs
    CAP_NET_RAW) while it runs; `pcmu_audio(direction)` decodes PT 0 payloads as G.711 mu-law,
    which is what anyone on the path would hear (noise when SRTP encrypts them)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.packets: dict[str, list[bytes]] = {"out": [], "in": []}
        self._stop = threading.Event()
        self.sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0003))
        self.sock.bind(("lo", 0))
        self._thread = threading.Thread(target=self._run, daemon=True)

    @staticmethod
    def available() -> bool:
        try:
            socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0003)).close()
            return True
        except (PermissionError, OSError):
            return False

    def __enter__(self):  # -> RtpSniffer
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(2)
        self.sock.close()

    def _run(self) -> None:
        while not self._stop.is_set():
            if not select.select([self.sock], [], [], 0.1)[0]:
                continue
            frame, addr = self.sock.recvfrom(65535)
            if addr[2] == socket.PACKET_OUTGOING:
                continue  # lo shows each packet twice: keep the received copy
            if len(frame) < 14 + 20 + 8 or frame[12:14] != b"\x08\x00":
                continue
            ip = frame[14:]
            ihl = (ip[0] & 0x0F) * 4
            if ip[9] != 17:
                continue
            sport, dport = struct.unpack("!HH", ip[ihl : ihl + 4])
            payload = ip[ihl + 8 :]
            if sport == self.port:
                self.packets["out"].append(payload)
            elif dport == self.port:
                self.packets["in"].append(payload)

    def rtp(self, direction: str) -> list[tuple[int, bytes]]:
        """(payload type, payload) of the RTP packets one way (RTCP and others left out)."""
        out = []
        for p in self.packets[direction]:
            if len(p) < 12 or p[0] >> 6 != 2 or 72 <= (p[1] & 0x7F) <= 76:
                continue
            cc, ext = p[0] & 0x0F, p[0] & 0x10
            off = 12 + 4 * cc
            if ext and len(p) >= off + 4:
                off += 4 + 4 * struct.unpack("!H", p[off + 2 : off + 4])[0]
            out.append((p[1] & 0x7F, p[off:]))
        return out

    def pcmu_audio(self, direction: str) -> np.ndarray:
        """The PCMU payloads one way decoded as 8 kHz audio (20 ms each: an SRTP tag cut off)."""
        body = [pl[:160] for pt, pl in self.rtp(direction) if pt == 0]
        if not body:
            return np.zeros(0, dtype=np.float32)
        return ULAW[np.frombuffer(b"".join(body), dtype=np.uint8)]
