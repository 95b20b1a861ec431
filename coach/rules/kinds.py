"""The typed registry of rule kinds: one dataclass per `type:` a pack rule may have.

`phrase` rules match the grammar in coach.rules.grammar against one utterance; the other
types are detectors over timing and coverage whose numbers come from the pack. Each class
declares its fields with plain types, and `build_rule` checks a YAML mapping against them.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field

from coach.types import FLAG_KINDS


@dataclass(frozen=True)
class Rule:
    id: str
    kind: str
    label: str
    description: str
    suggestion: str
    source: str = field(default="", compare=False)  # "file line N", for messages


@dataclass(frozen=True)
class PhraseRule(Rule):
    """Fires on a rep (or prospect) utterance containing one of its phrases."""

    phrases: tuple[str, ...] = ()
    unless: tuple[str, ...] = ()  # any of these in the utterance silences the rule
    speaker: str = "rep"
    negatable: bool = True  # "not", "don't", "never" just before the match silences it
    context: str = (
        "any"  # or "after_prospect_statement": right after a prospect turn that asked nothing
    )
    at_start: bool = False  # the match must open the utterance (first three words)
    quiet_if_question: bool = False  # polite disagreement that goes on to ask a question is fine
    quiet_if_open_question: bool = False  # an open question is asking, not offering or pushing
    previous_calls: int | None = None  # fire only when the call history shows exactly this many
    echo: bool = False  # the last trigger word must be one the prospect just said: a negated echo
    regex: re.Pattern | None = field(default=None, compare=False, repr=False)
    unless_regex: re.Pattern | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class OverlapRule(Rule):
    """The rep starts while the prospect is still speaking (across the two channels)."""

    tolerance_seconds: float = 0.3  # overlap shorter than this is turn-taking, not interrupting
    min_lead_seconds: float = 0.3  # the prospect must have been speaking at least this long


@dataclass(frozen=True)
class MonologueRule(Rule):
    """The rep holds the turn too long without the prospect saying anything of substance."""

    limit_seconds: float = 120.0
    warning_seconds: float = 90.0  # live view warns before the flag
    gap_break_seconds: float = 5.0  # a silence this long ends the monologue


@dataclass(frozen=True)
class DiscoveryRule(Rule):
    """Too few open, probing questions for the time elapsed."""

    min_call_seconds: float = 45.0
    min_prospect_turns: int = 4  # fewer and it was no conversation (voicemail, gatekeeper)
    seconds_per_open_question: float = 150.0  # counts probing questions only
    min_open_questions: int = 1
    live_check_seconds: float = 300.0
    unless: tuple[str, ...] = ()  # a call where anyone says one of these is not judged (gatekeeper)
    unless_regex: re.Pattern | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class QualificationRule(Rule):
    """The call ends without the required qualification topics learned."""

    min_call_seconds: float = 45.0
    min_prospect_turns: int = 4
    required: tuple[str, ...] = ("project", "budget", "timeline")
    unless: tuple[str, ...] = ()  # a call where anyone says one of these is not judged (gatekeeper)
    # A follow-up whose earlier calls' content is unknown (no library rows): judge it as if
    # nothing had been learned before (true), or leave it unjudged (false, the default), since
    # a topic settled on an earlier call looks exactly like a forgotten one.
    judge_follow_ups_without_history: bool = False
    unless_regex: re.Pattern | None = field(default=None, compare=False, repr=False)


RULE_TYPES: dict[str, type[Rule]] = {
    "phrase": PhraseRule,
    "overlap": OverlapRule,
    "monologue": MonologueRule,
    "discovery": DiscoveryRule,
    "qualification": QualificationRule,
}

_PHRASE_CONTEXTS = ("any", "after_prospect_statement")
_INTERNAL = {"source", "regex", "unless_regex"}


def _convert(value: object, type_name: str, where: str) -> object:
    """Check one YAML value against a field's declared type; return it in that type."""
    if type_name == "str":
        if isinstance(value, str) and value.strip():
            return value.strip()
        raise ValueError(f"{where} must be non-empty text")
    if type_name == "bool":
        if isinstance(value, bool):
            return value
        raise ValueError(f"{where} must be true or false")
    if type_name == "float":
        if isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0:
            return float(value)
        raise ValueError(f"{where} must be a number of zero or more")
    if type_name in ("int", "int | None"):
        if value is None and type_name == "int | None":
            return None
        if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
            return value
        raise ValueError(f"{where} must be a whole number of zero or more")
    if type_name == "tuple[str, ...]":
        if isinstance(value, str):
            value = [value]
        if isinstance(value, list) and all(isinstance(v, str) and v.strip() for v in value):
            return tuple(v.strip() for v in value)
        raise ValueError(f"{where} must be a list of non-empty texts")
    raise TypeError(f"no converter for field type {type_name}")


def build_rule(data: dict, source: str) -> Rule:
    """Make the typed rule for one `rules:` entry; ValueError says which field is wrong."""
    if not isinstance(data, dict):
        raise ValueError("each rule must be a mapping with id, kind, label, ...")  # noqa: TRY004
    type_name = data.get("type", "phrase")
    cls = RULE_TYPES.get(type_name)
    if cls is None:
        raise ValueError(f"unknown rule type {type_name!r} (known: {', '.join(RULE_TYPES)})")
    fields = {f.name: f for f in dataclasses.fields(cls) if f.name not in _INTERNAL}
    unknown = sorted(set(data) - set(fields) - {"type"})
    if unknown:
        raise ValueError(f"unknown field {unknown[0]!r} in a {type_name} rule")
    values: dict[str, object] = {"source": source}
    for name, f in fields.items():
        if name in data:
            values[name] = _convert(data[name], str(f.type), name)
        elif f.default is dataclasses.MISSING:
            raise ValueError(f"a {type_name} rule needs {name!r}")
    if values["kind"] not in FLAG_KINDS:
        raise ValueError(f"kind {values['kind']!r} is not one of {', '.join(FLAG_KINDS)}")
    if cls is PhraseRule:
        if not values.get("phrases"):
            raise ValueError("a phrase rule needs at least one phrase under 'phrases'")
        if values.get("context", "any") not in _PHRASE_CONTEXTS:
            raise ValueError(f"context must be one of {', '.join(_PHRASE_CONTEXTS)}")
        if values.get("speaker", "rep") not in ("rep", "prospect"):
            raise ValueError("speaker must be rep or prospect")
    return cls(**values)
