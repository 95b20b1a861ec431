"""`callcoach desktop install|remove` for pipx users: the desktop entry, icon and metadata in
the XDG data folder and the tel:/sip: handler in mimeapps.list, read back with gio as a
desktop reads them; a second install writes nothing, remove keeps every other line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from app.desktop_install import desktop_entry, set_handlers
from tests.needs import need_tool

ROOT = Path(__file__).resolve().parent.parent
OTHER = "[Default Applications]\ntext/html=firefox.desktop\n\n[Added Associations]\nimage/png=eog.desktop\n"


@pytest.fixture
def xdg(tmp_path: Path) -> dict:
    env = dict(os.environ, XDG_DATA_HOME=str(tmp_path / "data"),
               XDG_CONFIG_HOME=str(tmp_path / "config"))  # fmt: skip
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "mimeapps.list").write_text(OTHER)
    return env


def _run(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "main.py", "desktop", *args], check=False, cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=60)  # fmt: skip


def test_install_registers_the_handler_once_and_remove_undoes_it(xdg: dict) -> None:
    need_tool("gio")
    data, config = Path(xdg["XDG_DATA_HOME"]), Path(xdg["XDG_CONFIG_HOME"])
    first = _run(xdg, "install")
    assert first.returncode == 0, first.stderr
    entry = (data / "applications" / "callcoach.desktop").read_text()
    assert f"Exec={sys.executable} {ROOT / 'main.py'} %u" in entry  # this checkout, absolute
    assert f"TryExec={sys.executable}\n" in entry and "x-scheme-handler/tel;" in entry
    assert (data / "icons/hicolor/scalable/apps/callcoach.svg").stat().st_size > 100
    assert (data / "metainfo/callcoach.metainfo.xml").exists()
    for scheme in ("tel", "sip", "sips", "callto"):
        gio = subprocess.run(["gio", "mime", f"x-scheme-handler/{scheme}"], check=False,
                             env=xdg, capture_output=True, text=True, timeout=30)  # fmt: skip
        assert "Default application" in gio.stdout and "callcoach.desktop" in gio.stdout, gio
    mimeapps = (config / "mimeapps.list").read_text()
    assert "text/html=firefox.desktop" in mimeapps and "image/png=eog.desktop" in mimeapps
    again = _run(xdg, "install")  # already there: nothing written
    assert again.returncode == 0
    assert [ln.split(":")[0] for ln in again.stdout.splitlines()] == [
        "already there", "already there", "already there", "already the tel"]  # fmt: skip
    gone = _run(xdg, "remove")
    assert gone.returncode == 0 and "removed:" in gone.stdout
    assert not (data / "applications" / "callcoach.desktop").exists()
    assert (config / "mimeapps.list").read_text() == OTHER  # every other line kept


def test_dry_run_writes_nothing(xdg: dict) -> None:
    r = _run(xdg, "install", "--dry-run")
    assert r.returncode == 0 and r.stdout.count("would ") == 4
    assert not Path(xdg["XDG_DATA_HOME"]).exists()
    assert (Path(xdg["XDG_CONFIG_HOME"]) / "mimeapps.list").read_text() == OTHER


def test_exec_quotes_paths_with_spaces() -> None:
    entry = desktop_entry(["/opt/Call Coach/callcoach"])
    assert 'Exec="/opt/Call Coach/callcoach" %u' in entry
    assert "TryExec=/opt/Call Coach/callcoach" in entry


def test_handlers_are_added_to_an_existing_section_and_are_stable() -> None:
    once = set_handlers(OTHER)
    head = once.split("[Added Associations]")[0]
    assert "text/html=firefox.desktop" in head and "x-scheme-handler/sip=callcoach.desktop" in head
    assert set_handlers(once) == once
    assert set_handlers(once, remove=True) == OTHER
    assert set_handlers("").startswith("[Default Applications]\n")
