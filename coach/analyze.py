"""`main.py analyze CALL`: read a call (transcript JSON or stereo WAV), coach it, report.

A transcript JSON is `{"previous_calls": N (optional), "utterances": [{"speaker", "start",
"end", "text", "words" (optional)}]}`. A WAV goes through coach.transcribe (imported only
then, so transcripts need no speech model). Any bad input raises AnalyzeInputError with one
sentence; the CLI prints it and exits 2.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import TYPE_CHECKING

from coach.engine import AnalysisResult, analyze_utterances
from coach.rules.pack import RulePack
from coach.types import Utterance, Word

if TYPE_CHECKING:
    from coach.semantic.layer import SemanticLayer


class AnalyzeInputError(ValueError):
    """The call given to `analyze` cannot be used; str() is one sentence."""


def _number(value: object, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise AnalyzeInputError(f"{where} must be a number of seconds.")
    if value < 0:
        raise AnalyzeInputError(f"{where} must not be negative.")
    return float(value)


def _utterance(item: object, i: int, path: Path) -> Utterance:
    where = f"{path}: utterance {i + 1}"
    if not isinstance(item, dict):
        raise AnalyzeInputError(f"{where} is not an object with speaker, start, end and text.")
    missing = [k for k in ("speaker", "start", "end", "text") if k not in item]
    if missing:
        raise AnalyzeInputError(f"{where} has no '{missing[0]}'.")
    if item["speaker"] not in ("rep", "prospect"):
        raise AnalyzeInputError(f"{where} has speaker {item['speaker']!r}; use rep or prospect.")
    start = _number(item["start"], f"{where} start")
    end = _number(item["end"], f"{where} end")
    if end < start:
        raise AnalyzeInputError(f"{where} ends ({end}) before it starts ({start}).")
    if not isinstance(item["text"], str):
        raise AnalyzeInputError(f"{where} text must be a string.")
    words: list[Word] = []
    for j, w in enumerate(item.get("words") or []):
        if not isinstance(w, dict) or not {"word", "start", "end"} <= set(w):
            raise AnalyzeInputError(f"{where} word {j + 1} needs word, start and end.")
        ws, we = (
            _number(w["start"], f"{where} word {j + 1} start"),
            _number(w["end"], f"{where} word {j + 1} end"),
        )
        words.append(Word(str(w["word"]), ws, we, float(w.get("conf", 1.0))))
    return Utterance(item["speaker"], start, end, item["text"], tuple(words))


def read_transcript(path: str | Path) -> tuple[list[Utterance], int | None]:
    """Utterances and previous_calls from a transcript JSON file."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        raise AnalyzeInputError(f"{path} does not exist.") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise AnalyzeInputError(f"{path} cannot be read ({exc}).") from None
    except json.JSONDecodeError as exc:
        raise AnalyzeInputError(
            f"{path} is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})."
        ) from None
    if not isinstance(data, dict) or not isinstance(data.get("utterances"), list):
        raise AnalyzeInputError(f"{path} has no 'utterances' list; see DESIGN.md for the format.")
    prev = data.get("previous_calls")
    if prev is not None and (isinstance(prev, bool) or not isinstance(prev, int) or prev < 0):
        raise AnalyzeInputError(f"{path}: previous_calls must be a whole number of zero or more.")
    utts = [_utterance(item, i, path) for i, item in enumerate(data["utterances"])]
    return utts, prev


def parse_channel_map(spec: str | None) -> dict[str, int] | None:
    """'rep=0,prospect=1' -> {"rep": 0, "prospect": 1}; also left/right for 0/1."""
    if not spec:
        return None
    out: dict[str, int] = {}
    for part in spec.split(","):
        name, _, idx = part.partition("=")
        name, idx = name.strip(), idx.strip().lower()
        idx = {"left": "0", "right": "1"}.get(idx, idx)
        if name not in ("rep", "prospect") or not idx.isdigit():
            raise AnalyzeInputError(
                f"Channel map {spec!r} is not like rep=0,prospect=1 (or rep=left,prospect=right)."
            )
        out[name] = int(idx)
    return out


def _is_wav(path: Path) -> bool:
    try:
        with open(path, "rb") as f:
            head = f.read(12)
    except OSError:
        return path.suffix.lower() == ".wav"
    return head[:4] in (b"RIFF", b"RF64") or path.suffix.lower() == ".wav"


def load_call(
    call: str | Path, model: str | None = None, channels: str | None = None
) -> tuple[list[Utterance], int | None]:
    """Utterances (and previous_calls, for a transcript) from a WAV or a transcript JSON."""
    path = Path(call)
    if not path.exists():
        raise AnalyzeInputError(f"{path} does not exist; give a stereo WAV or a transcript JSON.")
    if not _is_wav(path):
        return read_transcript(path)
    from coach.transcribe import transcribe_stereo_wav  # the speech model only when needed

    try:
        return transcribe_stereo_wav(path, model, parse_channel_map(channels)), None
    except AnalyzeInputError:
        raise
    except (ValueError, OSError, RuntimeError) as exc:
        raise AnalyzeInputError(str(exc)) from None
    except Exception as exc:  # ModelError and friends carry their own one-sentence text
        if type(exc).__name__.endswith("Error") and str(exc):
            raise AnalyzeInputError(str(exc)) from None
        raise


def analyze_call(
    call: str | Path,
    previous_calls: int | None = None,
    pack: RulePack | None = None,
    model: str | None = None,
    channels: str | None = None,
    semantic: SemanticLayer | None = None,
) -> AnalysisResult:
    """`--previous-calls` wins over the transcript's own previous_calls."""
    utts, from_file = load_call(call, model, channels)
    return analyze_utterances(
        utts, previous_calls if previous_calls is not None else from_file, pack, semantic
    )


def _clock(seconds: float) -> str:
    return f"{int(seconds // 60)}:{seconds % 60:04.1f}"


def render_report(result: AnalysisResult) -> str:
    """The readable report: metrics, then the transcript with flags under their lines."""
    m = result.metrics
    lines = ["Call summary", "------------"]
    ratio = m["talk_ratio"]
    if ratio is not None:
        lines.append(
            f"Talk ratio (rep): {ratio:.0%}  (target {m['talk_ratio_target']:.0%}, "
            f"too high above {m['talk_ratio_limit']:.0%})"
        )
    lines.append(f"Longest monologue: {m['longest_monologue_seconds']:.0f} s")
    lines.append(
        f"Questions: {m['open_questions']} open ({m['probing_questions']} probing), "
        f"{m['closed_questions']} closed"
    )
    if m["patience_seconds"] is not None:
        lines.append(f"Patience: {m['patience_seconds']:.2f} s before answering")
    lines.append(f"Interruptions: {m['interruptions']}")
    wpm = m["words_per_minute"]
    lines.append(f"Words per minute: rep {wpm['rep'] or '-'}, prospect {wpm['prospect'] or '-'}")
    earlier = m.get("earlier_calls") or {}
    if earlier.get("note"):
        lines.append(earlier["note"])
    for topic in m["qualification"].values():
        ev = topic["evidence"]
        mark = f'yes - "{ev["text"]}" at {_clock(ev["start"])}' if ev else "not learned"
        if not ev and topic.get("learned_before"):
            mark = "learned on an earlier call"
        lines.append(f"  {topic['label']}: {mark}")
    lines += ["", f"Flags: {len(result.flags)}"]
    by_start: dict[float, list] = {}
    for f in result.flags:
        by_start.setdefault(f.start, []).append(f)
    lines += ["", "Transcript", "----------"]
    shown = set()
    for u in result.utterances:
        lines.append(f"[{_clock(u.start)}] {u.speaker:>8}: {u.text}")
        for f in by_start.get(u.start, []):
            if f.speaker == u.speaker or f.kind in ("monologue",):
                lines.append(f"           ! {f.label} ({f.kind}): {f.suggestion}")
                shown.add(id(f))
    rest = [f for f in result.flags if id(f) not in shown]
    if rest:
        lines += ["", "Whole call"]
        lines += [f"  ! {f.label} ({f.kind}): {f.text}. {f.suggestion}" for f in rest]
    return "\n".join(lines)
