"""Benchmark the real-time headset path: PortAudio callback durations (input and output),
xruns, drift and corrections, ring underruns and the buffering latency the bridge adds, with
and without two CPU-busy pure-Python consumer threads reading the taps in the same process.

Runs an AudioBridge on the PulseAudio virtual headset, driven by a software 20 ms media clock
(pjsua2's clock is not needed to load the PortAudio side), for --seconds per phase, and prints
one JSON object. Targets: callback p99 <= 1 ms, 0 xruns.

    .venv/bin/python benchmarks/bench_audio.py --seconds 60 [--phases idle,load,load-si1ms,load-apart]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import platform
import sys
import threading
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from softphone.audio.bridge import FRAME, AudioBridge
from softphone.audio.media_clock import SoftMediaClock
from softphone.audio.shm_ring import SharedRingReader, SharedRingWriter

PHASES = {
    "idle": {"consumers": 0, "switch_interval": None, "apart": False},
    # the two busy threads in the engine's own process (what the design forbids)
    "load": {"consumers": 2, "switch_interval": None, "apart": False},
    "load-si1ms": {"consumers": 2, "switch_interval": 0.001, "apart": False},
    # the same two busy consumers in processes of their own, reading the shared-memory taps:
    # the app/engine split the softphone uses
    "load-apart": {"consumers": 2, "switch_interval": None, "apart": True},
}


def _busy_consumer(reader: SharedRingReader, stop, counters) -> None:
    """Pure-Python CPU burner standing in for a coach worker: reads the tap, then loops."""
    while not stop.is_set():
        chunk = reader.read()
        acc = 0
        for v in chunk.tolist():  # per-sample Python: holds the GIL the whole time
            acc += v * v
        for i in range(20000):
            acc += i
        counters["samples"] += len(chunk)
        counters["loops"] += 1
    counters["lost"] = reader.lost


def _consumer_process(tap_name: str, stop, out) -> None:
    counters = {"samples": 0, "loops": 0, "lost": 0}
    _busy_consumer(SharedRingReader(tap_name), stop, counters)
    out.put(counters)


def run_phase(name: str, seconds: float, block_ms: int, realtime: bool) -> dict:
    cfg = PHASES[name]
    load_before = [round(x, 2) for x in os.getloadavg()]
    old_si = sys.getswitchinterval()
    if cfg["switch_interval"]:
        sys.setswitchinterval(cfg["switch_interval"])
    tag = f"{os.getpid()}-{name}"
    rep_tap = SharedRingWriter(f"cc-bench-rep-{tag}", 16000 * 10)
    far_tap = SharedRingWriter(f"cc-bench-far-{tag}", 16000 * 10)
    bridge = AudioBridge(rep_tap=rep_tap, prospect_tap=far_tap, block_ms=block_ms)
    bridge.use_headset(None, None)
    if bridge._headset is not None:
        bridge._headset.realtime = realtime
    bridge.start()
    t = np.arange(FRAME) / 16000
    far = (8000 * np.sin(2 * np.pi * 400 * t)).astype(np.int16).tobytes()  # 20 ms periodic
    mic_levels = np.zeros(int(seconds * 50) + 100, dtype=np.int32)
    ear_levels = np.zeros_like(mic_levels)

    def tick(k: int) -> None:
        if k < len(mic_levels):
            mic_levels[k] = bridge._mic.ring.available()
            ear_levels[k] = bridge._ear.ring.available()
        bridge.pull_mic_frame()
        bridge.push_far_frame(far)

    taps = (rep_tap, far_tap)[: cfg["consumers"]]
    counters: list[dict] = []
    if cfg["apart"]:
        ctx = mp.get_context("spawn")
        stop, results = ctx.Event(), ctx.Queue()
        workers = [
            ctx.Process(target=_consumer_process, args=(tap.name, stop, results), daemon=True)
            for tap in taps
        ]
    else:
        stop = threading.Event()
        counters = [{"samples": 0, "loops": 0, "lost": 0} for _ in taps]
        workers = [
            threading.Thread(
                target=_busy_consumer,
                args=(SharedRingReader(tap.name), stop, c),
                name=f"busy-consumer-{i}",
                daemon=True,
            )
            for i, (tap, c) in enumerate(zip(taps, counters, strict=True))
        ]
    for w in workers:
        w.start()
    if cfg["apart"]:
        time.sleep(1.0)  # let the spawned interpreters start before measuring
        bridge.reset_stats()
    clock = SoftMediaClock(tick)
    clock.run_for(seconds)
    latency = bridge._headset.latencies() if bridge._headset else None
    stop.set()
    if cfg["apart"]:
        counters = [results.get(timeout=10) for _ in workers]
    for w in workers:
        w.join(timeout=5)
    st = bridge.stats()
    bridge.stop()
    rep_tap.close()
    far_tap.close()
    sys.setswitchinterval(old_si)
    n = min(clock.ticks, len(mic_levels))
    settled = slice(min(100, n), n)  # after the first 2 s
    mic_lv, ear_lv = mic_levels[settled], ear_levels[settled]
    return {
        "phase": name,
        "seconds": seconds,
        "busy_consumer_threads": cfg["consumers"],
        "loadavg_before": load_before,
        "switch_interval_s": cfg["switch_interval"] or old_si,
        "input_callback": st["input_callback"],
        "output_callback": st["output_callback"],
        "xruns": st["input_callback"]["xruns"] + st["output_callback"]["xruns"],
        "stream_restarts": st["stream_restarts"],
        "realtime_threads": st["realtime_threads"],
        "loadavg_after": [round(x, 2) for x in os.getloadavg()],
        "mic": st["mic"],
        "ear": st["ear"],
        # mean ring level around a pull/push ≈ what the rings add to each direction
        "added_buffer_ms": {
            "mic": round(float(np.mean(mic_lv) - FRAME / 2) / 16, 1) if len(mic_lv) else None,
            "ear": round(float(np.mean(ear_lv) + FRAME / 2) / 16, 1) if len(ear_lv) else None,
        },
        "portaudio_latency_s": latency,
        "consumers_in": "other processes" if cfg["apart"] else "engine process",
        "media_thread": {"pull": st["pull"], "push": st["push"], "late_ticks": clock.late_ticks},
        "consumers": counters,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="length of each phase")
    parser.add_argument("--phases", default="idle,load", help=f"comma list of {list(PHASES)}")
    parser.add_argument("--block-ms", type=int, default=10, help="PortAudio block size")
    parser.add_argument("--out", help="also write the JSON to this file")
    parser.add_argument(
        "--no-realtime", action="store_true", help="leave the callback threads at normal priority"
    )
    args = parser.parse_args()
    phases = [p.strip() for p in args.phases.split(",") if p.strip()]
    unknown = [p for p in phases if p not in PHASES]
    if unknown or args.seconds <= 0:
        print(f"Unknown phase {unknown[0]!r}." if unknown else "--seconds must be positive.")
        return 2
    result = {
        "benchmark": "audio",
        "host": {"python": platform.python_version(), "cpus": os.cpu_count()},
        "targets": {"callback_p99_ms": 1.0, "xruns": 0},
        "phases": [run_phase(p, args.seconds, args.block_ms, not args.no_realtime) for p in phases],
    }
    for ph in result["phases"]:
        p99 = max(
            ph["input_callback"]["callback_ms"]["p99"], ph["output_callback"]["callback_ms"]["p99"]
        )
        ph["meets_targets"] = p99 <= 1.0 and ph["xruns"] == 0
    text = json.dumps(result, indent=2)
    print(text)
    if args.out:
        Path(args.out).write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
