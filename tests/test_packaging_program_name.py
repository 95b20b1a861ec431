"""Sentences that tell the user what to run name the program as they started it: `callcoach`
installed, `python main.py` in a checkout (models/program.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from models.program import command, program_name

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    ("argv0", "name"),
    [("main.py", "python main.py"), ("/home/rep/callcoach/main.py", "python main.py"),
     ("/home/rep/.local/bin/callcoach", "callcoach"), ("callcoach-gui", "callcoach-gui"),
     (r"C:\Apps\callcoach\callcoach.exe", "callcoach"), ("", "callcoach"),
     ("/usr/lib/python3/site-packages/pytest/__main__.py", "callcoach"), ("-c", "callcoach")],
)  # fmt: skip
def test_program_name(argv0: str, name: str) -> None:
    if "\\" in argv0 and os.sep != "\\":
        argv0 = argv0.replace("\\", "/")
    assert program_name(argv0) == name


def test_command_quotes_the_program_and_its_arguments(monkeypatch) -> None:
    monkeypatch.setattr(sys, "argv", ["/opt/bin/callcoach", "models", "list"])
    assert command("models list") == "`callcoach models list`"


def test_a_checkout_says_python_main_py(tmp_path: Path) -> None:
    env = dict(os.environ, CALLCOACH_MODELS_DIR=str(tmp_path), CALLCOACH_CONFIG_DIR=str(tmp_path))
    env.pop("CALLCOACH_MODEL", None)
    r = subprocess.run([sys.executable, "main.py", "models", "install", "no-such-model"], check=False,
                       cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)  # fmt: skip
    assert r.returncode != 0 and "Traceback" not in r.stderr
    assert "see `python main.py models list`." in r.stderr
    r = subprocess.run([sys.executable, "main.py", "--help"], check=False, cwd=ROOT, env=env,
                       capture_output=True, text=True, timeout=60)  # fmt: skip
    assert r.stdout.startswith("usage: python main.py")


def test_no_core_sentence_hardcodes_the_checkout_command() -> None:
    """Docstrings may describe the checkout; strings a user reads must use models.program."""
    import ast

    offenders = []
    for pkg in ("app", "calling", "coach", "models", "softphone"):
        for path in (ROOT / pkg).rglob("*.py"):
            if "semantic" in path.parts:  # coach/semantic: see the report (not this change)
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"))
            docs = {id(n.body[0].value) for n in ast.walk(tree)
                    if isinstance(n, (ast.Module, ast.FunctionDef, ast.ClassDef,
                                      ast.AsyncFunctionDef))
                    and n.body and isinstance(n.body[0], ast.Expr)
                    and isinstance(n.body[0].value, ast.Constant)}  # fmt: skip
            for node in ast.walk(tree):
                if (isinstance(node, ast.Constant) and isinstance(node.value, str)
                        and "python main.py" in node.value and id(node) not in docs
                        and path.name != "program.py"):  # fmt: skip
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert offenders == []
