"""The engine's audio side: the AudioBridge, the two shared-memory taps, the BridgePort and
per-call recordings. Created and torn down on the SIP thread (the port is a pjsua2 object).
"""

from __future__ import annotations

import logging
import os
import threading
import uuid
from collections.abc import Callable

import pjsua2 as pj

from softphone.engine.media_port import BridgePort
from softphone.protocol import (
    AudioStatsUpdated,
    EngineConfig,
    Event,
    HeadsetChanged,
    RecordingFailed,
)

RATE = 16000


class EngineMedia:
    """One bridge and one port for the engine's lifetime; calls connect to the port."""

    def __init__(
        self,
        config: EngineConfig,
        log: logging.Logger,
        emit: Callable[[Event], None] | None = None,
    ) -> None:
        self.config = config
        self.log = log
        self.emit = emit  # events from the audio side (a queue put: any thread may call it)
        self.bridge = None
        self.port: BridgePort | None = None
        self.taps: dict = {}
        self.tap_names: dict[str, str] = {}
        self.recorders: dict[str, object] = {}

    def start(self) -> None:
        from softphone.audio.bridge import AudioBridge
        from softphone.audio.shm_ring import SharedRingWriter

        prefix = f"cc{os.getpid()}_{uuid.uuid4().hex[:6]}"
        capacity = int(RATE * self.config.tap_seconds)
        for channel in ("rep", "prospect"):
            self.taps[channel] = SharedRingWriter(f"{prefix}_{channel}", capacity)
            self.tap_names[channel] = f"{prefix}_{channel}"
        cfg = self.config
        bridge = AudioBridge(
            rep_tap=self.taps["rep"],
            prospect_tap=self.taps["prospect"],
            block_ms=cfg.audio_block_ms,
        )
        if cfg.audio == "headset":
            bridge.use_headset(cfg.input_device, cfg.output_device)
        elif cfg.audio == "file" and cfg.play_file:
            bridge.use_file(cfg.play_file, loop=cfg.loop_play)
        else:
            bridge.use_silence("No headset in use: the call sends silence.")
        if self.emit is not None:
            emit = self.emit  # on the bridge's housekeeper thread: a headset unplugged/back
            bridge.on_headset = lambda state, sentence: emit(HeadsetChanged(state, sentence))
        bridge.start()
        self.bridge = bridge
        self.port = BridgePort(bridge)
        self.port.create("callcoach")

    def connect(self, media: pj.AudioMedia) -> None:
        if self.port is None:
            return
        media.startTransmit(self.port)
        self.port.startTransmit(media)

    def set_muted(self, muted: bool) -> None:
        if self.bridge is not None:
            self.bridge.set_muted(muted)

    def record(
        self, call_id: str, path: str, emit: Callable[[Event], None] | None = None
    ) -> None:
        from softphone.audio.recorder import StereoRecorder

        def failed(sentence: str) -> None:  # on the housekeeper thread; emit is a queue put
            self.log.warning("%s", sentence)
            if emit is not None:
                emit(RecordingFailed(call_id, path, sentence))

        rec = StereoRecorder(path, on_error=failed)
        self.recorders[call_id] = rec
        if self.bridge is not None:
            self.bridge.recorder = rec

    def call_ended(self, call_id: str) -> None:
        rec = self.recorders.pop(call_id, None)
        if rec is None:
            return

        # The bridge's housekeeper writes the recording every ~200 ms: give it one more turn.
        def finish() -> None:
            if self.bridge is not None and self.bridge.recorder is rec:
                self.bridge.recorder = None
            rec.close()

        t = threading.Timer(0.4, finish)
        t.name = "recording-close"
        t.daemon = True
        t.start()

    def reset_stats(self) -> None:
        if self.port is not None:
            self.port.reset_stats()
        if self.bridge is not None and hasattr(self.bridge, "reset_stats"):
            self.bridge.reset_stats()

    def stats(self) -> dict:
        return {
            "port": self.port.timing_stats() if self.port is not None else None,
            "bridge": self.bridge.stats() if self.bridge is not None else None,
        }

    def emit_stats(self, emit: Callable[[Event], None]) -> None:
        emit(AudioStatsUpdated(self.stats()))

    def stop(self) -> None:
        """Stop the headset streams and the housekeeper (before the port goes)."""
        if self.bridge is not None:
            try:
                self.bridge.stop()
            except Exception:
                self.log.exception("audio bridge stop failed")

    def drop_port(self) -> None:
        """Destroy the pjsua2 port (SIP thread, before libDestroy)."""
        self.port = None

    def close(self) -> None:
        for rec in self.recorders.values():
            rec.close()
        self.recorders.clear()
        if self.bridge is not None:
            self.bridge.recorder = None
        for tap in self.taps.values():
            tap.close()
        self.taps.clear()
