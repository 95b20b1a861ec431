"""Speech-to-text benchmark: prints one JSON object.

Renders the scripted two-voice sales call (tests/tts_call.py, flite) and measures, with the
real Vosk model:
- offline: real-time factor per channel with both channels decoding at once, and WER;
- live: both channels fed in real time in 20 ms frames, as the softphone taps deliver them:
  partial-result latency (end of a word's audio -> the word shows in a partial) and final
  latency (end of speech -> final utterance), plus the worst backlog;
- the same file through Vosk's own `vosk-transcriber` CLI (on the stereo file, which it
  downmixes, and on each channel split to mono), end to end in fresh processes like ours,
  with the time ratio and WER of each (median of --repeat runs).

Usage: .venv/bin/python benchmarks/bench_asr.py [--model PATH] [--skip-live] [--out FILE]
(model lookup as in the app: --model, CALLCOACH_MODEL, settings, installed models).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import soundfile as sf

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from coach.transcribe import ChannelTranscriber, load_model, transcribe_stereo_wav
from models.lookup import resolve_model_path
from tests.tts_call import SALES_CALL, reference_text, render_call, word_error_rate

TARGETS = {"partial_latency_s": 0.7, "final_latency_s": 1.2, "rtf": 0.3}
FRAME_S = 0.02


def _pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    values = sorted(values)
    return round(values[min(len(values) - 1, int(q * len(values)))], 3)


def _summary(values: list[float]) -> dict:
    return {
        "n": len(values),
        "mean": round(statistics.fmean(values), 3) if values else None,
        "p50": _pct(values, 0.5),
        "p90": _pct(values, 0.9),
        "max": round(max(values), 3) if values else None,
    }


def _wer(lines: list, utts: list) -> dict:
    out = {
        spk: round(
            word_error_rate(
                reference_text(lines, spk), " ".join(u.text for u in utts if u.speaker == spk)
            ),
            4,
        )
        for spk in ("rep", "prospect")
    }
    out["all"] = round(word_error_rate(reference_text(lines), " ".join(u.text for u in utts)), 4)
    return out


def bench_offline(wav: Path, model_path: Path, lines: list) -> dict:
    model = load_model(model_path)
    data, rate = sf.read(str(wav), dtype="int16")
    duration = len(data) / rate
    t0 = time.perf_counter()
    workers = [
        ChannelTranscriber(model, s, rate, report_backlog=False) for s in ("rep", "prospect")
    ]
    for i, tr in enumerate(workers):
        tr.feed(np.ascontiguousarray(data[:, i]))
    utts = sorted((u for tr in workers for u in tr.close()), key=lambda u: u.start)
    wall = time.perf_counter() - t0
    per_channel = {tr.speaker: tr.stats()["rtf"] for tr in workers}
    return {
        "audio_seconds": round(duration, 2),
        "wall_seconds_both_channels": round(wall, 3),
        "rtf_per_channel": per_channel,
        "rtf_wall_both_channels": round(wall / duration, 4),
        "wer": _wer(lines, utts),
    }


def bench_live(wav: Path, model_path: Path) -> dict:
    """Feed both channels in real time from one feeder thread, like the app's tap reader."""
    model = load_model(model_path)
    data, rate = sf.read(str(wav), dtype="int16")
    frame = int(rate * FRAME_S)
    partials: dict[str, list[tuple[float, list[str]]]] = {"rep": [], "prospect": []}
    finals: list[tuple[float, object]] = []
    t0 = 0.0

    def on_partial(ev) -> None:
        partials[ev.speaker].append((time.perf_counter() - t0, ev.text.split()))

    def on_final(u) -> None:
        finals.append((time.perf_counter() - t0, u))

    workers = [
        ChannelTranscriber(model, s, rate, on_partial=on_partial, on_final=on_final)
        for s in ("rep", "prospect")
    ]
    feed_max = [0.0]

    def feeder() -> None:
        for n, i in enumerate(range(0, len(data), frame)):
            # a frame exists only once its last sample was captured
            delay = t0 + (n + 1) * FRAME_S - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            for ch, tr in enumerate(workers):
                s = time.perf_counter()
                tr.feed(data[i : i + frame, ch])
                feed_max[0] = max(feed_max[0], time.perf_counter() - s)

    t0 = time.perf_counter()
    th = threading.Thread(target=feeder, name="bench-feeder")
    th.start()
    th.join()
    for tr in workers:
        tr.close()
    final_lat = [wall - u.end for wall, u in finals]  # end of speech -> final utterance
    partial_lat: list[float] = []
    for _, u in finals:
        events = partials[u.speaker]
        for k, w in enumerate(u.words):
            # first partial after this utterance began that already holds k+1 words
            shown = [wall for wall, words in events if wall > u.start and len(words) > k]
            if shown:
                partial_lat.append(shown[0] - w.end)
    stats = {tr.speaker: tr.stats() for tr in workers}
    return {
        "frames_ms": FRAME_S * 1000,
        "partial_latency_s": _summary(partial_lat),
        "final_latency_s": _summary(final_lat),
        "max_backlog_s": {s: st["max_backlog_seconds"] for s, st in stats.items()},
        "rtf_per_channel_live": {s: st["rtf"] for s, st in stats.items()},
        "slowest_feed_call_ms": round(feed_max[0] * 1000, 3),
        "finals": len(finals),
    }


def _ffmpeg_path(tmp: Path) -> tuple[str, str]:
    """vosk-transcriber decodes input with ffmpeg; without one, a sox stand-in does the same
    conversion (any WAV -> 16 kHz mono s16le on stdout)."""
    if shutil.which("ffmpeg"):
        return os.environ["PATH"], "ffmpeg"
    shim = tmp / "bin"
    shim.mkdir()
    script = shim / "ffmpeg"
    script.write_text(
        "#!/bin/sh\n# stand-in: ffmpeg -nostdin -loglevel quiet -i IN -ar R -ac 1 -f s16le -\n"
        'while [ "$1" != "-i" ]; do shift; done; IN="$2"\n'
        'exec sox "$IN" -t raw -e signed -b 16 -c 1 -r 16000 -\n'
    )
    script.chmod(0o755)
    return f"{shim}{os.pathsep}{os.environ['PATH']}", "sox stand-in for ffmpeg"


REPEAT = [3]  # runs per command; the median is reported (other work shares the 2 cores)


CPU_S: dict[str, float] = {}


def _timed(cmd: list[str], env: dict, label: str) -> tuple[float, subprocess.CompletedProcess]:
    """Median wall time of the command; its median CPU time (user + sys) goes to CPU_S."""
    times, cpu, r = [], [], None
    for _ in range(REPEAT[0]):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t = time.perf_counter()
        r = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
        times.append(time.perf_counter() - t)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
        if r.returncode:
            break
    CPU_S[label] = CPU_S.get(label, 0.0) + statistics.median(cpu)
    return statistics.median(times), r


def bench_vs_vosk_transcriber(wav: Path, model_path: Path, lines: list, tmp: Path) -> dict:
    path_env, decoder = _ffmpeg_path(tmp)
    env = {**os.environ, "PATH": path_env}
    cli = str(Path(sys.executable).with_name("vosk-transcriber"))
    ours_code = (
        "import sys, json; sys.path.insert(0, sys.argv[3]);"
        "from coach.transcribe import transcribe_stereo_wav;"
        "u = transcribe_stereo_wav(sys.argv[1], sys.argv[2]);"
        "print(json.dumps([[x.speaker, x.start, x.text] for x in u]))"
    )
    ours_s, r = _timed(
        [sys.executable, "-c", ours_code, str(wav), str(model_path), str(ROOT)], env, "ours"
    )
    if r.returncode:
        raise SystemExit(f"our transcriber failed: {r.stderr[-500:]}")
    ours = json.loads(r.stdout)
    ours_all = " ".join(t for _, _, t in ours)
    out_txt = tmp / "stereo.txt"
    theirs_s, r = _timed(
        [cli, "-m", str(model_path), "-i", str(wav), "-o", str(out_txt)], env, "downmix"
    )
    if r.returncode or not out_txt.exists():
        raise SystemExit(f"vosk-transcriber failed: {r.stderr[-500:]}")
    theirs_text = out_txt.read_text().replace("\n", " ")
    split_s, split_text = 0.0, {}
    data, rate = sf.read(str(wav), dtype="int16")
    for ch, spk in enumerate(("rep", "prospect")):
        mono = tmp / f"{spk}.wav"
        sf.write(str(mono), data[:, ch], rate)
        txt = tmp / f"{spk}.txt"
        s, r = _timed(
            [cli, "-m", str(model_path), "-i", str(mono), "-o", str(txt)], env, "per_channel"
        )
        split_s += s
        split_text[spk] = txt.read_text().replace("\n", " ") if txt.exists() else ""
    ref = reference_text(lines)
    return {
        "runs_per_command_median_of": REPEAT[0],
        "input_decoder_for_vosk_transcriber": decoder,
        "ours_end_to_end_s": round(ours_s, 3),
        "ours_wer": round(word_error_rate(ref, ours_all), 4),
        "vosk_transcriber_stereo_downmix_s": round(theirs_s, 3),
        "vosk_transcriber_stereo_downmix_wer": round(word_error_rate(ref, theirs_text), 4),
        "vosk_transcriber_per_channel_s": round(split_s, 3),
        "vosk_transcriber_per_channel_wer": {
            spk: round(word_error_rate(reference_text(lines, spk), t), 4)
            for spk, t in split_text.items()
        },
        "cpu_seconds": {k: round(v, 3) for k, v in CPU_S.items()},
        "time_ratio_vosk_transcriber_downmix_over_ours": round(theirs_s / ours_s, 3),
        "time_ratio_vosk_transcriber_per_channel_over_ours": round(split_s / ours_s, 3),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", help="model folder or installed model name")
    ap.add_argument("--skip-live", action="store_true", help="skip the real-time run")
    ap.add_argument("--out", help="also write the JSON here")
    ap.add_argument("--repeat", type=int, default=3, help="runs per CLI comparison (median)")
    args = ap.parse_args(argv)
    REPEAT[0] = max(1, args.repeat)
    model_path = resolve_model_path(args.model)
    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        wav = tmp / "sales_call.wav"
        lines = render_call(SALES_CALL, wav)
        result: dict = {
            "model": model_path.name,
            "cores": os.cpu_count(),
            "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
            "targets": TARGETS,
        }
        result["offline"] = bench_offline(wav, model_path, lines)
        transcribe_stereo_wav(wav, model_path)  # warm the page cache for the CLI comparison
        result["vs_vosk_transcriber"] = bench_vs_vosk_transcriber(wav, model_path, lines, tmp)
        if not args.skip_live:
            result["live"] = live = bench_live(wav, model_path)
            result["meets_targets"] = {
                "partial_latency_p90": live["partial_latency_s"]["p90"]
                <= TARGETS["partial_latency_s"],
                "final_latency_p90": live["final_latency_s"]["p90"] <= TARGETS["final_latency_s"],
                "rtf": max(result["offline"]["rtf_per_channel"].values()) <= TARGETS["rtf"],
            }
    result["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    text = json.dumps(result, indent=2)
    print(text)
    if args.out:
        Path(args.out).write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
