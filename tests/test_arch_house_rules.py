"""House rules that keep the core headless and the packages apart (STYLE.md 1, DESIGN.md).

softphone/ and coach/ never import each other nor calling/; calling/ (the calling domain,
where the two meet during a call) may import both but never the app layer; none of the
three imports Qt outside a ui/ folder. uikit/ (the Qt helpers the ui/ folders share) imports
nothing of the project and serves only ui/ folders and app/.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORE_PACKAGES = ("softphone", "coach", "calling")
QT_NAMES = ("PySide6", "PyQt5", "PyQt6", "shiboken6")


def _modules(package: str) -> list[Path]:
    return sorted(p for p in (ROOT / package).rglob("*.py") if "__pycache__" not in p.parts)


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_core_never_imports_qt_outside_ui() -> None:
    offenders = [
        f"{p.relative_to(ROOT)} imports {sorted(_imports(p) & set(QT_NAMES))}"
        for pkg in CORE_PACKAGES
        for p in _modules(pkg)
        if "ui" not in p.relative_to(ROOT / pkg).parts and _imports(p) & set(QT_NAMES)
    ]
    assert not offenders, offenders


def test_softphone_and_coach_do_not_import_each_other() -> None:
    offenders = []
    for pkg, other in (("softphone", "coach"), ("coach", "softphone")):
        offenders += [str(p.relative_to(ROOT)) for p in _modules(pkg) if other in _imports(p)]
    assert not offenders, offenders


CALLING_DOMAIN = ("calllists", "calllist_schema", "list_columns", "voicemail", "openers",
                  "calling_hours", "list_import", "dialer_queue", "queue_store",
                  "queue_view", "practice_view", "history")  # fmt: skip


def test_calling_sits_between_the_core_and_the_app() -> None:
    """softphone/ and coach/ never import calling/; calling/ never imports the app layer."""
    offenders = [
        f"{p.relative_to(ROOT)} imports calling"
        for pkg in ("softphone", "coach")
        for p in _modules(pkg)
        if "calling" in _imports(p)
    ]
    offenders += [
        f"{p.relative_to(ROOT)} imports app" for p in _modules("calling") if "app" in _imports(p)
    ]
    assert not offenders, offenders


def _module_imports(path: Path) -> set[str]:
    """Full dotted names a module imports (absolute imports only)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def test_calling_drives_the_engine_only_through_its_client() -> None:
    """calling/ (the queue, practice's simulated prospect, CallSession) reaches the SIP engine
    through EngineClient's commands and events, never its internals (softphone.engine: the
    SIP thread and the pjsua2 objects) nor pjsua2 itself."""
    internals = ("softphone.engine", "pjsua2")
    offenders = [
        f"{p.relative_to(ROOT)} imports {name}"
        for p in _modules("calling")
        for name in sorted(_module_imports(p))
        if name.startswith(internals)
    ]
    assert not offenders, offenders


def test_the_calling_domain_lives_in_calling_not_softphone() -> None:
    """softphone/ is SIP, audio and accounts: call lists, the dialer queue (its store and
    view), voicemail drop, openers, calling hours, practice, the call history (calls and
    contacts) and the list-import dialog are calling/'s."""
    stray = [str(p.relative_to(ROOT)) for p in _modules("softphone") if p.stem in CALLING_DOMAIN]
    assert not stray, stray
    assert not (ROOT / "app" / "practice").exists()  # practice is calling/practice/
    assert (ROOT / "calling" / "practice" / "peer.py").is_file()
    assert all(any(p.stem == name for p in _modules("calling")) for name in CALLING_DOMAIN), (
        CALLING_DOMAIN
    )


# The call history's tables: calling/history.py, history_read.py and history_schema.py (the
# tables, their migrations, the view call_history_v other packages read, the notes index) are
# the only modules that name them in SQL; every other one asks the history's functions (coach/
# through the CallsTable app/ hands in) or reads the view. A foreign key (REFERENCES calls(id))
# is not touching the table.
HISTORY_TABLES = ("calls", "contacts")
_TABLE = r"\s+[\"'`\[]?(?:main\.)?{}\b"
# SQL that changes a table, and sqlite-utils' table methods that do (or read it).
_WRITE_SQL = (
    r"\b(?:INSERT(?:\s+OR\s+\w+)?\s+INTO|REPLACE\s+INTO|UPDATE(?:\s+OR\s+\w+)?|DELETE\s+FROM)"
    + _TABLE
)
# What hangs on a table: CREATE TRIGGER ... ON calls, CREATE INDEX ... ON contacts(...).
_ON_SQL = r"\bON" + _TABLE + r"(?!\s*=)"
_TABLE_API = (
    r"(?:\[\s*[\"']{0}[\"']\s*\]|\.table\(\s*[\"']{0}[\"']\s*\))\s*\.\s*"
    r"(?:insert|upsert|update|delete|add_column|add_foreign_key|create|transform|drop|"
    r"rows|rows_where|get|count|enable_fts|search)\b"
)
# SQL that reads a table. Case-sensitive (the house writes SQL in capitals), so prose such as
# "calls from ..." in a docstring is not taken for SQL.
_READ_SQL = r"\b(?:FROM|JOIN)" + _TABLE


def _writes_to(text: str, tables: tuple[str, ...]) -> list[str]:
    found = []
    for table in tables:
        for pattern in (_WRITE_SQL.format(table), _TABLE_API.format(table)):
            found += [m.group(0) for m in re.finditer(pattern, text, re.IGNORECASE)]
        found += [m.group(0) for m in re.finditer(_ON_SQL.format(table), text)]
    return found


def _reads_from(text: str, tables: tuple[str, ...]) -> list[str]:
    return [m.group(0) for t in tables for m in re.finditer(_READ_SQL.format(t), text)]


def _outside_the_history() -> list[Path]:
    """Every module of the app but the call history's own (tests and benchmarks seed and
    inspect database files; they are not the app)."""
    mods = [p for pkg in (*CORE_PACKAGES, "app", "models", "resources", "uikit", "scripts")
            for p in _modules(pkg)] + [ROOT / "main.py"]  # fmt: skip
    return [p for p in mods if not (p.parent.name == "calling" and p.stem.startswith("history"))]


def test_only_the_call_history_writes_calls_and_contacts() -> None:
    """The calls and contacts tables are the call history's (calling/history*.py): no other
    module inserts, updates or deletes their rows, nor hangs a trigger or an index on them (a
    bundle import asks the history through the functions app/ hands in, CallsTable; a call
    list's contacts are merged by calling.history_merge; notes search is the history's own
    notes_fts, calling.history_schema v5)."""
    assert _writes_to("db.execute('INSERT INTO calls(uuid) VALUES (?)')", HISTORY_TABLES)
    assert _writes_to('"UPDATE contacts SET name = ?"', HISTORY_TABLES)
    assert _writes_to('db["calls"].insert({"uuid": u})', HISTORY_TABLES)
    assert _writes_to('db.table("contacts").rows_where("number = ?")', HISTORY_TABLES)
    assert _writes_to('"CREATE TRIGGER calls_notes_ai AFTER INSERT ON calls WHEN"', ("calls",))
    assert _writes_to('"CREATE INDEX contacts_number ON contacts(number)"', ("contacts",))
    assert not _writes_to('manifest["calls"].append(entry); "SELECT * FROM calls"', ("calls",))
    assert not _writes_to('"JOIN call_history_v c ON c.id = f.call_id", "on calls"', ("calls",))
    offenders = [
        f"{p.relative_to(ROOT)}: {hit}"
        for p in _outside_the_history()
        for hit in _writes_to(p.read_text(encoding="utf-8"), HISTORY_TABLES)
    ]
    assert not offenders, offenders


def test_only_the_call_history_reads_calls_and_contacts_by_name() -> None:
    """Every other module reads calls and contacts through the call history's view
    `call_history_v` (its column contract: calling/history_schema.py's
    CALL_HISTORY_VIEW_COLUMNS) or the history's functions (coach/ gets them from app/ in a
    CallsTable), never by naming the tables in FROM/JOIN: not coach/ (its past migrations
    included), not app/ (the Phone page's rows come from calling.history_read), not the call
    lists."""
    assert _reads_from('"SELECT c.id FROM calls c JOIN contacts ct"', HISTORY_TABLES) == [
        "FROM calls", "JOIN contacts"
    ]  # fmt: skip
    assert _reads_from('"FROM call_history_v c", "Import calls from a bundle"', ("calls",)) == []
    offenders = [
        f"{p.relative_to(ROOT)}: {hit}"
        for p in _outside_the_history()
        for hit in _reads_from(p.read_text(encoding="utf-8"), HISTORY_TABLES)
    ]
    assert not offenders, offenders


def test_every_trigger_and_index_on_the_history_s_tables_is_the_history_s(tmp_path) -> None:
    """On a real file, what hangs on calls and contacts (triggers, indexes) after every
    package's migrations is exactly what the call history's migrations alone make: however
    another package spelled its SQL, it put nothing on the history's tables."""
    from app import db as appdb
    from calling import history_schema

    def hanging(db) -> set[tuple[str, str, str]]:
        return {
            tuple(r)
            for r in db.execute(
                "SELECT type, name, tbl_name FROM sqlite_master WHERE tbl_name IN"
                " ('calls', 'contacts') AND type IN ('trigger', 'index') AND sql IS NOT NULL"
            )
        }

    alone = appdb.connect(tmp_path / "history-alone.db")
    appdb.migrate(alone, upto={m.SCHEMA_NAME: 0 for m in appdb.migration_modules()}
                  | {history_schema.SCHEMA_NAME: len(history_schema.MIGRATIONS)})  # fmt: skip
    everything = appdb.open_database(tmp_path / "callcoach.db")
    history_only = hanging(alone)
    assert ("trigger", "calls_notes_au", "calls") in history_only  # the notes index is its own
    assert ("index", "contacts_number", "contacts") in history_only  # and contacts by number
    assert hanging(everything) == history_only


def test_the_ui_kit_serves_ui_folders_and_app_only() -> None:
    """uikit/ (form helpers shared by the ui/ folders, which may not import each other's
    packages) imports Qt and nothing of the project; outside app/ only ui/ folders use it."""
    project = {*CORE_PACKAGES, "app", "models", "resources", "uikit"}
    offenders = [
        f"{p.relative_to(ROOT)} imports {sorted(_imports(p) & project - {'uikit'})}"
        for p in _modules("uikit")
        if _imports(p) & project - {"uikit"}
    ]
    offenders += [
        f"{p.relative_to(ROOT)} imports uikit outside a ui/ folder"
        for pkg in CORE_PACKAGES
        for p in _modules(pkg)
        if "uikit" in _imports(p) and "ui" not in p.relative_to(ROOT / pkg).parts
    ]
    assert not offenders, offenders
    users = {p.relative_to(ROOT).parts[0] for pkg in CORE_PACKAGES for p in _modules(pkg)
             if "uikit" in _imports(p)}  # fmt: skip
    assert {"softphone", "coach"} <= users  # the settings pages of both share it


def test_every_module_has_a_docstring() -> None:
    missing = []
    for pkg in (*CORE_PACKAGES, "models", "app", "uikit"):
        for p in _modules(pkg):
            tree = ast.parse(p.read_text(encoding="utf-8"))
            if tree.body and ast.get_docstring(tree) is None:
                missing.append(str(p.relative_to(ROOT)))
    assert not missing, missing


def test_importing_the_whole_core_does_not_load_qt() -> None:
    """Import every core module in a fresh interpreter and check Qt never got loaded."""
    mods = []
    for pkg in CORE_PACKAGES:
        for p in _modules(pkg):
            rel = p.relative_to(ROOT).with_suffix("")
            if "ui" in rel.parts or rel.name == "__main__":
                continue
            mods.append(".".join(rel.parts).removesuffix(".__init__"))
    code = (
        "import importlib, sys\n"
        f"for m in {mods!r}:\n"
        "    importlib.import_module(m)\n"
        f"bad = [n for n in sys.modules if n.split('.')[0] in {QT_NAMES!r}]\n"
        "print(bad)\n"
        "sys.exit(1 if bad else 0)\n"
    )
    r = subprocess.run(
        [sys.executable, "-c", code], check=False, cwd=ROOT, capture_output=True, text=True
    )
    assert r.returncode == 0, r.stdout + r.stderr


def test_readme_opens_with_setup_and_test_commands() -> None:
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    head = "\n".join(lines[:8])
    assert "bash scripts/setup.sh && .venv/bin/python main.py" in head
    assert "bash scripts/test.sh" in head
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "scripts/setup.sh" in ci and "scripts/test.sh" in ci
    for script in ("setup.sh", "test.sh", "virtual-headset.sh"):
        assert (ROOT / "scripts" / script).exists()


def test_readme_architecture_names_every_package_and_the_rules() -> None:
    """The README's architecture section draws the layout: every top-level package is in it,
    and so are the import rules this file enforces."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("\n## Architecture\n", 1)[1].split("\n## ", 1)[0]
    packages = sorted(p.parent.name for p in ROOT.glob("*/__init__.py") if p.parent.name != "tests")
    assert {"app", "calling", "coach", "softphone", "uikit"} <= set(packages)
    missing = [name for name in packages if f"\n{name}/" not in section]
    assert not missing, missing
    assert "tests/test_arch_house_rules.py" in section
    # every module path the section names exists (a move that forgets the README fails here)
    stale = [m for m in re.findall(r"\b((?:\w+/)+\w+\.py)\b", section) if not (ROOT / m).exists()]
    assert not stale, stale


# `x._name` accesses that are not reaching into another class of ours, each with its reason.
_PRIVATE_ACCESS_ALLOWED = {
    "argparse._SubParsersAction",  # the type add_subparsers() returns; argparse names no other
    "os._exit",  # documented os API: leave a forked engine without running the parent's atexit
    "sd._terminate",  # sounddevice documents _terminate/_initialize as the way to rescan
    "sd._initialize",  # PortAudio's device list (a headset plugged in after start)
    "pjsua2._pjsua2",  # the SWIG extension module itself, loaded with ctypes for C symbols
    "feature._mod_uses_pyside",  # PySide6's import hook has no public switch (app/qt_sources.py)
}
_PRIVATE_ACCESS_PACKAGES = ("app", "calling", "coach", "softphone", "models", "uikit")


_BY_NAME = ("getattr", "setattr", "hasattr", "delattr")  # builtins that take a member's name


def _own(v: ast.expr, module_private: set[str]) -> bool:
    """Is `v` the object itself (self, cls, super()) or a module-level `_name` of this module?"""
    if isinstance(v, ast.Name):
        return v.id in ("self", "cls") or v.id in module_private
    return isinstance(v, ast.Call) and isinstance(v.func, ast.Name) and v.func.id == "super"


def _private(name: object) -> bool:
    return (
        isinstance(name, str)
        and name.startswith("_")
        and not (name.startswith("__") and name.endswith("__"))
    )


def _reached(node: ast.AST) -> tuple[ast.expr, str] | None:
    """(object, private name) when `node` reaches a private member by any spelling: `o._x`,
    `getattr(o, "_x")` (also setattr/hasattr/delattr), `o.__dict__["_x"]`, `vars(o)["_x"]`,
    `o.__dict__.get("_x")`."""
    if isinstance(node, ast.Attribute) and _private(node.attr):
        return node.value, node.attr
    if isinstance(node, ast.Call) and len(node.args) >= 2:
        f, name = node.func, node.args[1]
        if isinstance(f, ast.Name) and f.id in _BY_NAME and isinstance(name, ast.Constant):
            return (node.args[0], name.value) if _private(name.value) else None
    if isinstance(node, ast.Call) and len(node.args) >= 1:  # o.__dict__.get("_x") / .pop / ...
        f, name = node.func, node.args[0]
        if (
            isinstance(f, ast.Attribute)
            and isinstance(f.value, ast.Attribute)
            and f.value.attr == "__dict__"
            and isinstance(name, ast.Constant)
            and _private(name.value)
        ):
            return f.value.value, name.value
    if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant):
        if not _private(node.slice.value):
            return None
        v = node.value
        if isinstance(v, ast.Attribute) and v.attr == "__dict__":
            return v.value, node.slice.value
        if isinstance(v, ast.Call) and isinstance(v.func, ast.Name) and v.func.id == "vars":
            return (v.args[0], node.slice.value) if v.args else None
    return None


def _private_accesses(source: str) -> list[tuple[int, str]]:
    """Private members (`_name`) of another object reached in `source`, by attribute or by
    name (see `_reached`), where the object is not self, cls, super() nor a module-level
    `_name` of the same module (dunders are not private members)."""
    tree = ast.parse(source)
    module_private = {
        t.id
        for node in tree.body
        if isinstance(node, (ast.Assign, ast.AnnAssign))
        for t in (node.targets if isinstance(node, ast.Assign) else [node.target])
        if isinstance(t, ast.Name) and t.id.startswith("_")
    } | {
        node.name
        for node in tree.body
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and node.name.startswith("_")
    }
    found = []
    for node in ast.walk(tree):
        reached = _reached(node)
        if reached is None or _own(reached[0], module_private):
            continue
        text = f"{ast.unparse(reached[0])}.{reached[1]}"
        if text not in _PRIVATE_ACCESS_ALLOWED:
            found.append((node.lineno, node.col_offset, text))
    return [(line, text) for line, _, text in sorted(found)]


def test_no_private_member_of_another_object_is_touched() -> None:
    """A class's `_members` are its own: other code goes through its public methods (issue 12:
    the first-run wiring called the settings wiring's _download, voicemail queued raw engine
    requests through client._request), by attribute or by name (getattr/setattr/hasattr/
    delattr with a constant name, `__dict__`, `vars()`). tests/ are exempt."""
    probe = (
        "class A:\n    def f(self, o):\n        return self._a, o._b, super()._c, _M._d\n_M = 1\n"
    )
    assert _private_accesses(probe) == [(3, "o._b")]
    assert _private_accesses("import os\nos.__name__, os._exit\n") == []
    by_name = (
        "def f(o, n):\n"
        "    getattr(o, '_a'), getattr(o, '_b', None), hasattr(o, '_c'), delattr(o, '_d')\n"
        "    setattr(o, '_e', 1)\n"
        "    o.__dict__['_f'] = 2\n"
        "    vars(o)['_g'], o.__dict__.get('_h')\n"
        "    getattr(o, 'public'), getattr(o, n), getattr(o, '__doc__'), o.__dict__['x']\n"
        "class B:\n"
        "    def g(self):\n"
        "        return getattr(self, '_i'), self.__dict__['_j'], vars(self)['_k']\n"
    )
    assert _private_accesses(by_name) == [
        (2, "o._a"), (2, "o._b"), (2, "o._c"), (2, "o._d"), (3, "o._e"), (4, "o._f"),
        (5, "o._g"), (5, "o._h"),
    ]  # fmt: skip
    offenders = [
        f"{p.relative_to(ROOT)}:{line}: {text}"
        for pkg in _PRIVATE_ACCESS_PACKAGES
        for p in _modules(pkg)
        for line, text in _private_accesses(p.read_text(encoding="utf-8"))
    ]
    assert not offenders, offenders
