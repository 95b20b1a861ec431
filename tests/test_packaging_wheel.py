"""The wheel: build it from a copy of the checkout, install it into a fresh venv outside the
checkout and run the installed `callcoach` from another folder: --help, analyze, models list,
a headless call to a second installed engine, and the window (offscreen) (issue 14).

The fresh venv gets its dependencies from .venv's site-packages through a .pth line (its own
site-packages comes first, so every project module is the installed one, never the
checkout's); installing PySide6 and friends again would take minutes.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import site
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
COPY_IGNORE = shutil.ignore_patterns(".venv", ".git", "tests", "benchmarks", "__pycache__",
                                     "*.egg-info", "build", "out", ".*_cache", "dist")  # fmt: skip


class Installed:
    def __init__(self, base: Path, wheel: Path, venv: Path) -> None:
        self.base, self.wheel, self.venv = base, wheel, venv
        self.bin = venv / "bin"
        self.cwd = base / "elsewhere"
        self.cwd.mkdir(exist_ok=True)
        self.env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
        self.env.update(CALLCOACH_CONFIG_DIR=str(base / "config"),
                        CALLCOACH_DATA_DIR=str(base / "data"))  # fmt: skip

    def run(self, *args: str, timeout: float = 60, **env: str) -> subprocess.CompletedProcess:
        return subprocess.run([str(self.bin / args[0]), *args[1:]], cwd=self.cwd,
                              env=dict(self.env, **env), capture_output=True, text=True,
                              timeout=timeout, check=False)  # fmt: skip

    def popen(self, *args: str, **env: str) -> subprocess.Popen:
        return subprocess.Popen([str(self.bin / args[0]), *args[1:]], cwd=self.cwd,
                                env=dict(self.env, **env), stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)  # fmt: skip


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Installed:
    base = tmp_path_factory.mktemp("wheel")
    src, dist, venv = base / "src", base / "dist", base / "venv"
    shutil.copytree(ROOT, src, ignore=COPY_IGNORE)  # the build writes build/ and egg-info
    r = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(dist),
                        str(src)], capture_output=True, text=True, timeout=300, check=False)  # fmt: skip
    assert r.returncode == 0, r.stdout + r.stderr
    assert "deprecat" not in (r.stdout + r.stderr).lower(), r.stdout + r.stderr
    (wheel,) = dist.glob("callcoach-*.whl")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True,
                   timeout=60)  # fmt: skip
    (own,) = venv.glob("lib/python3*/site-packages")
    (own / "_callcoach_test_deps.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    r = subprocess.run([sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python"),
                        "install", "--no-deps", "-q", str(wheel)], capture_output=True, text=True,
                       timeout=120, check=False)  # fmt: skip
    assert r.returncode == 0, r.stdout + r.stderr
    return Installed(base, wheel, venv)


def test_wheel_carries_the_packages_and_every_resource(installed: Installed) -> None:
    names = set(zipfile.ZipFile(installed.wheel).namelist())
    data = [p.relative_to(ROOT).as_posix() for p in (ROOT / "resources").rglob("*")
            if p.is_file() and "__pycache__" not in p.parts]  # fmt: skip
    assert "resources/rules/semantic_layer.npz" in data
    missing = [d for d in data if d not in names]
    assert not missing, missing
    assert {"models/catalog.json", "app/entry.py", "softphone/engine/__main__.py"} <= names
    assert not any(n.startswith(("tests/", "benchmarks/", "scripts/")) for n in names)
    meta = (
        zipfile.ZipFile(installed.wheel)
        .read(next(n for n in names if n.endswith(".dist-info/METADATA")))
        .decode()
    )
    assert "License-Expression: LicenseRef-Proprietary" in meta


def test_installed_modules_and_data_come_from_the_venv(installed: Installed) -> None:
    code = (
        "import app.entry, coach, softphone, models.catalog, resources\n"
        "from coach.rules.pack import DEFAULT_PACK, load_pack\n"
        "from coach.semantic.layer import SHIPPED_LAYER\n"
        "from calling.practice.script import SCRIPTS_DIR\n"
        "from calling.openers import load_phrases\n"
        "load_pack(); load_phrases()\n"
        "assert SHIPPED_LAYER.is_file() and list(SCRIPTS_DIR.glob('*.yaml'))\n"
        "assert models.catalog.CATALOG_PATH.is_file()\n"
        "print('\\n'.join(str(m.__file__) for m in (app.entry, coach, softphone, resources)))\n"
    )
    r = installed.run("python", "-c", code)
    assert r.returncode == 0, r.stderr
    for line in r.stdout.split():
        assert Path(line).is_relative_to(installed.venv) and not Path(line).is_relative_to(ROOT)


def test_callcoach_help_and_the_gui_script(installed: Installed) -> None:
    r = installed.run("callcoach", "--help")
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("usage: callcoach") and "analyze" in r.stdout
    r = installed.run("callcoach-gui", "--help")
    assert r.returncode == 0 and "usage: callcoach-gui" in r.stdout, r.stderr


def test_callcoach_analyze_flags_a_corpus_call(installed: Installed) -> None:
    r = installed.run("callcoach", "analyze", str(ROOT / "tests" / "corpus" / "02_vague_opener.json"),
                      "--json")  # fmt: skip
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    kinds = {f["kind"] for f in out["flags"]}
    assert "vague_language" in kinds, out["flags"]
    assert all(f["suggestion"] for f in out["flags"] if f["kind"] == "vague_language")
    assert out["utterances"] and out["metrics"]


def test_callcoach_models_list_reads_the_installed_catalog(installed: Installed) -> None:
    r = installed.run("callcoach", "models", "list")
    assert r.returncode == 0, r.stderr
    assert "vosk-model-small-en-us-0.15" in r.stdout


def test_callcoach_desktop_install_points_the_entry_at_the_installed_command(
    installed: Installed,
) -> None:
    data, config = installed.base / "xdg-data", installed.base / "xdg-config"
    r = installed.run("callcoach", "desktop", "install", XDG_DATA_HOME=str(data),
                      XDG_CONFIG_HOME=str(config))  # fmt: skip
    assert r.returncode == 0, r.stderr
    entry = (data / "applications" / "callcoach.desktop").read_text()
    exe = (installed.bin / "callcoach").resolve()
    assert f"Exec={exe} %u" in entry and f"TryExec={exe}" in entry
    assert "x-scheme-handler/tel=callcoach.desktop" in (config / "mimeapps.list").read_text()
    assert "callcoach models list" in installed.run("callcoach", "models", "install", "nope").stderr


@pytest.mark.sip
def test_callcoach_calls_a_second_installed_engine(installed: Installed) -> None:
    far = installed.popen("callcoach", "answer", "--port", "0", "--bind", "127.0.0.1",
                          "--seconds", "5", "--wait", "60")  # fmt: skip
    try:
        port = re.search(r"127\.0\.0\.1:(\d+)", far.stdout.readline()).group(1)
        r = installed.run("callcoach", "call", f"sip:far@127.0.0.1:{port}", "--bind", "127.0.0.1",
                          "--seconds", "1", "--json", timeout=60)  # fmt: skip
        assert r.returncode == 0, r.stderr
        outcome = json.loads(r.stdout.strip().splitlines()[-1])
        assert outcome["connected"] and outcome["seconds"] >= 0.9, outcome
        assert far.wait(30) == 0, far.stderr.read()
    finally:
        if far.poll() is None:
            far.kill()
            far.wait()


@pytest.mark.ui
def test_callcoach_opens_the_window(installed: Installed, monkeypatch) -> None:
    """The installed window starts (offscreen), listens for tel:/sip: hand-overs and stops
    in order on SIGTERM."""
    from app.desktop import hand_over  # the checkout's copy: same config dir, same socket name

    monkeypatch.setenv("CALLCOACH_CONFIG_DIR", installed.env["CALLCOACH_CONFIG_DIR"])
    app = installed.popen("callcoach", "-v", QT_QPA_PLATFORM="offscreen")
    try:
        deadline = time.monotonic() + 30
        while not hand_over("", 200):
            assert app.poll() is None, app.stderr.read()
            assert time.monotonic() < deadline, "the installed window never listened"
            time.sleep(0.2)
        app.send_signal(signal.SIGTERM)
        assert app.wait(30) == 0
        err = app.stderr.read()
        assert "Traceback" not in err and "still running after shutdown" not in err, err
    finally:
        if app.poll() is None:
            app.kill()
            app.wait()
