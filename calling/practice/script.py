"""Practice scripts: the simulated prospect's lines and how it branches on what it hears.

A script is YAML (resources/practice/*.yaml):

    title: The prospect who never reached out
    prospect: {name: Jordan Lee, company: Northwind, voice: slt}
    start: hello
    nodes:
      hello:
        say: "Jordan Lee speaking."
        listen: 10                  # seconds to wait for the rep (default 10)
        branches:
          - if_any: ["reached out", "you contacted us"]
            goto: never_reached_out
        default: who_is_this        # nothing matched (or silence)
      never_reached_out:
        say: "I never reached out to you. I downloaded one paper."
        end: true                   # say this, then hang up

Loading validates everything and names the file, line and reason on the first error.
`Dialogue` walks the nodes: `next(heard_text)` returns the node to speak next.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

import resources

SCRIPTS_DIR = resources.path("practice")
VOICES = ("slt", "awb", "rms", "kal16", "kal")
_TOP = {"title", "prospect", "start", "nodes", "description"}
_NODE = {"say", "listen", "branches", "default", "end"}


class ScriptError(ValueError):
    """'file:line: reason' for a script that cannot be used."""


@dataclass(frozen=True)
class Branch:
    phrases: tuple[str, ...]
    goto: str


@dataclass(frozen=True)
class Node:
    name: str
    say: str
    listen: float = 10.0
    branches: tuple[Branch, ...] = ()
    default: str | None = None
    end: bool = False


@dataclass(frozen=True)
class Script:
    path: Path
    title: str
    prospect_name: str
    company: str
    voice: str
    start: str
    nodes: dict[str, Node] = field(default_factory=dict)


def _words(text: str) -> str:
    return " " + " ".join(re.findall(r"[a-z0-9']+", text.lower())) + " "


def matches(phrase: str, heard: str) -> bool:
    """Whole-word phrase match, ignoring case and punctuation."""
    return _words(phrase) in _words(heard)


def load_script(path: str | Path) -> Script:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise ScriptError(f"{path}: the script could not be read ({e}).") from None
    try:
        root = yaml.compose(text)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        line = mark.line + 1 if mark else 1
        raise ScriptError(f"{path}:{line}: not valid YAML ({getattr(e, 'problem', e)}).") from None

    def fail(node: yaml.Node | None, reason: str) -> ScriptError:
        line = node.start_mark.line + 1 if node is not None else 1
        return ScriptError(f"{path}:{line}: {reason}")

    def mapping(node: yaml.Node | None, what: str) -> dict[str, tuple[yaml.Node, yaml.Node]]:
        if not isinstance(node, yaml.MappingNode):
            raise fail(node, f"{what} must be a mapping of keys to values.")
        return {k.value: (k, v) for k, v in node.value}

    def scalar(node: yaml.Node, what: str) -> str:
        if not isinstance(node, yaml.ScalarNode) or not str(node.value).strip():
            raise fail(node, f"{what} must be a non-empty text.")
        return str(node.value).strip()

    top = mapping(root, "The script")
    for key, (knode, _) in top.items():
        if key not in _TOP:
            raise fail(knode, f"unknown key {key!r} (expected one of {', '.join(sorted(_TOP))}).")
    for key in ("title", "start", "nodes", "prospect"):
        if key not in top:
            raise fail(root, f"the script needs a {key!r} entry.")
    prospect = mapping(top["prospect"][1], "prospect")
    if "name" not in prospect:
        raise fail(top["prospect"][1], "prospect needs a 'name'.")
    voice = scalar(prospect["voice"][1], "voice") if "voice" in prospect else "slt"
    if voice not in VOICES:
        raise fail(prospect["voice"][1], f"unknown voice {voice!r} (one of {', '.join(VOICES)}).")
    raw_nodes = mapping(top["nodes"][1], "nodes")
    nodes: dict[str, Node] = {}
    gotos: list[tuple[yaml.Node, str]] = []
    for name, (knode, vnode) in raw_nodes.items():
        entries = mapping(vnode, f"node {name!r}")
        for key, (k, _) in entries.items():
            if key not in _NODE:
                raise fail(k, f"node {name!r} has an unknown key {key!r}.")
        if "say" not in entries:
            raise fail(knode, f"node {name!r} has nothing to say (add 'say').")
        end = "end" in entries and str(entries["end"][1].value).lower() == "true"
        listen = 10.0
        if "listen" in entries:
            try:
                listen = float(entries["listen"][1].value)
            except (TypeError, ValueError):
                raise fail(entries["listen"][1], "listen must be a number of seconds.") from None
            if not 1 <= listen <= 120:
                raise fail(entries["listen"][1], "listen must be between 1 and 120 seconds.")
        branches = []
        if "branches" in entries:
            bnode = entries["branches"][1]
            if not isinstance(bnode, yaml.SequenceNode):
                raise fail(bnode, f"branches of node {name!r} must be a list.")
            for item in bnode.value:
                b = mapping(item, "a branch")
                if "if_any" not in b or "goto" not in b:
                    raise fail(item, "a branch needs 'if_any' (phrases) and 'goto' (a node).")
                pnode = b["if_any"][1]
                if not isinstance(pnode, yaml.SequenceNode) or not pnode.value:
                    raise fail(pnode, "if_any must be a list of phrases.")
                phrases = tuple(scalar(p, "a phrase").lower() for p in pnode.value)
                target = scalar(b["goto"][1], "goto")
                gotos.append((b["goto"][1], target))
                branches.append(Branch(phrases, target))
        default = None
        if "default" in entries:
            default = scalar(entries["default"][1], "default")
            gotos.append((entries["default"][1], default))
        if end and (branches or default):
            raise fail(knode, f"node {name!r} ends the call, so it cannot branch.")
        if not end and default is None:
            raise fail(knode, f"node {name!r} needs a 'default' (or 'end: true').")
        nodes[name] = Node(
            name, scalar(entries["say"][1], "say"), listen, tuple(branches), default, end
        )
    for node, target in gotos:
        if target not in nodes:
            raise fail(node, f"there is no node named {target!r}.")
    start = scalar(top["start"][1], "start")
    if start not in nodes:
        raise fail(top["start"][1], f"start names {start!r}, which is not a node.")
    return Script(
        path,
        scalar(top["title"][1], "title"),
        scalar(prospect["name"][1], "name"),
        scalar(prospect["company"][1], "company") if "company" in prospect else "",
        voice,
        start,
        nodes,
    )


def find_script(ref: str) -> Path:
    """A script by path or by name in resources/practice."""
    p = Path(ref)
    if p.is_file():
        return p
    for cand in (SCRIPTS_DIR / ref, SCRIPTS_DIR / f"{ref}.yaml"):
        if cand.is_file():
            return cand
    names = ", ".join(sorted(s.stem for s in SCRIPTS_DIR.glob("*.yaml")))
    raise ScriptError(f"There is no practice script {ref!r} (available: {names}).")


class Dialogue:
    """Where the simulated prospect is in its script."""

    def __init__(self, script: Script) -> None:
        self.script = script
        self.node = script.nodes[script.start]
        self.path = [self.node.name]

    def next(self, heard: str) -> Node:
        """Move on from the current node given what the rep said ("" = silence)."""
        target = self.node.default
        for b in self.node.branches:
            if any(matches(p, heard) for p in b.phrases):
                target = b.goto
                break
        self.node = self.script.nodes[target]
        self.path.append(self.node.name)
        return self.node
