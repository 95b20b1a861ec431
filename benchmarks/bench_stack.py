"""SIP stack benchmark (issue 13): the old PyPI wheel against the stack scripts/build_pjsua2.sh
builds, on this machine, in one run.

For each stack, in a worker process running that stack's Python (the built stack: this
venv; the PyPI wheel pjsua2-python 2.15.1.post1: a venv of its own in the user cache folder,
created on first use, never .venv), two engines on loopback (the app's engine process,
audio from files, no headset) measure:

- start_ms: EngineClient.start() until EngineStarted (process spawn, import, libInit,
  transports), median of --starts runs; lib_init_ms: pjsua2 libCreate + libInit alone;
- rss_mb idle / in a call: VmRSS of one engine process;
- per codec (Opus, G.722, PCMU; the PyPI wheel has no Opus: reported as unavailable):
  cpu_pct_per_call = CPU time of both engine processes during the call / call time (one call =
  both ends: encode, decode, jitter buffers, the app's media port, the taps); the rep plays
  a click every second, the far end a speech loop (flite);
  mouth_to_ear_ms = when the far end's prospect tap saw the rep's click minus when the rep's
  own tap saw it (media port -> encoder -> RTP -> jitter buffer -> decoder -> media port;
  no sound card in the path), median and p90 over the clicks of --calls calls (each call's
  two engines run on independent 20 ms clocks, so one call's figure moves by up to a frame).

    .venv/bin/python benchmarks/bench_stack.py [--seconds 8] [--calls 3] [--starts 3] [--pypi-venv DIR]

Prints one JSON object: {"machine", "date", "stacks": {"built": {...}, "pypi": {...}}}.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYPI_PIN = "pjsua2-python==2.15.1.post1"
# what the engine process imports besides pjsua2 (versions as in pyproject.toml)
ENGINE_DEPS = ("numpy==2.4.6", "soxr==1.1.0", "soundfile==0.14.0", "sounddevice==0.5.6")
CODECS = ("opus/48000", "G722/16000", "PCMU/8000")
RATE = 16000
PERIOD = 1.0  # seconds between clicks
THRESHOLD = 6000


def pypi_venv(venv: Path | None = None) -> Path:
    """The PyPI wheel's venv (created once, by default in the user cache folder)."""
    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
    venv = venv or cache / "callcoach" / "bench" / "pjsua2-pypi-venv"
    py = venv / "bin" / "python"
    if not py.exists():
        print(f"bench_stack: creating {venv} ({PYPI_PIN})", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(py), "-m", "pip", "install", "-q", PYPI_PIN, *ENGINE_DEPS], check=True)
    return venv


# ---- worker: runs inside one stack's Python ------------------------------------------------


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


class _ClickTimes:
    """Polls a tap ring and keeps the (monotonic) time of each click's first sample."""

    def __init__(self, reader) -> None:
        self.reader, self.times = reader, []
        self._quiet_until = 0.0

    def run(self, stop: threading.Event) -> None:
        import numpy as np

        while not stop.is_set():
            x = self.reader.read()
            now = time.monotonic()
            if len(x):
                hits = np.flatnonzero(np.abs(x.astype(np.int32)) > THRESHOLD)
                if len(hits):
                    t = now - (len(x) - hits[0]) / RATE
                    if t >= self._quiet_until:
                        self.times.append(t)
                        self._quiet_until = t + PERIOD / 2
            time.sleep(0.002)


def _voices(tmp: Path) -> tuple[str, str]:
    import numpy as np
    import soundfile

    clicks = np.zeros(int(30 * RATE), dtype=np.int16)
    burst = (np.hanning(32) * 24000 * np.sign(np.sin(np.arange(32) / 3))).astype(np.int16)
    for i in range(int(0.5 * RATE), len(clicks) - 32, int(PERIOD * RATE)):
        clicks[i : i + 32] = burst
    soundfile.write(tmp / "clicks.wav", clicks, RATE)
    text = "We are still deciding. The budget is tight and the timeline moved to spring."
    subprocess.run(
        ["flite", "-voice", "kal16", "-t", text, "-o", str(tmp / "speech.wav")], check=True
    )
    return str(tmp / "clicks.wav"), str(tmp / "speech.wav")


def _config(**kw):
    from softphone.protocol import EngineConfig

    base = {"bind_address": "127.0.0.1", "media_timeout_s": 10.0, "srtp": "disabled"}
    base.update(kw)
    return EngineConfig(**base)


def _call(codec: str, seconds: float, clicks: str, speech: str) -> dict:
    from softphone.client import EngineClient, EventLog
    from softphone.protocol import CallMediaChanged, CallStateChanged, IncomingCall

    def connected(cid):
        return lambda e: (
            isinstance(e, CallStateChanged) and e.call_id == cid and e.state == "connected"
        )

    common = {"codecs": (codec,), "other_codecs": False, "audio": "file", "loop_play": True}
    far = EngineClient(_config(play_file=speech, **common))
    rep = EngineClient(_config(play_file=clicks, **common))
    flog, rlog = EventLog(), EventLog()
    far.add_listener(flog)
    rep.add_listener(rlog)
    far.start()
    rep.start()
    try:
        call_id = rep.make_call(f"sip:far@127.0.0.1:{far.info.sip_port}")
        inc = flog.wait_for(lambda e: isinstance(e, IncomingCall), 10)
        far.answer(inc.call_id)
        rlog.wait_for(connected(call_id), 10)
        media = rlog.wait_for(lambda e: isinstance(e, CallMediaChanged), 5)
        time.sleep(1.0)  # past the jitter buffer's start
        sent, heard = _ClickTimes(rep.open_tap("rep")), _ClickTimes(far.open_tap("prospect"))
        stop = threading.Event()
        threads = [threading.Thread(target=c.run, args=(stop,), daemon=True) for c in (sent, heard)]
        for t in threads:
            t.start()
        pids = (rep.pid, far.pid)
        cpu0, t0 = sum(_cpu_seconds(p) for p in pids), time.monotonic()
        time.sleep(seconds)
        cpu = sum(_cpu_seconds(p) for p in pids) - cpu0
        wall = time.monotonic() - t0
        rss = _rss_mb(rep.pid)
        stop.set()
        for t in threads:
            t.join(1)
        lat = []
        for ts in sent.times:
            after = [h - ts for h in heard.times if 0 <= h - ts < 0.5]
            if after:
                lat.append(min(after) * 1000)
        rep.hangup(call_id)
        return {
            "codec": media.codec,
            "cpu_pct": 100 * cpu / wall,
            "rss_mb": rss,
            "latency_ms": lat,
            "clicks_sent": len(sent.times),
        }
    finally:
        rep.stop()
        far.stop()


def _lib_init_ms(repeat: int) -> list[float]:
    """Endpoint libCreate + libInit as the engine configures it, in this process (the built
    stack's DTLS-SRTP makes an RSA-2048 key there)."""
    import pjsua2 as pj

    from softphone.engine.endpoint import endpoint_config

    out = []
    for _ in range(repeat):
        ep = pj.Endpoint()
        t0 = time.monotonic()
        ep.libCreate()
        ep.libInit(endpoint_config(_config(log_level=0)))
        out.append(round((time.monotonic() - t0) * 1000))
        ep.libDestroy()
        del ep
    return out


def worker(seconds: float, starts: int, calls: int) -> dict:
    sys.path.insert(0, str(ROOT))
    from softphone.client import EngineClient

    out: dict = {}
    times, rss = [], []
    for _ in range(starts):
        client = EngineClient(_config())
        t0 = time.monotonic()
        client.start()
        times.append((time.monotonic() - t0) * 1000)
        time.sleep(0.5)
        rss.append(_rss_mb(client.pid))
        out["stack"] = client.info.stack
        client.stop()
    out["start_ms"] = {"median": round(statistics.median(times)), "all": [round(t) for t in times]}
    init = _lib_init_ms(starts)
    out["lib_init_ms"] = {"median": round(statistics.median(init)), "all": init}
    out["rss_mb_idle"] = round(statistics.median(rss), 1)
    codecs = [c.lower() for c in out["stack"]["codecs"]]
    out["calls"] = {}
    with tempfile.TemporaryDirectory(prefix="bench-stack-") as tmp:
        clicks, speech = _voices(Path(tmp))
        for codec in CODECS:
            name = codec.split("/")[0]
            if not any(c.startswith(codec.lower()) for c in codecs):
                out["calls"][name] = "not in this stack"
                continue
            runs = [_call(codec, seconds, clicks, speech) for _ in range(calls)]
            lat = sorted(x for r in runs for x in r["latency_ms"])
            out["calls"][name] = {
                "codec": runs[0]["codec"],
                "cpu_pct_per_call": round(statistics.median(r["cpu_pct"] for r in runs), 2),
                "cpu_pct_all": [round(r["cpu_pct"], 2) for r in runs],
                "rss_mb_in_call": round(statistics.median(r["rss_mb"] for r in runs), 1),
                "mouth_to_ear_ms": {
                    "median": round(statistics.median(lat), 1) if lat else None,
                    "p90": round(lat[int(0.9 * (len(lat) - 1))], 1) if lat else None,
                    "per_call_medians": [
                        round(statistics.median(r["latency_ms"]), 1) if r["latency_ms"] else None
                        for r in runs
                    ],
                    "clicks": f"{len(lat)}/{sum(r['clicks_sent'] for r in runs)}",
                },
            }
    return out


# ---- orchestrator ------------------------------------------------------------------------------


def _run_worker(python: str, args: argparse.Namespace) -> dict:
    cmd = [python, str(Path(__file__).resolve()), "--worker"]
    cmd += ["--seconds", str(args.seconds), "--starts", str(args.starts)]
    cmd += ["--calls", str(args.calls)]
    out = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=600, check=False)
    if out.returncode != 0:
        return {"error": out.stderr.strip().splitlines()[-1:] or ["failed"]}
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--seconds", type=float, default=8.0, help="measured time of each call")
    ap.add_argument("--calls", type=int, default=3, help="calls per codec and stack")
    ap.add_argument("--starts", type=int, default=3, help="engine starts timed per stack")
    ap.add_argument("--pypi-venv", type=Path, help="the PyPI wheel's venv (made if missing)")
    ap.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        print(json.dumps(worker(args.seconds, args.starts, args.calls)))
        return
    cpu = next(
        (
            ln.split(":", 1)[1].strip()
            for ln in Path("/proc/cpuinfo").read_text().splitlines()
            if ln.startswith("model name")
        ),
        platform.processor(),
    )
    result = {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "machine": f"{platform.platform()}, {os.cpu_count()} cores, {cpu}, load {os.getloadavg()[0]:.1f}",
        "seconds_per_call": args.seconds,
        "calls_per_codec": args.calls,
        "stacks": {
            "built": _run_worker(sys.executable, args),
            "pypi": _run_worker(str(pypi_venv(args.pypi_venv) / "bin" / "python"), args),
        },
    }
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
