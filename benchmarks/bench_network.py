"""Bad-network benchmark: the scripted sales call (tests/tts_call.py, flite voices) through a
real call between two engines on loopback, once per network condition, and what the rep's
side heard, scored by the Vosk transcript of the prospect's channel.

Conditions (user space, no netem on this kernel): pjmedia's own receive drop percentage for
loss, and the UDP relay of tests/net_relay.py in the RTP path for delay ± jitter (uniform,
like netem), reordering and blackouts:

    clean            the relay, nothing impaired
    loss5            5 % of received RTP dropped (each side)
    jitter40         60 ± 40 ms delay per packet (packets overtake each other)
    reorder10        10 % of packets held back 40 ms (arrive after two later ones)
    all              loss5 + jitter40 + 5 % reordered
    all_blackout3    all, plus a 3 s blackout both ways in the middle of a prospect line
    blackout_cut     clean until a blackout that never ends: the call must end by itself
                     with a sentence after the RTP timeout (5 s here)

Printed as one JSON object: the clean-file WER (the recording decoded straight, no call), and
per condition the WER of the prospect's transcript against the script, the WER against the
transcript of the clean call, whether the call survived, its end sentence, the relay's
counters (lost, blacked out, reordered, max delay) and the rep engine's receive stream and
jitter buffer (RTP lost/reordered/discarded, interarrival jitter, buffer delay, frames the
buffer lost, discarded or ran empty for).

    python benchmarks/bench_network.py [--only all,loss5] [--lines 12] [--model DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from coach.transcribe import transcribe_stereo_wav
from tests.impaired_call import RelayedCall, split_call
from tests.net_relay import Impairment
from tests.tts_call import SALES_CALL, reference_text, render_call, word_error_rate

JITTER = {"delay_ms": 60.0, "jitter_ms": 40.0}
CONDITIONS: dict[str, dict] = {
    "clean": {},
    "loss5": {"rx_drop_pct": 5},
    "jitter40": {"impairment": Impairment(**JITTER)},
    "reorder10": {"impairment": Impairment(reorder_pct=10)},
    "all": {"rx_drop_pct": 5, "impairment": Impairment(**JITTER, reorder_pct=5)},
    "all_blackout3": {
        "rx_drop_pct": 5,
        "impairment": Impairment(**JITTER, reorder_pct=5),
        "blackout": 3.0,
    },
    "blackout_cut": {"blackout": float("inf")},
}


def prospect_text(utterances: list) -> str:
    return " ".join(u.text for u in utterances if u.speaker == "prospect")


def run_condition(name: str, spec: dict, voices: tuple[Path, Path], lines: list, out: Path,
                  model: str | None, engine_options: dict | None = None) -> dict:  # fmt: skip
    record = out / f"{name}.wav"
    prospect = [ln for ln in lines if ln.speaker == "prospect"]
    call_len = max(ln.end for ln in lines) + 1.0
    blackout = spec.get("blackout")
    # a 3 s blackout starts half a second into the third prospect line (or the last one);
    # the endless one starts after the second prospect line, so the call ends mid-script
    target = prospect[min(2, len(prospect) - 1)]
    black_at = target.start + 0.5 if blackout != float("inf") else prospect[1].end + 0.5
    with RelayedCall(
        voices[0],
        voices[1],
        spec.get("impairment"),
        rx_drop_pct=spec.get("rx_drop_pct", 0),
        media_timeout_s=5.0,
        engine_options=engine_options,
        record=record,
    ) as call:
        call.dial()
        if blackout:
            call.sleep_until(black_at)
            call.poll_stats()
            call.relay.blackout(blackout)
        deadline = call_len
        while call.since_connected() < deadline and call.is_up():
            call.poll_stats()
            time.sleep(0.5)
        survived = call.is_up()
        ended = call.hangup()
        ended_after = round(time.time() - ended.connected_at, 1) if ended.connected_at else 0.0
        relay = call.relay.stats()
        streams = call.streams
        time.sleep(0.6)  # the engine closes the recording 0.4 s after the call ends
    utterances = transcribe_stereo_wav(record, model)
    heard = prospect_text(utterances)
    kept_lines = prospect
    if blackout == float("inf"):  # only what was said before the cut can have been heard
        kept_lines = [ln for ln in prospect if ln.end < black_at]
    return {
        "condition": name,
        "network": (spec.get("impairment") or Impairment()).describe(),
        "rx_drop_pct": spec.get("rx_drop_pct", 0),
        "blackout_s": None if blackout is None else (-1 if blackout == float("inf") else blackout),
        "survived": survived,
        "end_sentence": ended.sentence,
        "ended_after_s": ended_after,
        "wer": round(word_error_rate(reference_text(kept_lines), heard), 3),
        "transcript": heard,
        "relay_far_to_rep": relay["far->rep"],
        "rep_stream": streams,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--only", help="comma-separated conditions (default: all of them)")
    ap.add_argument("--lines", type=int, default=len(SALES_CALL), help="script lines to use")
    ap.add_argument("--model", default=os.environ.get("CALLCOACH_MODEL"), help="Vosk model dir")
    ap.add_argument(
        "--jitter-min-ms",
        type=int,
        default=-1,
        help="EngineConfig.jitter_min_ms for both engines (-1: pjsua's default)",
    )
    ap.add_argument("--keep", help="keep the recordings in this folder")
    args = ap.parse_args()
    names = args.only.split(",") if args.only else list(CONDITIONS)
    unknown = [n for n in names if n not in CONDITIONS]
    if unknown:
        sys.exit(f"Unknown condition(s): {', '.join(unknown)}. Known: {', '.join(CONDITIONS)}.")
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(args.keep or tmp)
        out.mkdir(parents=True, exist_ok=True)
        stereo = out / "script.wav"
        lines = render_call(SALES_CALL[: args.lines], stereo)
        voices = split_call(stereo, out)
        reference = reference_text(lines, "prospect")
        file_heard = prospect_text(transcribe_stereo_wav(stereo, args.model))
        results = []
        clean_heard = None
        for name in names:
            t0 = time.monotonic()
            options = {"jitter_min_ms": args.jitter_min_ms}
            r = run_condition(name, CONDITIONS[name], voices, lines, out, args.model, options)
            r["seconds"] = round(time.monotonic() - t0, 1)
            if name == "clean":
                clean_heard = r["transcript"]
            if clean_heard is not None and name != "blackout_cut":
                r["wer_vs_clean_call"] = round(word_error_rate(clean_heard, r["transcript"]), 3)
            results.append(r)
            print(f"{name}: WER {r['wer']} survived={r['survived']}", file=sys.stderr)
    print(
        json.dumps(
            {
                "script_lines": len(lines),
                "jitter_min_ms": args.jitter_min_ms,
                "prospect_words": len(reference.split()),
                "wer_clean_file": round(word_error_rate(reference, file_heard), 3),
                "conditions": results,
            },
            indent=1,
        )
    )


if __name__ == "__main__":
    main()
