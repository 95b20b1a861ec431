"""Long-call speech-to-text memory and CPU benchmark: prints one JSON object.

Builds a long two-channel call (left = rep, right = prospect) from the corpus calls
(tests/corpus/*.json, each rendered with the flite voices of tests/tts_call.py and placed one
after another, no call repeated until all were used) and decodes it with the app's
`ChannelTranscriber`: one recognizer per channel on its own worker thread, fed in 50 ms reads
as the live taps deliver them, as fast as the decoders go (not in real time; the feeder waits
while a channel is more than 1 s behind, so queued audio does not count as memory). A
channel's recognizer is renewed after `--renew-seconds` of its audio (`never`: kept), then
glibc is asked to give the freed pages back (`--no-trim`: not).

Reported, every minute of call audio: the process's VmRSS over what it held with the model and
both recognizers loaded, the recognizers' CPU seconds per second of channel audio in that minute
(the worker threads' CPU time inside Vosk, not wall time, so a loaded machine does not skew it),
renewals so far (`rss_mb` is absolute and includes the call's audio, read whole: 115 MB for 30
minutes; the growth figures do not). At the end: VmHWM, growth at 75 s (the bench_semantic call's length), total
decode CPU per channel-second, WER per channel against the script (errors counted per corpus
call, by utterance start).

`--compare 30,60,120,300,never` runs one child process per interval on the same audio, one after
another, and adds a summary: each interval's growth, CPU, WER, and a least-squares fit of total
CPU against the number of renewals (the CPU each renewal costs, if it is a warm-up cost).

Usage: .venv/bin/python benchmarks/bench_asr_memory.py [--minutes 10] [--renew-seconds S|never]
       [--compare S,S,...] [--model PATH] [--cache DIR] [--out FILE]
(the rendered call is kept in --cache, default ~/.cache/callcoach/bench/asr_memory; the model
from --model, CALLCOACH_MODEL, settings or the installed models, as in the app).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import soundfile as sf

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from coach import transcribe
from coach.asr_model import MODEL_RATE
from coach.transcribe import RENEW_AFTER_SECONDS, ChannelTranscriber, load_model
from models.lookup import resolve_model_path
from tests.tts_call import render_call, word_errors

READ_S = 0.05  # the taps' read size
MAX_BACKLOG_S = 1.0
SAMPLE_EVERY_S = [60.0]  # --sample-seconds
CORPUS = ROOT / "tests" / "corpus"


def _status_mb() -> dict[str, float]:
    out = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            out[key] = int(value.split()[0]) / 1024
    return out


def _cache_dir(arg: str | None) -> Path:
    if arg:
        return Path(arg)
    base = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
    return base / "callcoach" / "bench" / "asr_memory"


def build_long_call(minutes: float, cache: Path) -> tuple[Path, list[dict]]:
    """Render corpus calls one after another until `minutes` of call audio; cached by content."""
    calls = sorted(CORPUS.glob("*.json"))
    digest = hashlib.sha256(b"".join(p.read_bytes() for p in calls)).hexdigest()[:12]
    wav = cache / f"call_{minutes:g}min_{digest}.wav"
    meta = wav.with_suffix(".json")
    if wav.exists() and meta.exists():
        return wav, json.loads(meta.read_text())
    cache.mkdir(parents=True, exist_ok=True)
    parts, segments, t, n = [], [], 0.0, 0
    while t < minutes * 60:
        path = calls[n % len(calls)]
        n += 1
        script = [(u["speaker"], u["text"]) for u in json.loads(path.read_text())["utterances"]]
        part = cache / "part.wav"
        lines = render_call(script, part)
        audio, _ = sf.read(str(part), dtype="int16")
        end = t + len(audio) / MODEL_RATE
        lines = [[x.speaker, x.text, round(t + x.start, 3), round(t + x.end, 3)] for x in lines]
        segments.append({"call": path.stem, "start": t, "end": end, "lines": lines})
        parts.append(audio)
        t += len(audio) / MODEL_RATE
    part.unlink()
    whole = np.concatenate(parts)[: int(minutes * 60 * MODEL_RATE)]
    sf.write(str(wav), whole, MODEL_RATE, subtype="PCM_16")
    meta.write_text(json.dumps(segments))
    return wav, segments


def _wer(segments: list[dict], utts: list, end_s: float) -> dict:
    """Errors per corpus call (utterances by start time), summed; the lines the end of the long
    call cuts off are left out."""
    out: dict = {}
    for spk in ("rep", "prospect"):
        errors = words = 0
        for seg in segments:
            if seg["start"] >= end_s:
                break
            ref = " ".join(text for s, text, _, end in seg["lines"] if s == spk and end <= end_s)
            hyp = " ".join(
                u.text for u in utts if u.speaker == spk and seg["start"] <= u.start < seg["end"]
            )
            e, n = word_errors(ref, hyp)
            errors, words = errors + e, words + n
        out[spk] = {"errors": errors, "words": words, "wer": round(errors / max(words, 1), 4)}
    e = sum(v["errors"] for v in out.values())
    n = sum(v["words"] for v in out.values())
    out["all"] = {"errors": e, "words": n, "wer": round(e / max(n, 1), 4)}
    return out


def run_one(wav: Path, segments: list[dict], model_path: Path, renew: float | None) -> dict:
    start_mb = _status_mb()["VmRSS"]
    model = load_model(model_path)
    model_mb = _status_mb()["VmRSS"]
    data, rate = sf.read(str(wav), dtype="int16")
    assert rate == MODEL_RATE
    workers = [
        ChannelTranscriber(
            model,
            spk,
            rate,
            report_backlog=False,
            renew_after_seconds=float("inf") if renew is None else renew,
        )
        for spk in ("rep", "prospect")
    ]
    base_mb = _status_mb()["VmRSS"]
    step = int(READ_S * rate)
    timeline: list[dict] = []
    next_sample, last_cpu, at_75s = SAMPLE_EVERY_S[0], 0.0, None
    p0 = time.process_time()

    def decoded() -> float:
        return min(tr.stats()["decoded_seconds"] for tr in workers)

    def cpu() -> float:
        return sum(tr.decode_cpu_seconds for tr in workers)

    def sample(t: float) -> None:
        nonlocal last_cpu
        mem, c = _status_mb(), cpu()
        span = t - (timeline[-1]["audio_s"] if timeline else 0.0)
        timeline.append(
            {
                "audio_s": round(t, 1),
                "rss_growth_mb": round(mem["VmRSS"] - base_mb, 1),
                "hwm_growth_mb": round(mem["VmHWM"] - base_mb, 1),
                "cpu_per_audio_s": round((c - last_cpu) / (2 * span), 4) if span else None,
                "renewals": sum(tr.renewals for tr in workers),
            }
        )
        last_cpu = c

    for i in range(0, len(data), step):
        while max(tr.backlog_seconds for tr in workers) > MAX_BACKLOG_S:
            if any(tr.error for tr in workers):
                raise SystemExit(f"decoding failed: {[tr.error for tr in workers]}")
            time.sleep(0.005)
        for ch, tr in enumerate(workers):
            tr.feed(data[i : i + step, ch])
        done = decoded()
        if at_75s is None and done >= 75.0:
            at_75s = round(_status_mb()["VmHWM"] - base_mb, 1)
        if done >= next_sample:
            sample(done)
            next_sample += SAMPLE_EVERY_S[0]
    while max(tr.backlog_seconds for tr in workers) > 0 and not any(tr.error for tr in workers):
        time.sleep(0.01)
    audio_s = len(data) / rate
    if not timeline or timeline[-1]["audio_s"] < audio_s - 1:
        sample(audio_s)
    utts = sorted((u for tr in workers for u in tr.close()), key=lambda u: u.start)
    process_cpu = time.process_time() - p0
    end = _status_mb()
    stats = {tr.speaker: tr.stats() for tr in workers}
    decode_cpu = sum(s["decode_cpu_seconds"] for s in stats.values())
    return {
        "renew_seconds": renew,
        "audio_seconds_per_channel": round(audio_s, 1),
        "corpus_calls": len({s["call"] for s in segments if s["start"] < audio_s}),
        "rss_mb": {
            "start": round(start_mb, 1),
            "model_loaded": round(model_mb, 1),
            "recognizers_ready": round(base_mb, 1),
            "end": round(end["VmRSS"], 1),
            "hwm": round(end["VmHWM"], 1),
        },
        "growth_mb": {
            "at_75s_hwm": at_75s,
            "end_rss": round(end["VmRSS"] - base_mb, 1),
            "hwm": round(end["VmHWM"] - base_mb, 1),
        },
        "renewals": {s: st["renewals"] for s, st in stats.items()},
        "decode_cpu_seconds": round(decode_cpu, 2),
        "cpu_per_channel_audio_s": round(decode_cpu / (2 * audio_s), 4),
        "process_cpu_seconds": round(process_cpu, 2),
        "wer": _wer(segments, utts, audio_s),
        "timeline": timeline,
    }


def _parse_renew(value: str) -> float | None:
    if value.strip().lower() in ("never", "none", "inf"):
        return None
    seconds = float(value)
    if seconds <= 0:
        raise argparse.ArgumentTypeError(f"{value!r} is not a positive number of seconds")
    return seconds


def compare(args: argparse.Namespace, wav: Path, values: list[float | None]) -> dict:
    runs = []
    for renew in values:
        cmd = [
            sys.executable,
            __file__,
            "--minutes",
            str(args.minutes),
            "--cache",
            str(args.cache),
            "--model",
            str(args.model),
            "--sample-seconds",
            str(args.sample_seconds),
            *(["--no-trim"] if args.no_trim else []),
            "--renew-seconds",
            "never" if renew is None else str(renew),
        ]
        r = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if r.returncode:
            raise SystemExit(f"the run with --renew-seconds {renew} failed: {r.stderr[-1500:]}")
        runs.append(json.loads(r.stdout))
        print(f"renew {renew}: done", file=sys.stderr, flush=True)
    n = np.array([sum(r["renewals"].values()) for r in runs], dtype=float)
    c = np.array([r["decode_cpu_seconds"] for r in runs])
    fit = None
    if len(set(n)) > 1:
        slope, intercept = np.polyfit(n, c, 1)
        fit = {
            "cpu_seconds_per_renewal": round(float(slope), 3),
            "cpu_seconds_with_no_renewal": round(float(intercept), 1),
            "max_residual_s": round(float(np.max(np.abs(c - (slope * n + intercept)))), 2),
        }
    summary = [
        {
            "renew_seconds": r["renew_seconds"],
            "renewals": sum(r["renewals"].values()),
            "growth_at_75s_mb": r["growth_mb"]["at_75s_hwm"],
            "growth_hwm_mb": r["growth_mb"]["hwm"],
            "cpu_per_channel_audio_s": r["cpu_per_channel_audio_s"],
            "wer": r["wer"]["all"]["wer"],
        }
        for r in runs
    ]
    return {"summary": summary, "cpu_vs_renewals": fit, "runs": runs}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--minutes", type=float, default=10.0, help="call length (default 10)")
    ap.add_argument(
        "--renew-seconds",
        type=_parse_renew,
        default=RENEW_AFTER_SECONDS,
        help=f"renewal interval or 'never' (default {RENEW_AFTER_SECONDS:g})",
    )
    ap.add_argument("--sample-seconds", type=float, default=60.0, help="timeline step")
    ap.add_argument(
        "--no-trim", action="store_true", help="no malloc_trim after a renewal (for comparison)"
    )
    ap.add_argument("--compare", help="comma-separated intervals, one child process each")
    ap.add_argument("--model", help="model folder or installed model name")
    ap.add_argument("--cache", help="where the rendered call is kept")
    ap.add_argument("--out", help="also write the JSON here")
    args = ap.parse_args(argv)
    if args.minutes <= 0:
        ap.error("--minutes must be more than 0")
    args.cache = _cache_dir(args.cache)
    SAMPLE_EVERY_S[0] = max(1.0, args.sample_seconds)
    transcribe.TRIM_AFTER_RENEWAL = not args.no_trim
    args.model = resolve_model_path(args.model)
    t0 = time.perf_counter()
    wav, segments = build_long_call(args.minutes, args.cache)
    result: dict = {
        "benchmark": "asr_memory",
        "model": args.model.name,
        "minutes": args.minutes,
        "trim_after_renewal": transcribe.TRIM_AFTER_RENEWAL,
        "cores": os.cpu_count(),
        "load_average_start": [round(x, 2) for x in os.getloadavg()],
        "render_seconds": round(time.perf_counter() - t0, 1),
    }
    if args.compare:
        try:
            values = [_parse_renew(v) for v in args.compare.split(",")]
        except (ValueError, argparse.ArgumentTypeError) as e:
            ap.error(f"--compare takes seconds or 'never', comma-separated: {e}")
        result.update(compare(args, wav, values))
    else:
        result.update(run_one(wav, segments, args.model, args.renew_seconds))
    result["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
    text = json.dumps(result, indent=1)
    print(text)
    if args.out:
        Path(args.out).write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
