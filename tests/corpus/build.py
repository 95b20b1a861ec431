"""Builds the labelled coach corpus (tests/corpus/*.json) from the scripts in tests/corpus/src.

A script is a header (`previous_calls: N`, `expect_call: kind, kind`), a `---` line, then one
utterance per line: `R` (rep) or `P` (prospect), an optional timing and `| text`, then the
flag kinds a coach should raise on that line as `@kind` marks.

    R | text @vague_language      starts after the previous line (0.7 s on a turn change)
    R -1.5 | text                 starts 1.5 s before the previous line ended (overlap)
    P +2.0 | text                 starts 2 s after the previous line ended
    R ~40 | text                  lasts 40 s (default: from the word count)

Run `python tests/corpus/build.py` after editing a script; the JSON files are committed.
`python tests/corpus/build.py SRC_DIR [OUT_DIR]` builds the scripts of another folder (OUT_DIR
defaults to SRC_DIR's parent, as tests/corpus is to tests/corpus/src).
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
WORDS_PER_SECOND = {"rep": 2.6, "prospect": 2.4}
LINE = re.compile(r"^(?P<who>[RP])\s*(?P<timing>[-+~][0-9.]+)?\s*\|\s*(?P<body>.*)$")


def build(src: Path) -> dict:
    head, _, body = src.read_text(encoding="utf-8").partition("\n---\n")
    call: dict = {"title": "", "utterances": []}
    for line in head.splitlines():
        if line.startswith("#"):
            call["title"] = (call["title"] + " " + line.lstrip("# ")).strip()
        elif line.startswith("previous_calls:"):
            call["previous_calls"] = int(line.split(":", 1)[1])
        elif line.startswith("expect_call:"):
            call["expect_call"] = [k.strip() for k in line.split(":", 1)[1].split(",") if k.strip()]
    call.setdefault("expect_call", [])
    t_end, last_speaker = 0.0, None
    for n, raw in enumerate(body.splitlines(), 1):
        if not raw.strip():
            continue
        m = LINE.match(raw.strip())
        if not m:
            raise SystemExit(f"{src.name} line {n}: cannot read {raw!r}")
        speaker = "rep" if m["who"] == "R" else "prospect"
        marks = re.findall(r"@([a-z_]+)", m["body"])
        text = re.sub(r"\s*@[a-z_]+", "", m["body"]).strip()
        duration = max(0.6, len(text.split()) / WORDS_PER_SECOND[speaker])
        timing = m["timing"]
        gap = 0.7 if speaker != last_speaker else 0.4
        if timing and timing[0] == "~":
            duration = float(timing[1:])
        elif timing:
            gap = float(timing)
        start = round(max(0.0, t_end + gap), 2)
        end = round(start + duration, 2)
        call["utterances"].append(
            {"speaker": speaker, "start": start, "end": end, "text": text, "expect": marks}
        )
        t_end, last_speaker = max(t_end, end) if gap < 0 else end, speaker
    return call


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    src_dir = Path(args[0]) if args else HERE / "src"
    out_dir = Path(args[1]) if len(args) > 1 else src_dir.resolve().parent
    out_dir.mkdir(parents=True, exist_ok=True)
    for src in sorted(src_dir.glob("*.txt")):
        out = out_dir / f"{src.stem}.json"
        out.write_text(json.dumps(build(src), indent=1) + "\n", encoding="utf-8")
        print(out.name)


if __name__ == "__main__":
    main()
