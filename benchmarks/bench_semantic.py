"""Semantic-layer benchmark: prints one JSON object.

Three parts (each can be skipped):

- `load`: a fresh interpreter loads the shipped layer and the sentence encoder the way the app
  does (`coach.semantic.service.load_layer`, BLAS pinned to one thread): seconds and RSS
  before/after. "Cold" is a new process; the files are most likely in the OS page cache.
- `per_utterance`: on this process, BLAS pinned to one thread as on the app's live-coach
  thread, over the rep lines of real whole calls (tests/corpus/*.json and
  resources/coach/calibration/json/*.json): the encoder per line (`encode_one`, p50/p90/p99),
  the layer's scoring of a line already embedded (per-kind linear model, nearest-neighbour
  margin and word model, `score_vectors`), and the whole `LiveCoach.add_utterance` with the
  layer (calls fed in order, prospect lines too, as live: the prospect's line is embedded when
  it arrives), and the same without the layer for comparison.
- `live_call`: a child process runs the real window offscreen (real engine process, Vosk
  model and semantic layer loaded in the background as at start-up) and dials a second engine
  (`main.py answer --play`) on loopback. The rep's voice is a flite WAV played as the engine's
  microphone, the prospect's a flite WAV the far end plays; the script places every line at a
  known time. For each rep line the coach flags it measures, on one clock (time.monotonic):
  the end of the line's last word (found in the rep tap: the tap samples arrive in real time,
  so a sample's wall time is when the read that brought it happened minus what came after it),
  the ASR final (`LiveSession._on_final`), the coach (`LiveCoach.on_utterance`), the post to
  the bridge and the GUI thread receiving `flagRaised`. Also the app process's RSS during the
  call (sampled every 200 ms) and its peak (VmHWM).

Usage: .venv/bin/python benchmarks/bench_semantic.py [--quick] [--lines N] [--no-call]
       [--no-load] [--out FILE]
(--quick: only the per-utterance part on 20 rep lines; models from CALLCOACH_MODEL /
CALLCOACH_ENCODER, else the folders in ../shared/models, else the app's lookup order).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

SHARED_MODELS = ROOT.parent / "shared" / "models"
RATE = 16000
ONSET = 0.02  # |sample| above this (full scale 1.0) is speech, in the WAV and in the tap

# The live call: (speaker, text[, gap before]). Rep lines the coach flags, rule-flagged and
# semantic-only (lines the calibration calls flag through the layer alone), with prospect
# lines between them so each rep line ends in silence on the rep channel.
CALL_SCRIPT: list[tuple] = [
    ("prospect", "hello this is dana speaking"),
    ("rep", "hi dana as we discussed last time i will keep this short", 1.5),
    ("prospect", "i do not think we have spoken before", 1.5),
    ("rep", "our customers would tell you the exact opposite honestly", 1.5),
    ("prospect", "okay what do you do", 1.5),
    ("rep", "i can send you a white paper and a case study and our webinar", 1.5),
    ("prospect", "we use a spreadsheet today", 1.5),
    ("rep", "so what would stop you from signing today", 1.5),
    ("prospect", "i would need to ask my manager", 1.5),
    ("rep", "i just wanted to touch base and circle back with you", 1.5),
    ("prospect", "fine", 1.5),
    ("rep", "oh sure because nobody has ever heard of connecting two apps before", 1.5),
    ("prospect", "that is not what i said", 1.5),
    ("rep", "you will miss out on this price if you wait until next month", 1.5),
    ("prospect", "i see", 1.5),
    ("rep", "no that is not right our tool is much better than theirs", 1.5),
    ("prospect", "i have to go now", 1.5),
]


# ----------------------------------------------------------------------------- helpers
def rss_mb(pid: str = "self") -> float:
    pages = int(Path(f"/proc/{pid}/statm").read_text().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 1e6


def hwm_mb(pid: str = "self") -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1000.0
    return 0.0


def pct(values: list[float], ps=(50, 90, 99), nd: int = 2) -> dict[str, float]:
    if not values:
        return {}
    out = {f"p{p}": round(float(v), nd) for p, v in zip(ps, np.percentile(values, ps), strict=True)}
    out["mean"] = round(float(np.mean(values)), nd)
    out["n"] = len(values)
    return out


def model_env() -> dict[str, str]:
    """CALLCOACH_MODEL / CALLCOACH_ENCODER: from the environment, else ../shared/models."""
    env = {}
    for var, name in (
        ("CALLCOACH_MODEL", "vosk-model-small-en-us-0.15"),
        ("CALLCOACH_ENCODER", "all-MiniLM-L6-v2"),
    ):
        if os.environ.get(var):
            env[var] = os.environ[var]
        elif (SHARED_MODELS / name).is_dir():
            env[var] = str(SHARED_MODELS / name)
    return env


def load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def whole_calls() -> list[dict]:
    """The realistic whole calls: the test corpus and the calibration calls."""
    paths = sorted((ROOT / "tests" / "corpus").glob("*.json"))
    paths += sorted((ROOT / "resources" / "coach" / "calibration" / "json").glob("*.json"))
    calls = []
    for p in paths:
        try:
            data = json.loads(p.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if data.get("utterances"):
            calls.append(data)
    return calls


# ----------------------------------------------------------------------------- load
LOAD_CHILD = r"""
import json, os, sys, time
sys.path.insert(0, {root!r})
def rss():
    return int(open("/proc/self/statm").read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6
t0 = time.perf_counter()
from threadpoolctl import threadpool_limits
from coach.semantic.service import load_layer
import_s = time.perf_counter() - t0
before = rss()
t = time.perf_counter()
with threadpool_limits(1):
    loaded = load_layer(None)
load_s = time.perf_counter() - t
print(json.dumps({{"import_s": round(import_s, 3), "load_s": round(load_s, 3),
                  "rss_before_mb": round(before, 1), "rss_after_mb": round(rss(), 1),
                  "loaded": loaded.layer is not None, "message": loaded.message,
                  "examples": int(loaded.layer.vectors.shape[0]) if loaded.layer else 0}}))
"""


def measure_load(env: dict[str, str], runs: int = 3) -> dict:
    results = []
    for _ in range(runs):
        out = subprocess.run(
            [sys.executable, "-c", LOAD_CHILD.format(root=str(ROOT))],
            cwd=ROOT, env={**os.environ, **env}, capture_output=True, text=True, check=False, timeout=120,
        )  # fmt: skip
        lines = [x for x in out.stdout.splitlines() if x.startswith("{")]
        if not lines:
            return {"error": (out.stderr.strip().splitlines() or ["no output"])[-1]}
        results.append(json.loads(lines[-1]))
    last = results[-1]
    return {
        "runs": len(results),
        "load_s": [r["load_s"] for r in results],
        "load_s_median": round(float(np.median([r["load_s"] for r in results])), 3),
        "import_s_median": round(float(np.median([r["import_s"] for r in results])), 3),
        "rss_before_mb": last["rss_before_mb"],
        "rss_after_mb": last["rss_after_mb"],
        "rss_added_mb": round(last["rss_after_mb"] - last["rss_before_mb"], 1),
        "loaded": last["loaded"],
        "message": last["message"],
        "examples": last["examples"],
    }


# ----------------------------------------------------------------------------- per utterance
def per_utterance(n_lines: int, min_words: int) -> dict:
    from threadpoolctl import threadpool_limits

    from coach.engine import LiveCoach
    from coach.rules.pack import load_pack
    from coach.semantic.service import load_layer
    from coach.types import Utterance

    loaded = load_layer(None)
    layer = loaded.layer
    if layer is None:
        return {"error": loaded.message}
    encoder = layer.encoder
    pack = load_pack()
    calls = whole_calls()
    reps: dict[str, None] = {}
    for c in calls:
        for u in c["utterances"]:
            if u.get("speaker") == "rep" and len(u.get("text", "").split()) >= min_words:
                reps.setdefault(u["text"], None)
    lines = list(reps)[:n_lines] if n_lines else list(reps)

    with threadpool_limits(1, user_api="blas"):
        for line in lines[:10]:  # warm-up: first BLAS calls, page faults on the weights
            encoder.encode_one(line)
        enc_ms, vecs = [], []
        for line in lines:
            t = time.perf_counter()
            v = encoder.encode_one(line)
            enc_ms.append((time.perf_counter() - t) * 1000)
            vecs.append(np.asarray(v, dtype=np.float32))
        zero = np.zeros_like(vecs[0])
        score_ms = []
        for line, v in zip(lines, vecs, strict=True):
            t = time.perf_counter()
            layer.score_vectors(v, zero, line)
            score_ms.append((time.perf_counter() - t) * 1000)

        def feed(semantic) -> tuple[list[float], list[float], int]:
            rep_ms, prospect_ms, flags = [], [], 0
            layer._cache.clear()
            for c in calls:
                coach = LiveCoach(pack, previous_calls=c.get("previous_calls"), semantic=semantic)
                for u in c["utterances"]:
                    utt = Utterance(u["speaker"], u["start"], u["end"], u["text"])
                    t = time.perf_counter()
                    flags += len(coach.add_utterance(utt))
                    ms = (time.perf_counter() - t) * 1000
                    (rep_ms if u["speaker"] == "rep" else prospect_ms).append(ms)
                    if n_lines and len(rep_ms) >= n_lines:
                        return rep_ms, prospect_ms, flags
            return rep_ms, prospect_ms, flags

        rep_ms, prospect_ms, flags = feed(layer)
        rules_rep_ms, _, rules_flags = feed(None)

    tokens = [encoder.tokenize([x])[0].shape[1] for x in lines]
    return {
        "lines": len(lines),
        "min_words": min_words,
        "words_per_line": round(float(np.mean([len(x.split()) for x in lines])), 1),
        "tokens_per_line": round(float(np.mean(tokens)), 1),
        "encoder_ms": pct(enc_ms),
        "scoring_ms": pct(score_ms, nd=3),  # classifier + neighbours, line already embedded
        "add_utterance_ms": {
            "rep_with_layer": pct(rep_ms),
            "prospect_with_layer": pct(prospect_ms),
            "rep_rules_only": pct(rules_rep_ms),
        },
        "flags_with_layer": flags,
        "flags_rules_only": rules_flags,
        "calls": len(calls),
        "rss_mb": round(rss_mb(), 1),
    }


# ----------------------------------------------------------------------------- live call
def last_word_end(x: np.ndarray, start: float, end: float) -> float:
    """Audio time of the end of the last word between start and end (10 ms frames)."""
    a, b = int(start * RATE), int(end * RATE)
    seg = np.abs(x[a:b])
    loud = np.flatnonzero(seg > ONSET)
    return float(a + (loud[-1] if loud.size else len(seg))) / RATE


def render_script(tmp: Path) -> tuple[Path, Path, list[dict], float]:
    import soundfile as sf

    from tests.tts_call import render_call

    stereo = tmp / "call.wav"
    lines = render_call(CALL_SCRIPT, stereo, lead_in=0.5, tail=6.0)
    x, sr = sf.read(str(stereo), dtype="float32")
    assert sr == RATE
    rep_wav, prospect_wav = tmp / "rep.wav", tmp / "prospect.wav"
    sf.write(str(rep_wav), x[:, 0], RATE, subtype="PCM_16")
    sf.write(str(prospect_wav), x[:, 1], RATE, subtype="PCM_16")
    rep = x[:, 0]
    onset = float(np.flatnonzero(np.abs(rep) > ONSET)[0]) / RATE
    script = [
        {
            "text": ln.text,
            "start": round(float(ln.start), 3),
            "end": round(float(last_word_end(rep, ln.start, ln.end)), 3),
        }
        for ln in lines
        if ln.speaker == "rep"
    ]
    return rep_wav, prospect_wav, script, onset


CALL_CHILD = r"""
import json, sys
sys.path.insert(0, {root!r})
from benchmarks.bench_semantic import live_call_child
print("RESULT " + json.dumps(live_call_child({args!r})), flush=True)
"""


def measure_call(env: dict[str, str], timeout: float = 240.0) -> dict:
    """One live call in a fresh window process (env: CALLCOACH_SEMANTIC=0 for rules alone)."""
    tmp = Path(tempfile.mkdtemp(prefix="callcoach-bsem-"))
    rep_wav, prospect_wav, script, onset = render_script(tmp)
    seconds = int(script[-1]["end"] + 20)
    far = subprocess.Popen(
        [sys.executable, "main.py", "answer", "--port", "0", "--bind", "127.0.0.1",
         "--play", str(prospect_wav), "--seconds", str(seconds), "--wait", "90"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        env={**os.environ, **env, "CALLCOACH_CONFIG_DIR": str(tmp / "far-config"),
             "CALLCOACH_DATA_DIR": str(tmp / "far-data")},
    )  # fmt: skip
    try:
        line = far.stdout.readline()
        m = re.search(r"sip:\S+@127\.0\.0\.1:(\d+)", line)
        if not m:
            return {"error": f"the far end did not start: {line!r}"}
        args = {
            "uri": f"sip:prospect@127.0.0.1:{m.group(1)}",
            "rep_wav": str(rep_wav),
            "script": script,
            "onset": onset,
        }
        child_env = {
            **os.environ,
            **env,
            "CALLCOACH_CONFIG_DIR": str(tmp / "config"),
            "CALLCOACH_DATA_DIR": str(tmp / "data"),
            "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen"),
        }
        out = subprocess.run(
            [sys.executable, "-c", CALL_CHILD.format(root=str(ROOT), args=args)],
            cwd=ROOT, env=child_env, capture_output=True, text=True, check=False, timeout=timeout,
        )  # fmt: skip
        found = [x for x in out.stdout.splitlines() if x.startswith("RESULT ")]
        if not found:
            tail = (out.stderr.strip().splitlines() or ["no output"])[-5:]
            return {"error": "the window process gave no result", "stderr": tail}
        return json.loads(found[-1][len("RESULT ") :])
    finally:
        if far.poll() is None:
            far.terminate()
            try:
                far.wait(10)
            except subprocess.TimeoutExpired:
                far.kill()
                far.wait()


class _TapProbe:
    """Wraps the rep tap reader the live session opens: keeps, per read, the wall time and
    the channel's sample count after it (the session's clock: lost samples count too), and
    where the first speech sample fell. The session's first read (what was there before the
    call) is not counted, as the session does not count it."""

    def __init__(self, reader, log: dict) -> None:
        self._r, self._log = reader, log
        self._first, self._count, self._lost = True, 0, 0

    def read(self, *a, **k):
        pcm = self._r.read(*a, **k)
        now = time.monotonic()
        if self._first:
            self._first = False
            return pcm
        lost = self._r.lost
        base = self._count + max(0, lost - self._lost)
        self._lost = lost
        self._count = base + int(pcm.size)
        if pcm.size:
            self._log["reads"].append((now, self._count))
            if self._log["onset"] is None:
                x = pcm.astype(np.float32) / (32768.0 if pcm.dtype == np.int16 else 1.0)
                loud = np.flatnonzero(np.abs(x) > ONSET)
                if loud.size:
                    self._log["onset"] = base + int(loud[0])
        return pcm

    def __getattr__(self, name):
        return getattr(self._r, name)


def _live_class():
    """The class that owns the taps, the transcribers and the live coach during a call."""
    try:
        from calling.live import LivePipeline

        return LivePipeline
    except ImportError:
        from app.live_session import LiveSession

        return LiveSession


def _flag_of(event):
    """The coach.types.Flag in a bridge event (a calling.events.FlagRaised, or the Flag)."""
    return getattr(event, "flag", event)


def live_call_child(args: dict) -> dict:
    """Runs in a fresh process: the real window, one call, the timings (see the docstring)."""
    from PySide6.QtWidgets import QApplication

    qapp = QApplication.instance() or QApplication(sys.argv[:1])
    import app.bridge as bridge_mod
    import coach.engine as engine_mod
    import softphone.client as client_mod
    from app.desktop import DesktopApp
    from softphone.protocol import EngineConfig

    tap_log: dict = {"reads": [], "onset": None}
    finals: list[tuple[float, object]] = []
    coach_times: dict[int, tuple[float, float]] = {}
    posts: dict[int, float] = {}
    received: list[tuple[float, object]] = []
    used_layer: list[bool] = []

    open_tap = client_mod.EngineClient.open_tap

    def patched_open_tap(self, channel):
        reader = open_tap(self, channel)
        return _TapProbe(reader, tap_log) if channel == "rep" else reader

    client_mod.EngineClient.open_tap = patched_open_tap
    live_cls = _live_class()
    on_final = live_cls._on_final

    def patched_on_final(self, u):
        if getattr(u, "speaker", "") == "rep":
            finals.append((time.monotonic(), u))
        return on_final(self, u)

    live_cls._on_final = patched_on_final
    # the live pipeline feeds on_utterance (typed events); add_utterance wraps it for offline use
    add = engine_mod.LiveCoach.on_utterance

    def patched_add(self, u):
        if getattr(self, "semantic", None) is not None:
            used_layer.append(True)
        t0 = time.monotonic()
        try:
            return add(self, u)
        finally:
            coach_times[id(u)] = (t0, time.monotonic())

    engine_mod.LiveCoach.on_utterance = patched_add
    post = bridge_mod.Bridge.post

    def patched_post(self, event):
        if type(event).__name__ in ("Flag", "FlagRaised"):
            posts[id(_flag_of(event))] = time.monotonic()
        return post(self, event)

    bridge_mod.Bridge.post = patched_post

    cfg = EngineConfig(bind_address="127.0.0.1", audio="file", play_file=args["rep_wav"])
    app = DesktopApp(engine_config=cfg, model_path=os.environ.get("CALLCOACH_MODEL"), listen=False)
    app.bridge.flagRaised.connect(lambda e: received.append((time.monotonic(), _flag_of(e))))
    w = app.window
    rss_samples: list[float] = []

    def pump(seconds: float, until=None) -> bool:
        end = time.monotonic() + seconds
        next_rss = 0.0
        while time.monotonic() < end:
            qapp.processEvents()
            if time.monotonic() >= next_rss:
                rss_samples.append(rss_mb())
                next_rss = time.monotonic() + 0.2
            if until is not None and until():
                return True
            time.sleep(0.01)
        return until is None

    out: dict = {"load_average_before": load_average()}
    try:
        app.show()
        t0 = time.monotonic()
        s = app.services

        def layer_loaded() -> bool:
            # the BackgroundLayer: on the services, or on their coach part since the split
            loader = getattr(s, "semantic", None) or getattr(
                getattr(s, "coach", None), "semantic", None
            )
            return loader is not None and loader.wait(0) is not None

        ready = pump(90, lambda: s.engine_ready.is_set() and s.model is not None and layer_loaded())
        out["services_ready_s"] = round(time.monotonic() - t0, 2)
        out["semantic_message"] = s.coach.semantic_message
        want_layer = os.environ.get("CALLCOACH_SEMANTIC", "1") != "0"
        if not ready or (want_layer and s.semantic_layer() is None):
            out["error"] = f"not ready: {s.coach.semantic_message}"
            return out
        pump(1.0)
        rss_samples.clear()
        out["rss_idle_with_encoder_mb"] = round(rss_mb(), 1)
        w.phone.dialer.set_number(args["uri"], "Prospect")
        w.phone.dialer.dial()
        if not pump(20, lambda: w.phone.controls.state == "connected"):
            out["error"] = "the call did not connect"
            return out
        script, wav_onset = args["script"], args["onset"]
        last_end = script[-1]["end"]

        def done() -> bool:
            if tap_log["onset"] is None or not tap_log["reads"]:
                return False
            heard = tap_log["reads"][-1][1] / RATE - tap_log["onset"] / RATE + wav_onset
            return heard > last_end + 5.0

        pump(last_end + 40, done)
        rss_call = list(rss_samples)
        out["coach_used_layer"] = bool(used_layer)
        app.controller.hangup()
        pump(10, lambda: w.phone.controls.state == "disconnected")
        out["rss_during_call_mb"] = {
            "max": round(max(rss_call), 1) if rss_call else None,
            "median": round(float(np.median(rss_call)), 1) if rss_call else None,
        }
        out["vm_hwm_mb"] = round(hwm_mb(), 1)  # the process's peak since it started
        out.update(_latencies(script, wav_onset, tap_log, finals, coach_times, posts, received))
    finally:
        out["load_average_after"] = load_average()
        out["leftovers"] = app.shutdown()
    return out


def _latencies(script, wav_onset, tap_log, finals, coach_times, posts, received) -> dict:
    if tap_log["onset"] is None:
        return {"error": "no speech seen on the rep tap"}
    shift = tap_log["onset"] / RATE - wav_onset  # call time = WAV time + shift
    reads = tap_log["reads"]
    times = np.array([r[0] for r in reads])
    counts = np.array([r[1] for r in reads])

    def wall_of(call_t: float) -> tuple[float, float]:
        """(wall time the sample at call_t was produced, wall time the app read it)."""
        n = call_t * RATE
        k = int(np.searchsorted(counts, n))
        k = min(k, len(counts) - 1)
        return float(times[k] - (counts[k] - n) / RATE), float(times[k])

    first_gui: dict[tuple[float, float], tuple[float, object]] = {}
    for t, f in received:
        key = (round(f.start, 3), round(f.end, 3))
        if f.speaker == "rep" and key not in first_gui:
            first_gui[key] = (t, f)
    rows = []
    for line in script:
        start, end = line["start"] + shift, line["end"] + shift
        # the rep utterance(s) holding this line: overlapping it; the last one ends it
        utts = [(t, u) for t, u in finals if u.end > start - 0.3 and u.start < end + 0.3]
        row = {"line": line["text"], "end_call_s": round(end, 2)}
        if not utts:
            row["heard"] = None
            rows.append(row)
            continue
        row["heard"] = " ".join(x.text for _, x in utts)
        flagged = [
            first_gui[k]
            for k in sorted(first_gui)
            if any(abs(k[0] - x.start) < 1e-3 and abs(k[1] - x.end) < 1e-3 for _, x in utts)
        ]
        row["flags"] = [
            f"{f.kind}({f.source})" for _, f in flagged
        ]  # the first GUI receipt per utterance
        if flagged:
            t_gui, flag = min(flagged, key=lambda x: x[0])
            owner = next(x for _, x in utts if abs(x.end - flag.end) < 1e-3)
            t_fin_owner = next(t for t, x in utts if x is owner)
            c0, c1 = coach_times.get(id(owner), (None, None))
            t_post = posts.get(id(flag))
            t_end, t_read = wall_of(end)
            row.update(
                {
                    "kind": flag.kind,
                    "source": flag.source,
                    "end_to_gui_s": round(t_gui - t_end, 3),
                    "tap_read_s": round(t_read - t_end, 3),
                    "asr_final_s": round(t_fin_owner - t_end, 3),
                    "asr_end_minus_script_end_s": round(owner.end - end, 3),
                    "coach_queue_ms": round((c0 - t_fin_owner) * 1000, 1) if c0 else None,
                    "coach_ms": round((c1 - c0) * 1000, 1) if c0 else None,
                    "signal_ms": round((t_gui - t_post) * 1000, 1) if t_post else None,
                }
            )
        rows.append(row)
    lat = [r["end_to_gui_s"] for r in rows if "end_to_gui_s" in r]

    def stage(key: str, scale: float = 1.0) -> dict:
        vals = [r[key] * scale for r in rows if r.get(key) is not None]
        return pct(vals, ps=(50, 95), nd=3)

    return {
        "rep_lines": len(script),
        "flagged_lines": len(lat),
        "end_to_gui_s": pct(lat, ps=(50, 95), nd=3),
        "goal_p95_s": 1.5,
        "stages": {
            "tap_read_s": stage("tap_read_s"),
            "asr_final_s": stage("asr_final_s"),
            "coach_queue_ms": stage("coach_queue_ms"),
            "coach_ms": stage("coach_ms"),
            "signal_ms": stage("signal_ms"),
        },
        "lines": rows,
    }


# ----------------------------------------------------------------------------- main
def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="only the per-utterance part, 20 lines")
    ap.add_argument("--lines", type=int, default=0, help="rep lines per-utterance (0: all)")
    ap.add_argument("--min-words", type=int, default=1, help="skip shorter rep lines")
    ap.add_argument("--no-load", action="store_true")
    ap.add_argument("--no-call", action="store_true")
    ap.add_argument(
        "--no-baseline", action="store_true",
        help="skip the second call with the layer off (CALLCOACH_SEMANTIC=0), for RSS",
    )  # fmt: skip
    ap.add_argument("--out", help="also write the JSON here")
    args = ap.parse_args()
    if args.quick:
        args.lines, args.no_load, args.no_call = args.lines or 20, True, True
    env = model_env()
    os.environ.update(env)  # this process's own per-utterance part finds the encoder too
    from threadpoolctl import threadpool_info

    out: dict = {
        "benchmark": "semantic",
        "cores": os.cpu_count(),
        "load_average_start": load_average(),
        "blas": sorted({i.get("internal_api", "?") for i in threadpool_info()}),
        "encoder": env.get("CALLCOACH_ENCODER"),
    }
    if not args.no_load:
        out["load"] = measure_load(env)
    out["per_utterance"] = per_utterance(args.lines, args.min_words)
    if not args.no_call:
        out["live_call"] = measure_call(env)
        if not args.no_baseline:
            base = measure_call({**env, "CALLCOACH_SEMANTIC": "0"})
            keep = ("rss_idle_with_encoder_mb", "rss_during_call_mb", "vm_hwm_mb",
                    "coach_used_layer", "flagged_lines", "end_to_gui_s", "error")  # fmt: skip
            out["live_call_rules_only"] = {k: base[k] for k in keep if k in base}
            if "rss_idle_with_encoder_mb" in out["live_call_rules_only"]:
                out["live_call_rules_only"]["rss_idle_mb"] = out["live_call_rules_only"].pop(
                    "rss_idle_with_encoder_mb"
                )
    out["load_average_end"] = load_average()
    text = json.dumps(out, indent=1)
    print(text)
    if args.out:
        Path(args.out).write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
