"""Labelled examples the semantic layer learns from: what they are and where they come from.

An example is one rep line, the prospect's line just before it, the phrase kinds a coach
would flag on it (none: a "quiet" example, the line is fine) and the number of earlier calls
with the contact. They come from three places, read the same way:

- example files (`resources/coach/examples/*.yaml`, and the line sets of the test corpus):
  `default_prospect`, `default_previous_calls` and `lines: [{rep, prospect, kinds,
  previous_calls}]`;
- labelled whole calls (transcript JSON whose utterances carry `expect: [kinds]`);
- the examples a lead or rep taught in Review or a coaching session (the library).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import yaml

import resources

PHRASE_KINDS = ("arguing", "pressure", "vague_language", "false_familiarity", "content_dump")
SHIPPED_EXAMPLES = resources.path("coach", "examples")


class ExampleError(ValueError):
    """A broken example or example file; the text is one sentence for the user."""


@dataclass(frozen=True, slots=True)
class Example:
    rep: str
    prospect: str = ""
    kinds: frozenset[str] = frozenset()
    previous_calls: int | None = 0
    source: str = ""

    def labels(self, kind: str) -> bool | None:
        """True/False as a training label for `kind`, None when the line says nothing about it.

        Familiarity depends on the call history: only a first call (0 earlier calls) says
        whether the line talks as if there had been an earlier conversation."""
        if kind == "false_familiarity" and self.previous_calls != 0:
            return None
        return kind in self.kinds


def clean_text(text: object, what: str) -> str:
    if not isinstance(text, str) or not text.strip():
        raise ExampleError(f"The {what} of an example must be a line of text, not {text!r}.")
    return " ".join(text.strip().split())


def check_kinds(kinds: Iterable[str]) -> frozenset[str]:
    out = frozenset(kinds)
    unknown = sorted(out - set(PHRASE_KINDS))
    if unknown:
        raise ExampleError(
            f"Unknown kind {unknown[0]!r}: use one of {', '.join(PHRASE_KINDS)}."
        )
    return out


def read_line_file(path: str | Path, source: str | None = None) -> list[Example]:
    """Examples from a YAML line file; raises ExampleError naming the file and item."""
    path = Path(path)
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ExampleError(f"{path} cannot be read as YAML: {exc}".splitlines()[0]) from None
    if not isinstance(doc, dict) or not isinstance(doc.get("lines"), list):
        raise ExampleError(f"{path} has no 'lines:' list of examples.")
    default_prospect = doc.get("default_prospect") or ""
    default_prev = doc.get("default_previous_calls", 0)
    out = []
    for n, item in enumerate(doc["lines"], 1):
        if not isinstance(item, dict) or "rep" not in item:
            raise ExampleError(f"{path} example {n} has no 'rep' line.")
        try:
            prospect = item.get("prospect", default_prospect) or ""
            out.append(
                Example(
                    clean_text(item["rep"], "rep line"),
                    " ".join(str(prospect).split()),
                    check_kinds(item.get("kinds") or []),
                    item.get("previous_calls", default_prev),
                    source or path.name,
                )
            )
        except ExampleError as exc:
            raise ExampleError(f"{path} example {n}: {exc}") from None
    return out


def read_call_file(path: str | Path) -> list[Example]:
    """One example per rep line of a labelled transcript JSON (prospect = last prospect turn)."""
    path = Path(path)
    doc = json.loads(path.read_text(encoding="utf-8"))
    return list(call_examples(doc["utterances"], doc.get("previous_calls"), path.stem))


def call_examples(utterances: list[dict], previous_calls: int | None, source: str) -> Iterator[
    Example
]:
    prospect = ""
    ordered = sorted(utterances, key=lambda u: (u["start"], u["end"]))
    for u in ordered:
        if u["speaker"] == "prospect":
            prospect = u["text"]
            continue
        kinds = frozenset(k for k in u.get("expect", []) if k in PHRASE_KINDS)
        yield Example(u["text"], prospect, kinds, previous_calls, source)


def shipped_examples(folder: Path = SHIPPED_EXAMPLES) -> list[Example]:
    """Every example file shipped beside the rule pack, in name order."""
    out: list[Example] = []
    for f in sorted(folder.glob("*.yaml")):
        out.extend(read_line_file(f))
    return out


def dedupe(examples: Iterable[Example]) -> list[Example]:
    """One example per (rep, prospect, history); a later example overrides an earlier one, so
    what a lead taught wins over the shipped label of the same line."""
    seen: dict[tuple, Example] = {}
    for e in examples:
        seen[(e.rep.lower(), e.prospect.lower(), e.previous_calls == 0)] = e
    return list(seen.values())


_LEAD_WORDS = frozenset(
    {"okay", "ok", "well", "so", "yes", "yeah", "alright", "look", "and", "anyway", "listen",
     "honestly", "basically", "like", "um", "uh", "hmm", "right", "now"}
)
_LEAD_PAIRS = (("i", "mean"), ("you", "know"))


def semantic_text(text: str) -> str:
    """The words the encoder should weigh: lower case, without the run-up a recogniser hands
    over at the start of a turn ("okay well honestly ...", "yeah i mean ..."). Mean pooling
    gives every word a vote, so the run-up dilutes the part that matters. "no", "sure" and
    "oh" stay: "no that's wrong" argues and "oh sure because ..." is sarcasm."""
    words = text.lower().split()
    i = 0
    while i < len(words) - 3:
        if words[i] in _LEAD_WORDS:
            i += 1
        elif tuple(words[i : i + 2]) in _LEAD_PAIRS:
            i += 2
        else:
            break
    return " ".join(words[i:])
