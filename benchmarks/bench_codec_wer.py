"""Codec speech benchmark (issue 13): the same scripted speech through one real loopback call
per codec (Opus 32 kb/s, G.722, PCMU), transcribed with Vosk on the receiving side.

The script is the sales call of tests/tts_call.py, both flite voices (female rep lines,
male prospect lines) in one mono 16 kHz WAV. Per codec (tests/codec_call.py) two engines on
127.0.0.1 offer only that codec, no SRTP; the far end plays the speech, the rep's engine
records the call, and the recording's right channel (RTP -> jitter buffer -> decoder -> the
app's media port, no sound card) is transcribed with the Vosk model the app uses. The clean
file is transcribed too, straight from disk: Vosk's own errors, the floor any codec starts from.

Printed as one JSON object:
  {"words", "speech_s", "runs", "wer_clean_file",
   "codecs": {codec: {"negotiated", "wer": [per run], "wer_mean",
                      "wer_vs_clean_file": [per run], "wer_vs_clean_file_mean",
                      "rx_lost", "rx_discarded", "transcript" (last run)}}}
  wer = word error rate against the script; wer_vs_clean_file = against the clean file's own
  transcript (0 = the codec changed nothing Vosk can hear).

    .venv/bin/python benchmarks/bench_codec_wer.py [--lines 12] [--runs 2] [--codecs opus,G722]
        [--model DIR] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.codec_call import (
    CODECS,
    render_speech,
    speech_through_call,
    transcribe_clean,
    transcribe_received,
)
from tests.tts_call import SALES_CALL, word_error_rate


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--lines", type=int, default=len(SALES_CALL), help="script lines to use")
    ap.add_argument("--runs", type=int, default=2, help="calls per codec")
    ap.add_argument(
        "--codecs",
        default=",".join(c.split("/")[0] for c in CODECS),
        help="comma-separated codec name prefixes (default: %(default)s)",
    )
    ap.add_argument("--model", default=os.environ.get("CALLCOACH_MODEL"), help="Vosk model dir")
    ap.add_argument("--keep", help="keep the speech and the recordings in this folder")
    args = ap.parse_args()
    if not 1 <= args.lines <= len(SALES_CALL):
        sys.exit(f"--lines must be between 1 and {len(SALES_CALL)}.")
    wanted = [c.strip() for c in args.codecs.split(",") if c.strip()]
    unknown = [w for w in wanted if not any(c.lower().startswith(w.lower()) for c in CODECS)]
    if unknown or not wanted:
        sys.exit(f"Unknown codec(s): {', '.join(unknown) or '(none)'}. Known: {args.codecs}.")
    codecs = [next(c for c in CODECS if c.lower().startswith(w.lower())) for w in wanted]
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(args.keep or tmp)
        out.mkdir(parents=True, exist_ok=True)
        speech = render_speech(SALES_CALL[: args.lines], out / "speech.wav")
        clean = transcribe_clean(speech.wav, args.model)
        results: dict[str, dict] = {}
        for run in range(args.runs):
            for codec in codecs:  # interleaved: a slow spell of the machine hits every codec
                name = codec.split("/")[0]
                record = out / f"{name}_{run}.wav"
                t0 = time.monotonic()
                call = speech_through_call(speech.wav, codec, record, speech.seconds + 0.5)
                heard = transcribe_received(record, args.model)
                r = results.setdefault(
                    codec,
                    {"negotiated": call.codec, "wer": [], "wer_vs_clean_file": [],
                     "rx_lost": [], "rx_discarded": []},
                )  # fmt: skip
                r["wer"].append(round(word_error_rate(speech.text, heard), 3))
                r["wer_vs_clean_file"].append(round(word_error_rate(clean, heard), 3))
                r["rx_lost"].append(call.rep_stream.get("rx_lost"))
                r["rx_discarded"].append(call.rep_stream.get("rx_discarded"))
                r["transcript"] = heard
                print(
                    f"{name} run {run + 1}: WER {r['wer'][-1]} ({time.monotonic() - t0:.1f} s)",
                    file=sys.stderr,
                )
    for r in results.values():
        r["wer_mean"] = round(statistics.fmean(r["wer"]), 3)
        r["wer_vs_clean_file_mean"] = round(statistics.fmean(r["wer_vs_clean_file"]), 3)
    print(
        json.dumps(
            {
                "words": len(speech.text.split()),
                "speech_s": round(speech.seconds, 1),
                "runs": args.runs,
                "wer_clean_file": round(word_error_rate(speech.text, clean), 3),
                "clean_transcript": clean,
                "codecs": results,
            },
            indent=1,
        )
    )


if __name__ == "__main__":
    main()
