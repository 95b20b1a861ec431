"""Suggested openers for the dialing queue, built from a lead's last action and its date.

The phrasing is data (resources/calling/openers.yaml) so a team lead can change it; this
module only fills it in: "Hi Dana, I saw you downloaded our white paper on mobile device
management on Tuesday." An opener never says "you reached out" (the file's `forbidden` list).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

import yaml

import resources

OPENERS_FILE = resources.path("calling", "openers.yaml")
_REQUIRED = ("with_action", "without_action", "without_company", "when", "rewrites", "forbidden")


class OpenerError(ValueError):
    """The openers file is unusable; the message names the file and what is wrong."""


@dataclass(frozen=True)
class OpenerPhrases:
    with_action: str
    without_action: str
    without_company: str
    when: dict[str, str]
    rewrites: tuple[tuple[re.Pattern, str], ...]
    forbidden: tuple[str, ...]


@lru_cache(maxsize=4)
def load_phrases(path: str | Path = OPENERS_FILE) -> OpenerPhrases:
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as e:
        raise OpenerError(f"The openers file {path} could not be read: {e}") from None
    if not isinstance(data, dict):
        raise OpenerError(f"The openers file {path} must be a mapping of phrases.")
    missing = [k for k in _REQUIRED if k not in data]
    if missing:
        raise OpenerError(f"The openers file {path} lacks: {', '.join(missing)}.")
    rewrites = []
    for i, rule in enumerate(data["rewrites"] or [], 1):
        try:
            rewrites.append((re.compile(rule["match"], re.IGNORECASE), str(rule["to"])))
        except (KeyError, TypeError, re.error) as e:
            raise OpenerError(f"The openers file {path}, rewrite {i}, is invalid: {e}.") from None
    return OpenerPhrases(
        str(data["with_action"]),
        str(data["without_action"]),
        str(data["without_company"]),
        {str(k): str(v) for k, v in data["when"].items()},
        tuple(rewrites),
        tuple(str(f).lower() for f in data["forbidden"] or ()),
    )


def when_phrase(action_date: str, today: date, phrases: OpenerPhrases) -> str:
    """'yesterday', 'on Tuesday', 'on March 3' — or 'recently' for a date it cannot read."""
    try:
        d = date.fromisoformat(action_date)
    except (TypeError, ValueError):
        return phrases.when["unknown"]
    days = (today - d).days
    if days < 0:
        return phrases.when["unknown"]
    if days == 0:
        return phrases.when["today"]
    if days == 1:
        return phrases.when["yesterday"]
    if days < 7:
        return phrases.when["this_week"].format(weekday=d.strftime("%A"))
    return phrases.when["older"].format(month=d.strftime("%B"), day=d.day)


def action_phrase(action: str, phrases: OpenerPhrases) -> str:
    text = " ".join(action.strip().rstrip(".").split())
    if not text:
        return ""
    text = text[0].lower() + text[1:]
    for pattern, to in phrases.rewrites:
        text = pattern.sub(to, text)
    return " ".join(text.split())


def suggest_opener(
    name: str,
    company: str = "",
    last_action: str = "",
    last_action_date: str = "",
    *,
    today: date | None = None,
    phrases: OpenerPhrases | None = None,
) -> str:
    """The opener the contact card suggests."""
    phrases = phrases or load_phrases()
    today = today or date.today()
    first = (name.split() or ["there"])[0]
    action = action_phrase(last_action, phrases)
    if action:
        text = phrases.with_action.format(
            first_name=first,
            name=name,
            company=company,
            action=action,
            when=when_phrase(last_action_date, today, phrases),
        )
        if not any(f in text.lower() for f in phrases.forbidden):
            return text
    template = phrases.without_action if company else phrases.without_company
    return template.format(first_name=first, name=name, company=company, action="", when="")
