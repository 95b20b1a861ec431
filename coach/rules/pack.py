"""Rule packs: loading YAML files from resources/rules into a validated `RulePack`.

A pack is one YAML file or a folder of them (merged in name order). Every problem is
reported as a RulePackError naming the file and line, so a team lead who edits a phrase
sees at once where the mistake is.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from pathlib import Path

import resources
from coach.rules.grammar import GrammarError, compile_phrase, compile_phrases, padded
from coach.rules.kinds import PhraseRule, Rule, build_rule
from coach.rules.yamlmarks import LineDict, RulePackError, load_yaml

DEFAULT_PACK = resources.path("rules")

THRESHOLD_KEYS = (
    "talk_ratio_target",  # rep share of talk time to aim for
    "talk_ratio_limit",  # above this the rep talks too much
    "patience_min_seconds",  # pause before the rep answers: the good range
    "patience_max_seconds",
    "questions_target_min",  # open questions in a full discovery call
    "questions_target_max",
    "dedup_seconds",  # the same rule does not fire twice within this window
    "context_seconds",  # "right after a prospect turn" means within this many seconds
    "negation_window_words",  # how far back a "not"/"don't" silences a phrase
)
_TOP_KEYS = {"name", "description", "thresholds", "slots", "backchannels", "negators", "topics"}
_TOP_KEYS |= {"rules", "hedges", "semantic"}
_TOP_KEYS |= {"questions"}  # question word lists, read by coach.question_words
_SEMANTIC_KEYS = {"label", "suggestion", "threshold", "target_precision"}
SEMANTIC_KINDS = ("arguing", "pressure", "vague_language", "false_familiarity", "content_dump")


@dataclass(frozen=True)
class Topic:
    """A qualification topic (project, budget, ...) and the phrases that show it was covered."""

    name: str
    label: str
    regex: re.Pattern = field(compare=False, repr=False)
    probing_questions: bool = False  # any probing rep question no other topic claims counts


@dataclass(frozen=True)
class RulePack:
    name: str
    sources: tuple[str, ...]
    rules: tuple[Rule, ...]
    thresholds: dict[str, float]
    topics: tuple[Topic, ...]
    negators: frozenset[str]
    backchannel_regex: re.Pattern = field(compare=False, repr=False)
    # Intensifiers and hedges ("just", "honestly") phrase rules may also match without.
    hedges: frozenset[str] = frozenset()
    # Per kind, what a card raised by the semantic layer says (label, suggestion) and, when a
    # lead wants it, a threshold that overrides the trained one, or the precision `coach train`
    # aims for when it chooses that kind's threshold.
    semantic: dict[str, dict] = field(default_factory=dict)
    semantic_veto: float | None = None

    def phrase_rules(self) -> tuple[PhraseRule, ...]:
        return tuple(r for r in self.rules if isinstance(r, PhraseRule))

    def first(self, cls: type[Rule]) -> Rule | None:
        """The detector of a given type (overlap, monologue, ...), or None if the pack has none."""
        return next((r for r in self.rules if isinstance(r, cls)), None)

    def is_backchannel(self, normalized: str) -> bool:
        """True for listening noises ("mm hmm", "right", "got it") that take no turn."""
        if not normalized:
            return True  # nothing but fillers ("um", "mm")
        return self.backchannel_regex.fullmatch(padded(normalized)) is not None


def _files(path: Path) -> list[Path]:
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.suffix in (".yaml", ".yml"))
        if not files:
            raise RulePackError(f"Rule pack folder {path} holds no .yaml files.")
        return files
    if not path.exists():
        raise RulePackError(f"Rule pack {path} does not exist.")
    return [path]


def _fail(path: Path, line: int, message: str) -> RulePackError:
    return RulePackError(f"{path} line {line}: {message}.")


def _text_list(doc: LineDict, key: str, path: Path) -> list[tuple[str, int]]:
    value = doc[key]
    if isinstance(value, str):
        return [(value, doc.lines[key])]
    if not isinstance(value, list):
        raise _fail(path, doc.lines[key], f"'{key}' must be a list of texts")
    for v, line in zip(value, value.lines, strict=True):
        if not isinstance(v, str):
            raise _fail(path, line, f"{v!r} under '{key}' must be text (put it in quotes)")
    return list(zip(value, value.lines, strict=True))


def _located(entry: LineDict, key: str) -> list[tuple[str, int]]:
    value = entry[key]
    if isinstance(value, str):
        return [(value, entry.lines[key])]
    return list(zip(value, value.lines, strict=True))


def load_pack(path: str | Path | None = None) -> RulePack:
    """Load and validate a pack (default: resources/rules); raises RulePackError."""
    root = Path(path) if path else DEFAULT_PACK
    docs: list[tuple[Path, LineDict]] = []
    for f in _files(root):
        doc = load_yaml(f)
        if doc is None:
            continue
        if not isinstance(doc, LineDict):
            raise _fail(f, 1, "a rule pack must be a mapping (name, thresholds, rules, ...)")
        for key in doc:
            if key not in _TOP_KEYS:
                raise _fail(f, doc.lines[key], f"unknown section {key!r}")
        docs.append((f, doc))

    # Slots first: phrases anywhere may refer to a slot defined in any file of the pack.
    slot_src: dict[str, list[tuple[str, int, Path]]] = {}
    for f, doc in docs:
        if "slots" in doc:
            slots = doc["slots"]
            if not isinstance(slots, LineDict):
                raise _fail(f, doc.lines["slots"], "'slots' must map names to phrase lists")
            for name in slots:
                slot_src.setdefault(name, []).extend(
                    (p, line, f) for p, line in _text_list(slots, name, f)
                )
    slots: dict[str, str] = {}
    for name, items in slot_src.items():
        parts = []
        for phrase, line, f in items:
            try:
                parts.append(compile_phrase(phrase, slots))
            except GrammarError as exc:
                raise _fail(f, line, str(exc)) from None
        slots[name] = "|".join(parts)

    def compile_list(items: list[tuple[str, int]], f: Path) -> re.Pattern:
        for phrase, line in items:
            try:
                compile_phrase(phrase, slots)
            except GrammarError as exc:
                raise _fail(f, line, str(exc)) from None
        return compile_phrases([p for p, _ in items], slots)

    thresholds: dict[str, float] = {}
    rules: list[Rule] = []
    seen: dict[str, str] = {}
    topics: list[Topic] = []
    negators: set[str] = set()
    hedges: set[str] = set()
    backchannels: list[str] = []
    semantic: dict[str, dict] = {}
    veto: float | None = None
    name = ""
    for f, doc in docs:
        name = name or str(doc.get("name", ""))
        if "semantic" in doc:
            got, got_veto = _semantic_section(doc, f)
            semantic.update(got)
            veto = got_veto if got_veto is not None else veto
        for t_key, t_val in (doc.get("thresholds") or {}).items():
            t_line = doc["thresholds"].lines[t_key]
            if t_key not in THRESHOLD_KEYS:
                raise _fail(f, t_line, f"unknown threshold {t_key!r}")
            if not isinstance(t_val, (int, float)) or isinstance(t_val, bool) or t_val < 0:
                raise _fail(f, t_line, f"threshold {t_key!r} must be a number of zero or more")
            thresholds[t_key] = float(t_val)
        if "hedges" in doc:
            hedges.update(w for w, _ in _text_list(doc, "hedges", f))
        if "negators" in doc:
            negators.update(w for w, _ in _text_list(doc, "negators", f))
        if "backchannels" in doc:
            items = _text_list(doc, "backchannels", f)
            compile_list(items, f)
            backchannels.extend(p for p, _ in items)
        for t_name, t_doc in (doc.get("topics") or {}).items():
            line = doc["topics"].lines[t_name]
            if not isinstance(t_doc, LineDict) or "phrases" not in t_doc or "label" not in t_doc:
                raise _fail(f, line, f"topic {t_name!r} needs a label and phrases")
            regex = compile_list(_text_list(t_doc, "phrases", f), f)
            probing = t_doc.get("probing_questions", False)
            if not isinstance(probing, bool):
                raise _fail(
                    f, t_doc.lines["probing_questions"], "probing_questions must be true or false"
                )
            topics.append(Topic(t_name, str(t_doc["label"]), regex, probing))
        if not doc.get("rules"):
            continue
        entries = doc["rules"]
        if not isinstance(entries, list):
            raise _fail(f, doc.lines["rules"], "'rules' must be a list")
        for entry, line in zip(entries, entries.lines, strict=True):
            where = f"{f} line {line}"
            try:
                rule = build_rule(entry, where)
            except ValueError as exc:
                raise _fail(f, line, str(exc)) from None
            if rule.id in seen:
                raise _fail(f, line, f"rule id {rule.id!r} is already used at {seen[rule.id]}")
            seen[rule.id] = where
            if isinstance(rule, PhraseRule):
                regex = compile_list(_located(entry, "phrases"), f)
                unless = compile_list(_located(entry, "unless"), f) if rule.unless else None
                rule = dataclasses.replace(rule, regex=regex, unless_regex=unless)
            elif getattr(rule, "unless", ()):
                unless = compile_list(_located(entry, "unless"), f)
                rule = dataclasses.replace(rule, unless_regex=unless)
            rules.append(rule)

    last = docs[-1][0] if docs else root
    missing = [k for k in THRESHOLD_KEYS if k not in thresholds]
    if missing:
        raise _fail(last, 1, f"the pack sets no threshold {missing[0]!r}")
    topic_names = {t.name for t in topics}
    for rule in rules:
        for req in getattr(rule, "required", ()):
            if req not in topic_names:
                raise RulePackError(f"{rule.source}: required topic {req!r} is not under 'topics'.")
    if not backchannels:
        raise _fail(last, 1, "the pack lists no backchannels")
    bc = "|".join(f"(?:{compile_phrase(p, slots)})" for p in backchannels)
    bc_regex = re.compile(f" (?:(?:{bc})){{1,3}}")
    return RulePack(
        name=name or root.stem,
        sources=tuple(str(f) for f, _ in docs),
        rules=tuple(rules),
        thresholds=thresholds,
        topics=tuple(topics),
        negators=frozenset(negators),
        hedges=frozenset(hedges),
        backchannel_regex=bc_regex,
        semantic=semantic,
        semantic_veto=veto,
    )


def _semantic_section(doc: LineDict, f: Path) -> tuple[dict[str, dict], float | None]:
    """`semantic:` maps each phrase kind to {label, suggestion, threshold?, target_precision?};
    `veto: P` drops a rule hit the layer scores below P."""
    section = doc["semantic"]
    if not isinstance(section, LineDict):
        raise _fail(f, doc.lines["semantic"], "'semantic' must map kinds to label and suggestion")
    out: dict[str, dict] = {}
    veto = None
    for kind, entry in section.items():
        line = section.lines[kind]
        if kind == "veto":
            if entry is not None and (not isinstance(entry, (int, float)) or not 0 <= entry < 1):
                raise _fail(f, line, "veto must be a probability between 0 and 1, or empty")
            veto = None if entry is None else float(entry)
            continue
        if kind not in SEMANTIC_KINDS:
            raise _fail(f, line, f"unknown kind {kind!r} under 'semantic'")
        if not isinstance(entry, LineDict) or "label" not in entry or "suggestion" not in entry:
            raise _fail(f, line, f"semantic kind {kind!r} needs a label and a suggestion")
        for key in entry:
            if key not in _SEMANTIC_KEYS:
                raise _fail(f, entry.lines[key], f"unknown key {key!r} under {kind!r}")
        threshold = entry.get("threshold")
        if threshold is not None and (
            not isinstance(threshold, (int, float)) or isinstance(threshold, bool)
            or not 0 < threshold <= 1
        ):
            raise _fail(f, entry.lines["threshold"], "threshold must be a number in (0, 1]")
        target = entry.get("target_precision")
        if target is not None and (
            not isinstance(target, (int, float)) or isinstance(target, bool) or not 0 < target <= 1
        ):
            raise _fail(
                f, entry.lines["target_precision"], "target_precision must be a number in (0, 1]"
            )
        out[kind] = {
            "label": str(entry["label"]),
            "suggestion": str(entry["suggestion"]),
            "threshold": None if threshold is None else float(threshold),
            "target_precision": None if target is None else float(target),
        }
    return out, veto
