"""Mouth-to-ear latency of a loopback call: Call Coach against baresip, on the same machine in one run.

Two private PulseAudio virtual headsets (tests.audio_support.PrivateHeadset): A is the caller's
(clicks are played into its mic feed: the caller speaking), B the callee's (its sink's monitor
is what the callee hears). Each combination of phones (Call Coach's engine on the headset, or
baresip with its pulse module, as configured by its shipped defaults) places a call from A to B
on loopback, and the clicks are timed where A's microphone source carries them and where B's
sink plays them: mouth-to-ear = B's ear minus A's mic. That holds both phones' audio paths,
the codec, the callee's jitter buffer and PulseAudio's sink-to-monitor path (the same for
every phone; printed alone as pulseaudio_sink_to_monitor). Printed as one JSON object.

    .venv/bin/python benchmarks/bench_latency.py [--seconds 20] [--codec G722]
        [--pairs callcoach-callcoach,baresip-baresip,callcoach-baresip,baresip-callcoach]
        [--baresip-jb 5-10]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_call import (  # the benchmark helpers beside this file
    PERIOD,
    ClickClock,
    click_track,
    latencies,
    pulse_capture,
    pulse_inject,
    pulse_loop_ms,
)

from softphone.client import EngineClient, EventLog
from softphone.protocol import CallStateChanged, EngineConfig, IncomingCall
from tests.audio_support import PrivateHeadset
from tests.thirdparty_peers import Baresip

CODEC_MODULES = {"g722": "g722", "pcmu": "g711", "pcma": "g711", "opus": "opus"}


class PulseBaresip(Baresip):
    """baresip on PulseAudio devices of its own (pulse module), with the audio and jitter
    buffer settings its shipped config has (audio_buffer 20-160 ms, jitter_buffer_delay 5-10
    frames)."""

    def __init__(
        self, workdir: Path, sink: str, source: str, codec: str, jb: str = "5-10", **kw
    ) -> None:
        super().__init__(workdir, play=Path("/dev/null"), codec=codec, **kw)
        self.sink, self.source, self.jb = sink, source, jb

    def _start(self) -> None:
        module = CODEC_MODULES[self.codec.split("/")[0].lower()]
        (self.dir / "config").write_text(
            "\n".join(
                [
                    "poll_method epoll",
                    f"sip_listen 127.0.0.1:{self.port}",
                    f"audio_player pulse,{self.sink}",
                    f"audio_source pulse,{self.source}",
                    f"audio_alert pulse,{self.sink}",
                    "audio_buffer 20-160",
                    f"jitter_buffer_delay {self.jb}",
                    "rtp_ports 30000-39998",
                    "module_path /usr/lib/baresip/modules",
                    f"module {module}.so",
                    "module pulse.so",
                    "module_tmp account.so",
                    "module_app menu.so",
                    "",
                ]
            )
        )
        params = ["answermode=auto", "regint=0", f"audio_codecs={self.codec}"]
        (self.dir / "accounts").write_text(f"<{self.uri}>;{';'.join(params)}\n")
        cmd = [shutil.which("baresip") or "baresip", "-4", "-f", str(self.dir)]
        cmd += ["-t", str(self.limit_s)]
        if self.dial:
            cmd += ["-e", f"/dial {self.dial}"]
        self._spawn(cmd, stdin=subprocess.DEVNULL, cwd=self.dir)
        self.wait_output("baresip is ready", 10)


def _engine(codec: str) -> EngineClient:
    """A Call Coach engine on the headset whose PULSE_SINK/PULSE_SOURCE are set now."""
    cfg = EngineConfig(
        audio="headset",
        bind_address="127.0.0.1",
        codecs=(codec,),
        other_codecs=False,
        srtp="disabled",
        media_timeout_s=10.0,
    )
    client = EngineClient(cfg)
    client.start()
    return client


def run_pair(
    caller: str, callee: str, seconds: float, codec: str, tmp: Path, bs_jb: str = "5-10"
) -> dict:
    """One call A -> B with the given phones; the clicks' mouth-to-ear times."""
    stop = threading.Event()
    clocks = {"mic": ClickClock(), "ear": ClickClock()}
    cleanup: list = []
    result: dict = {"caller": caller, "callee": callee}
    hs_a = PrivateHeadset()  # sets PULSE_SINK/PULSE_SOURCE for the engine started next
    try:
        a_engine = _engine(codec) if caller == "callcoach" else None
        if a_engine is not None:
            cleanup.append(a_engine.stop)
        hs_b = PrivateHeadset()
        try:
            if callee == "callcoach":
                b_engine = _engine(codec)
                cleanup.append(b_engine.stop)
                b_log = EventLog()
                b_engine.add_listener(b_log)
                b_engine.add_listener(
                    lambda e: b_engine.answer(e.call_id) if isinstance(e, IncomingCall) else None
                )
                b_uri = f"sip:b@127.0.0.1:{b_engine.info.sip_port}"
            else:
                b_bs = PulseBaresip(
                    tmp / f"{caller}-{callee}-b", hs_b.sink, hs_b.source, codec, jb=bs_jb
                )
                b_bs.limit_s = int(seconds) + 40
                b_bs.start()
                cleanup.append(b_bs.stop)
                b_uri = b_bs.uri
            if a_engine is not None:
                a_log = EventLog()
                a_engine.add_listener(a_log)
                call_id = a_engine.make_call(b_uri)
                a_log.wait_for(
                    lambda e: (
                        isinstance(e, CallStateChanged)
                        and e.call_id == call_id
                        and e.state == "connected"
                    ),
                    10,
                )
            else:
                a_bs = PulseBaresip(
                    tmp / f"{caller}-{callee}-a", hs_a.sink, hs_a.source, codec, bs_jb, dial=b_uri
                )
                a_bs.limit_s = int(seconds) + 40
                a_bs.start()
                cleanup.append(a_bs.stop)
                a_bs.wait_output("Call established", 10)
            time.sleep(3.0)  # call start-up (priming, jitter buffer settling) is not measured
            jobs = [
                (pulse_inject, (hs_a.feed, click_track(PERIOD * 5, 0.5), stop)),
                (pulse_capture, (hs_a.source, clocks["mic"], stop)),
                (pulse_capture, (f"{hs_b.sink}.monitor", clocks["ear"], stop)),
            ]
            threads = [
                threading.Thread(target=fn, args=args, name=f"bench-{fn.__name__}", daemon=True)
                for fn, args in jobs
            ]
            for t in threads:
                t.start()
            time.sleep(seconds)
            if a_engine is not None:
                bridge = a_engine.stats()["bridge"]
                result["caller_mic_ring"] = bridge["mic"]
            if callee == "callcoach":
                st = b_engine.stats()
                result["callee_ear_ring"] = st["bridge"]["ear"]
                streams = list((st.get("streams") or {}).values())
                result["callee_jitter_buffer"] = (
                    {k: v for k, v in streams[0].items() if k.startswith("jb_")}
                    if streams
                    else None
                )
            stop.set()
            for t in threads:
                t.join(timeout=3)
        finally:
            stop.set()
            for fn in reversed(cleanup):
                try:
                    fn()
                except Exception as exc:  # noqa: BLE001 - a benchmark tears down what it can
                    print(f"cleanup: {exc!r}", file=sys.stderr)
            hs_b.close()
    finally:
        hs_a.close()
    result["mouth_to_ear"] = latencies(clocks["mic"].times, clocks["ear"].times)
    result["clicks"] = {k: len(c.times) for k, c in clocks.items()}
    return result


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=20.0, help="measured per call (default 20)")
    ap.add_argument("--codec", default="G722", help="G722 (default), PCMU or opus")
    ap.add_argument(
        "--pairs",
        default="callcoach-callcoach,baresip-baresip,callcoach-baresip,baresip-callcoach",
        help="caller-callee phones, comma-separated",
    )
    ap.add_argument(
        "--baresip-jb",
        default="5-10",
        help="baresip's jitter_buffer_delay in frames (default 5-10, as its config ships)",
    )
    args = ap.parse_args()
    import tempfile

    tmp = Path(tempfile.mkdtemp(prefix="bench_latency_"))
    load_start = os.getloadavg()[0]
    hs = PrivateHeadset()
    try:
        pulse_loop = pulse_loop_ms(hs.sink, threading.Event())
    finally:
        hs.close()
    runs = []
    for pair in args.pairs.split(","):
        caller, callee = pair.strip().split("-")
        runs.append(run_pair(caller, callee, args.seconds, args.codec, tmp, args.baresip_jb))
    print(
        json.dumps(
            {
                "seconds_per_call": args.seconds,
                "codec": args.codec,
                "baresip_jitter_buffer_frames": args.baresip_jb,
                "load_average_start_end": [round(load_start, 2), round(os.getloadavg()[0], 2)],
                "cpus": os.cpu_count(),
                "pulseaudio_sink_to_monitor": pulse_loop,
                "calls": runs,
                "mouth_to_ear_median_ms": {
                    f"{r['caller']}->{r['callee']}": r["mouth_to_ear"].get("median_ms")
                    for r in runs
                },
            },
            indent=2,
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
