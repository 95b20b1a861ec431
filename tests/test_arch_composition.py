"""Parts are composed, not mixed in (issue 12): a class reads only the fields it sets or
declares itself. A "mixin" whose methods use `self.engine`, `self.bridge`, ... that only its
host class's __init__ sets hides who owns the state: two classes then write one object's
fields, and neither reads as one idea. Services holds an EngineService and a CoachService, the
call controller holds a CallView, the dialer queue holds its QueueMachine; each part is handed
what it needs.

The check is narrow on purpose: a class with no base classes (a base may legitimately provide
fields, e.g. Qt's) must set (`self.x = ...`), declare (`x: T` in its body) or define every
`self.x` it reads.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("app", "calling", "coach", "softphone", "models", "uikit")


def _own_names(cls: ast.ClassDef) -> set[str]:
    """What a class sets, declares or defines for itself."""
    names: set[str] = set()
    for node in cls.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names.update(n.id for t in node.targets for n in ast.walk(t) if isinstance(n, ast.Name))
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
    for n in ast.walk(cls):
        if (
            isinstance(n, ast.Attribute)
            and isinstance(n.value, ast.Name)
            and n.value.id == "self"
            and isinstance(n.ctx, (ast.Store, ast.Del))
        ):
            names.add(n.attr)
    return names


def _borrowed_fields(source: str) -> dict[str, list[tuple[int, str]]]:
    """Base-less classes in `source` -> the (line, name) of each `self.name` read that the
    class neither sets, declares nor defines (dunders aside)."""
    out: dict[str, list[tuple[int, str]]] = {}
    for cls in ast.walk(ast.parse(source)):
        if not isinstance(cls, ast.ClassDef) or cls.bases or cls.keywords:
            continue
        own = _own_names(cls)
        reads = [
            (n.lineno, n.attr)
            for n in ast.walk(cls)
            if isinstance(n, ast.Attribute)
            and isinstance(n.value, ast.Name)
            and n.value.id == "self"
            and isinstance(n.ctx, ast.Load)
            and n.attr not in own
            and not (n.attr.startswith("__") and n.attr.endswith("__"))
        ]
        if reads:
            out[cls.name] = sorted(reads)
    return out


def test_the_check_finds_a_mixin_and_passes_a_composed_part() -> None:
    mixin = (
        "class EngineParts:\n"
        "    def restart(self):\n"
        "        if self.engine is not None:\n"
        "            return self.restarts, self.engine\n"
    )
    assert _borrowed_fields(mixin) == {
        "EngineParts": [(3, "engine"), (4, "engine"), (4, "restarts")]
    }
    composed = (
        "class EngineService:\n"
        "    limit: int\n"
        "    def __init__(self, bridge):\n"
        "        self.bridge, self.engine = bridge, None\n"
        "    def restart(self):\n"
        "        return self.engine, self.bridge, self.limit, self.restart, self.__class__\n"
        "class Window(QObject):\n"
        "    def f(self):\n"
        "        return self.parent()\n"
    )
    assert _borrowed_fields(composed) == {}


def test_no_class_reads_fields_another_class_sets() -> None:
    found = {
        f"{p.relative_to(ROOT)}:{name}": reads
        for pkg in PACKAGES
        for p in sorted((ROOT / pkg).rglob("*.py"))
        if "__pycache__" not in p.parts
        for name, reads in _borrowed_fields(p.read_text(encoding="utf-8")).items()
    }
    assert not found, found
