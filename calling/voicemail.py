"""Voicemail drop: a rep's recorded messages, a beep detector for the far end's greeting, and
the drop itself (play the message into the call, hang up at its end, report "voicemail left").

Messages are 16 kHz mono WAVs under `<root>/<rep>/<name>.wav`, recorded from the headset
microphone and played back on the headset with sounddevice. The beep detector runs Goertzel
filters over 20 ms frames of the prospect tap; a steady tone of at least 120 ms that then
stops is the beep. Playing into the call goes through the engine's media path (not the
microphone), with the engine's `PlayFile(call_id, wav_path)` command (and its
`FilePlayed(call_id)` event if it has one); an engine without it gets a clear VoicemailError.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

log = logging.getLogger(__name__)

RATE = 16000
FRAME = 320  # 20 ms
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 _.-]{0,39}$")


class VoicemailError(ValueError):
    """A message that cannot be recorded, found or dropped; one sentence for the rep."""


# ---- the rep's messages -----------------------------------------------------------------


class MessageLibrary:
    """Recorded voicemail messages per rep under `root`."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def _dir(self, rep: str) -> Path:
        return self.root / (re.sub(r"[^A-Za-z0-9_.-]+", "_", rep.strip()) or "default")

    def path(self, rep: str, name: str) -> Path:
        """The message's WAV; VoicemailError if it was never recorded."""
        p = self._dir(rep) / f"{name}.wav"
        if not p.is_file():
            have = ", ".join(self.names(rep)) or "none yet"
            raise VoicemailError(
                f"There is no voicemail message named {name!r} for {rep or 'this rep'} "
                f"(recorded: {have}); record one with `voicemail record {name}`."
            )
        return p

    def names(self, rep: str) -> list[str]:
        d = self._dir(rep)
        return sorted(p.stem for p in d.glob("*.wav")) if d.is_dir() else []

    def save(self, rep: str, name: str, samples: np.ndarray, rate: int = RATE) -> Path:
        """Store (or replace: re-record) a message; too quiet or too short is refused."""
        import soundfile

        if not _NAME.match(name):
            raise VoicemailError(
                f"{name!r} cannot name a message: use letters, digits, spaces, - or _ (max 40)."
            )
        samples = np.asarray(samples, dtype=np.int16).reshape(-1)
        if len(samples) < rate // 2:
            raise VoicemailError("The message is shorter than half a second; record it again.")
        if np.sqrt(np.mean(samples.astype(np.float64) ** 2)) < 30:  # about -60 dBFS
            raise VoicemailError("The message is silent; check the microphone and record again.")
        d = self._dir(rep)
        d.mkdir(parents=True, exist_ok=True)
        target = d / f"{name}.wav"
        tmp = d / f".{name}.tmp.wav"
        soundfile.write(tmp, samples, rate, subtype="PCM_16")
        tmp.replace(target)  # re-recording never leaves half a message behind
        return target

    def record(self, rep: str, name: str, seconds: float, device: str | int | None = None) -> Path:
        """Record from the headset microphone for `seconds` and save it."""
        import sounddevice as sd

        if not 0.5 <= seconds <= 120:
            raise VoicemailError("A voicemail message is between half a second and two minutes.")
        try:
            data = sd.rec(
                int(seconds * RATE), samplerate=RATE, channels=1, dtype="int16", device=device
            )
            sd.wait()
        except (sd.PortAudioError, ValueError) as e:
            raise VoicemailError(f"The microphone could not be opened: {e}.") from None
        return self.save(rep, name, data[:, 0])

    def play(self, rep: str, name: str, device: str | int | None = None) -> float:
        """Play a message on the headset (blocking); returns its length in seconds."""
        import sounddevice as sd
        import soundfile

        data, rate = soundfile.read(self.path(rep, name), dtype="int16")
        try:
            sd.play(data, rate, device=device)
            sd.wait()
        except (sd.PortAudioError, ValueError) as e:
            raise VoicemailError(f"The headset could not play the message: {e}.") from None
        return len(data) / rate

    def delete(self, rep: str, name: str) -> None:
        self.path(rep, name).unlink()


# ---- the beep -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Beep:
    frequency: float
    start: float  # seconds from the first sample fed
    end: float


class BeepDetector:
    """Finds the greeting's beep in 16 kHz audio fed in any chunk sizes."""

    def __init__(
        self,
        frequencies: tuple[float, ...] = (440.0, 850.0, 1000.0, 1400.0),
        min_seconds: float = 0.12,
        purity: float = 0.6,
        floor_rms: float = 150.0,
    ) -> None:
        n = np.arange(FRAME)
        # One complex exponential per frequency: the Goertzel bin as a dot product.
        self._bins = np.exp(-2j * np.pi * np.outer(frequencies, n) / RATE)
        self._window = np.hanning(FRAME)
        self.frequencies = frequencies
        self.min_frames = max(1, round(min_seconds * RATE / FRAME))
        self.purity, self.floor = purity, floor_rms
        self._buf = np.zeros(0, dtype=np.float64)
        self._frames = 0
        self._run_freq: int | None = None
        self._run_start = 0
        self._run_len = 0
        self.beep: Beep | None = None

    def _tone(self, frame: np.ndarray) -> int | None:
        energy = float(frame @ frame)
        if energy <= 0 or np.sqrt(energy / FRAME) < self.floor:
            return None
        w = frame * self._window
        power = np.abs(self._bins @ w) ** 2
        # A pure sine of amplitude A puts (A*N/4)^2 into its Hann-windowed bin; energy=A^2 N/2.
        ratio = power * 8.0 / (FRAME * energy)
        best = int(np.argmax(ratio))
        return best if ratio[best] >= self.purity else None

    def feed(self, samples: np.ndarray) -> Beep | None:
        """Returns the beep once it has ended (then keeps returning it)."""
        if self.beep is not None:
            return self.beep
        self._buf = np.concatenate([self._buf, np.asarray(samples, dtype=np.float64)])
        while len(self._buf) >= FRAME and self.beep is None:
            frame, self._buf = self._buf[:FRAME], self._buf[FRAME:]
            tone = self._tone(frame)
            if tone is not None and tone == self._run_freq:
                self._run_len += 1
            else:
                if self._run_freq is not None and self._run_len >= self.min_frames:
                    self.beep = Beep(
                        self.frequencies[self._run_freq],
                        self._run_start * FRAME / RATE,
                        self._frames * FRAME / RATE,
                    )
                self._run_freq, self._run_start = tone, self._frames
                self._run_len = 1 if tone is not None else 0
            self._frames += 1
        return self.beep


def wait_for_beep(read: Callable[[], np.ndarray], timeout: float = 30.0) -> Beep | None:
    """Feed a tap reader (e.g. EngineClient.open_tap('prospect').read) until the beep ends."""
    det = BeepDetector()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        chunk = read()
        if len(chunk) and det.feed(chunk) is not None:
            return det.beep
        if not len(chunk):
            time.sleep(0.02)
    return None


# ---- the drop -------------------------------------------------------------------------------


def engine_can_play(client: Any) -> bool:
    from softphone import protocol

    return hasattr(protocol, "PlayFile")


def drop(
    client: Any,
    call_id: str,
    wav_path: str | Path,
    *,
    beep: bool = False,
    beep_timeout: float = 20.0,
    on_done: Callable[[str, str], None] | None = None,
) -> threading.Thread:
    """Play the message into the call (after the beep if asked), hang up when it has played,
    then on_done(call_id, "voicemail_left" or a sentence). Runs on its own named thread so the
    rep can dial the next contact meanwhile."""
    from softphone import protocol

    wav_path = Path(wav_path)
    if not wav_path.is_file():
        raise VoicemailError(f"The voicemail message {wav_path} does not exist; record it first.")
    if not engine_can_play(client):
        raise VoicemailError(
            "This phone engine cannot play a message into a call yet (it lacks the "
            "PlayFile command), so the voicemail was not dropped."
        )
    import soundfile

    seconds = soundfile.info(str(wav_path)).duration
    tap = client.open_tap("prospect") if beep else None
    played = threading.Event()

    played_event = getattr(protocol, "FilePlayed", None)

    def listener(e: Any) -> None:
        if played_event is not None and isinstance(e, played_event) and e.call_id == call_id:
            played.set()

    def run() -> None:
        outcome = "voicemail_left"
        client.add_listener(listener)
        try:
            if tap is not None and wait_for_beep(tap.read, beep_timeout) is None:
                log.info("no beep heard within %.0f s; playing anyway", beep_timeout)
            client.play_file(call_id, str(wav_path))
            # Without a FilePlayed event the file's length says when it has played (plus the
            # jitter buffer and the far end's packet time).
            played.wait(seconds + (5.0 if played_event is not None else 0.4))
            client.hangup(call_id)
        except Exception as e:  # noqa: BLE001 - reported to on_done as a sentence
            outcome = f"The voicemail could not be dropped: {e}"
        finally:
            client.remove_listener(listener)
            if tap is not None:
                tap.close()
        if on_done is not None:
            on_done(call_id, outcome)

    t = threading.Thread(target=run, name=f"voicemail-drop-{call_id}", daemon=True)
    t.start()
    return t
