"""Call benchmark: a long call between two local engines through the real headset path.

The rep's engine uses a PulseAudio virtual headset through PortAudio (two null sinks and a
remap source of its own, like scripts/virtual-headset.sh but private to this run so other
programs cannot mix into it; PortAudio reaches them via PULSE_SINK/PULSE_SOURCE); the far end
is a second engine playing a click every 2 s. The benchmark injects a
click into the rep's microphone every 2 s too. Both channels are tapped and two pure-Python
busy consumer threads (standing in for Vosk, the worst case: they hold the GIL) read them in
this app process. Printed as one JSON object:

- callback p50/p99/max (ms) of the PortAudio input/output callbacks and the pjmedia port;
- xruns (PortAudio status flags) and ring under/overruns;
- drift measured and corrected (ppm, samples inserted/dropped) on both rings;
- added latency each way, measured with the clicks: mic -> call = when the rep tap saw the
  click minus when a parallel capture of the mic source saw it; call -> ear = when the
  headset sink's monitor played it minus when the prospect tap saw it (this one also holds
  PulseAudio's sink-to-monitor path, so it is an upper bound).

    python benchmarks/bench_call.py [--seconds 600] [--block-ms 10|5]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import soundfile

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


from softphone.client import EngineClient, EventLog
from softphone.protocol import CallStateChanged, EngineConfig, IncomingCall
from tests.audio_support import PrivateHeadset

RATE = 16000
PERIOD = 2.0  # seconds between clicks
THRESHOLD = 6000


def click_track(seconds: float, offset: float) -> np.ndarray:
    """Silence with a 2 ms click every PERIOD seconds, starting at offset."""
    x = np.zeros(int(seconds * RATE), dtype=np.int16)
    burst = (np.hanning(32) * 24000 * np.sign(np.sin(np.arange(32) / 3))).astype(np.int16)
    for t in np.arange(offset, seconds - 0.01, PERIOD):
        i = int(t * RATE)
        x[i : i + 32] = burst[: len(x) - i]
    return x


class ClickClock:
    """Finds clicks in a stream of (arrival time, samples) chunks; keeps their times."""

    def __init__(self) -> None:
        self.times: list[float] = []
        self._quiet_until = 0.0

    def feed(self, t_arrival: float, x: np.ndarray) -> None:
        if not len(x):
            return
        hits = np.flatnonzero(np.abs(x.astype(np.int32)) > THRESHOLD)
        if not len(hits):
            return
        t = t_arrival - (len(x) - hits[0]) / RATE
        if t >= self._quiet_until:
            self.times.append(t)
            self._quiet_until = t + PERIOD / 2


def pulse_capture(device: str, clock: ClickClock, stop: threading.Event) -> None:
    cmd = [
        "parec",
        f"--device={device}",
        "--raw",
        "--format=s16le",
        f"--rate={RATE}",
        "--channels=1",
        "--latency-msec=5",
    ]
    with subprocess.Popen(cmd, stdout=subprocess.PIPE) as proc:
        while not stop.is_set():
            data = proc.stdout.read(160)  # 5 ms
            if not data:
                break
            clock.feed(time.monotonic(), np.frombuffer(data, dtype="<i2"))
        proc.terminate()


def pulse_inject(device: str, track: np.ndarray, stop: threading.Event) -> None:
    cmd = [
        "pacat",
        "--playback",
        f"--device={device}",
        "--raw",
        "--format=s16le",
        f"--rate={RATE}",
        "--channels=1",
        "--latency-msec=10",
    ]
    with subprocess.Popen(cmd, stdin=subprocess.PIPE) as proc:
        step = RATE // 10
        while not stop.is_set():  # pacat's buffer paces the writes in real time
            for i in range(0, len(track), step):
                if stop.is_set():
                    break
                proc.stdin.write(track[i : i + step].tobytes())
        proc.stdin.close()
        proc.terminate()


def tap_timer(reader, clock: ClickClock, stop: threading.Event) -> None:
    while not stop.is_set():
        clock.feed(time.monotonic(), reader.read())
        time.sleep(0.002)


def busy_consumer(reader, stop: threading.Event, counter: list[int], duty: float) -> None:
    """Reads a tap and burns pure-Python CPU (holds the GIL) for `duty` of the time, like a
    decoder would (Vosk measured here: RTF ~0.07 per channel, and it releases the GIL)."""
    while not stop.is_set():
        x = reader.read()
        acc = 0
        for v in x[:2000].tolist():
            acc += v * v
        end = time.perf_counter() + 0.01 * duty
        while time.perf_counter() < end:
            acc += 1
        if duty < 1.0:
            time.sleep(0.01 * (1.0 - duty))
        counter[0] += 1


def pulse_loop_ms(sink: str, stop: threading.Event) -> dict:
    """PulseAudio's own path, sink -> its monitor, timed with clicks written by pacat: the
    part of call -> ear that is not ours (plus pacat's buffer)."""
    clock = ClickClock()
    cap = threading.Thread(target=pulse_capture, args=(f"{sink}.monitor", clock, stop))
    cap.start()
    time.sleep(0.5)
    cmd = [
        "pacat",
        "--playback",
        f"--device={sink}",
        "--raw",
        "--format=s16le",
        f"--rate={RATE}",
        "--channels=1",
        "--latency-msec=10",
    ]
    sent = []
    track = click_track(PERIOD, 0.0)
    with subprocess.Popen(cmd, stdin=subprocess.PIPE) as proc:
        for _ in range(4):
            sent.append(time.monotonic())
            proc.stdin.write(track.tobytes())
            proc.stdin.flush()
        proc.stdin.close()
    time.sleep(0.5)
    stop.set()
    cap.join(5)
    return latencies(sent, clock.times)


def latencies(sent: list[float], got: list[float]) -> dict:
    """Match each click in `got` to the latest earlier one in `sent` (within a period)."""
    d = []
    for g in got:
        before = [s for s in sent if 0 <= g - s < PERIOD / 2]
        if before:
            d.append((g - max(before)) * 1000)
    if not d:
        return {"n": 0}
    return {
        "n": len(d),
        "median_ms": round(statistics.median(d), 1),
        "p95_ms": round(float(np.percentile(d, 95)), 1),
        "max_ms": round(max(d), 1),
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=600.0, help="call length (default 600)")
    ap.add_argument("--codec", default="G722/16000")
    ap.add_argument("--busy-threads", type=int, default=2)
    ap.add_argument(
        "--busy-duty", type=float, default=1.0, help="fraction of time each one spins (0-1)"
    )
    ap.add_argument(
        "--block-ms",
        type=int,
        default=10,
        choices=(10, 5),
        help="the rep's headset buffer (EngineConfig.audio_block_ms; default 10)",
    )
    args = ap.parse_args()
    hs = PrivateHeadset()  # starts PulseAudio (scripts/virtual-headset.sh) if it is not running
    try:
        return run(args, hs)
    finally:
        hs.close()


def run(args: argparse.Namespace, hs: PrivateHeadset) -> int:
    load_start = os.getloadavg()[0]  # other programs' load shows in every number below
    pulse_loop = pulse_loop_ms(hs.sink, threading.Event())
    tmp = Path(tempfile.mkdtemp(prefix="bench_call_"))
    far_wav = tmp / "far_clicks.wav"
    soundfile.write(far_wav, click_track(20.0, 0.5), RATE, subtype="PCM_16")
    common = {
        "bind_address": "127.0.0.1",
        "codecs": (args.codec,),
        "srtp": "disabled",
        "media_timeout_s": 10.0,
    }
    far = EngineClient(EngineConfig(audio="file", play_file=str(far_wav), loop_play=True, **common))
    rep = EngineClient(EngineConfig(audio="headset", audio_block_ms=args.block_ms, **common))
    far_log, rep_log = EventLog(), EventLog()
    far.add_listener(far_log)
    rep.add_listener(rep_log)
    far.add_listener(lambda e: far.answer(e.call_id) if isinstance(e, IncomingCall) else None)
    stop = threading.Event()
    threads: list[threading.Thread] = []
    clocks = {k: ClickClock() for k in ("mic", "rep_tap", "prospect_tap", "ear")}
    busy = [0]
    try:
        far.start()
        rep.start()
        call_id = rep.make_call(f"sip:far@127.0.0.1:{far.info.sip_port}")
        rep_log.wait_for(
            lambda e: (
                isinstance(e, CallStateChanged) and e.call_id == call_id and e.state == "connected"
            ),
            10,
        )
        jobs = [
            ("bench-inject", pulse_inject, (hs.feed, click_track(PERIOD * 5, 1.5), stop)),
            ("bench-mic", pulse_capture, (hs.source, clocks["mic"], stop)),
            ("bench-ear", pulse_capture, (f"{hs.sink}.monitor", clocks["ear"], stop)),
            ("bench-rep-tap", tap_timer, (rep.open_tap("rep"), clocks["rep_tap"], stop)),
            ("bench-far-tap", tap_timer, (rep.open_tap("prospect"), clocks["prospect_tap"], stop)),
        ]
        for i in range(args.busy_threads):
            channel = ("rep", "prospect")[i % 2]
            jobs.append(
                (
                    f"bench-busy-{channel}",
                    busy_consumer,
                    (rep.open_tap(channel), stop, busy, args.busy_duty),
                )
            )
        time.sleep(3.0)  # call start-up (priming, first resyncs) is not what we measure
        rep.reset_stats()
        far.reset_stats()
        for name, fn, fargs in jobs:
            t = threading.Thread(target=fn, args=fargs, name=name, daemon=True)
            t.start()
            threads.append(t)
        t_end = time.monotonic() + args.seconds
        while time.monotonic() < t_end:
            if any(
                isinstance(e, CallStateChanged) and e.state == "disconnected"
                for e in rep_log.events
            ):
                break
            time.sleep(0.5)
        stats = rep.stats()
        far_stats = far.stats()
        connected = not any(
            isinstance(e, CallStateChanged) and e.state == "disconnected" for e in rep_log.events
        )
        rep.hangup(call_id)
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=3)
        rep.stop()
        far.stop()
    b = stats["bridge"]
    inp, out = b["input_callback"] or {}, b["output_callback"] or {}
    xruns = (inp.get("xruns", 0) or 0) + (out.get("xruns", 0) or 0)
    mic_lat = latencies(clocks["mic"].times, clocks["rep_tap"].times)
    ear_lat = latencies(clocks["prospect_tap"].times, clocks["ear"].times)
    p99s = [v["callback_ms"]["p99"] for v in (inp, out) if v.get("callback_ms")]
    result = {
        "seconds": args.seconds,
        "load_average_start_end": [round(load_start, 2), round(os.getloadavg()[0], 2)],
        "cpus": os.cpu_count(),
        "codec": args.codec,
        "block_ms": stats["bridge"]["block_ms"],
        "call_survived": connected,
        "stats_reset_after_s": 3.0,
        "busy_threads": args.busy_threads,
        "busy_iterations": busy[0],
        "callback_ms": {
            "portaudio_input": inp,
            "portaudio_output": out,
            "bridge_pull": b["pull"],
            "bridge_push": b["push"],
            "pjmedia_port": stats["port"],
        },
        "xruns": xruns,
        "rings": {"mic": b["mic"], "ear": b["ear"]},
        "stream_restarts": b["stream_restarts"],
        "far_end_port": far_stats["port"],
        "added_latency": {
            "mic_to_call": mic_lat,
            "call_to_ear_upper_bound": ear_lat,
            "pulseaudio_sink_to_monitor": pulse_loop,
            "call_to_ear_minus_pulseaudio_ms": round(
                ear_lat.get("median_ms", 0) - pulse_loop.get("median_ms", 0), 1
            ),
        },
        "busy_duty": args.busy_duty,
        "clicks": {k: len(c.times) for k, c in clocks.items()},
        "targets": {
            "callback_p99_le_1ms": bool(p99s) and bool(max(p99s) <= 1.0),
            "zero_xruns": xruns == 0,
            "added_latency_le_40ms": bool(
                mic_lat.get("median_ms", 1e9) <= 40
                and ear_lat.get("median_ms", 1e9) - pulse_loop.get("median_ms", 0) <= 40
            ),
        },
    }
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
