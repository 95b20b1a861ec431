"""CI never turns green by skipping: a test whose tool is missing (tests/needs.py) is skipped
on a developer's machine but FAILS when CI=true; and scripts/setup.sh installs every tool the
suite names."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

TINY = """
import pytest
from tests.needs import need_tool, needs

@needs("callcoach-no-such-tool")
def test_uses_the_tool():
    pass

def test_imperative():
    need_tool("callcoach-no-such-tool-2")
"""


def _run_tiny(tmp_path: Path, ci: str | None) -> subprocess.CompletedProcess:
    (tmp_path / "test_tiny.py").write_text(TINY)
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    if ci is not None:
        env["CI"] = ci
    env["PYTHONPATH"] = str(ROOT)
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rA", "-p", "tests.conftest", "-p",
         "no:cacheprovider", "--rootdir", str(tmp_path), str(tmp_path / "test_tiny.py")],
        check=False, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def test_a_missing_tool_fails_under_ci(tmp_path: Path) -> None:
    r = _run_tiny(tmp_path, "true")
    out = r.stdout + r.stderr
    assert r.returncode == 1, out
    # the marker fails at setup (an error), the in-test call fails the test: both red
    assert "1 failed, 1 error in" in out and " skipped in" not in out, out
    assert "callcoach-no-such-tool is missing: scripts/setup.sh should install it" in out
    assert "callcoach-no-such-tool-2 is missing: scripts/setup.sh should install it" in out


def test_a_missing_tool_skips_locally(tmp_path: Path) -> None:
    r = _run_tiny(tmp_path, None)
    out = r.stdout + r.stderr
    assert r.returncode == 0, out
    assert "2 skipped in" in out and "failed" not in out, out
    assert "callcoach-no-such-tool is missing: scripts/setup.sh should install it" in out


def test_no_test_skips_on_its_own() -> None:
    """Every skip goes through tests/needs.py (which fails under CI)."""
    bad = []
    for f in sorted((ROOT / "tests").glob("*.py")):
        if f.name in ("needs.py", "test_ci_needs.py"):
            continue
        for n, line in enumerate(f.read_text().splitlines(), 1):
            if re.search(r"pytest\.skip\(|mark\.skip(if)?\b|importorskip", line):
                bad.append(f"{f.name}:{n}: {line.strip()}")
    assert not bad, "skip through tests/needs.py instead:\n" + "\n".join(bad)


# the Debian package that brings each tool the suite runs
TOOL_PACKAGES = {
    "sipp": "sip-tester",
    "kamailio": "kamailio",
    "baresip": "baresip",
    "linphonec": "linphone-cli",
    "openssl": "openssl",
    "parec": "pulseaudio-utils",
    "parecord": "pulseaudio-utils",
    "pactl": "pulseaudio-utils",
    "paplay": "pulseaudio-utils",
    "strace": "strace",
    "mount": "mount",
    "pacat": "pulseaudio-utils",
    "pulseaudio": "pulseaudio",
    "flite": "flite",
    "espeak-ng": "espeak-ng",
    "sox": "sox",
    "pdftoppm": "poppler-utils",
    "pdftotext": "poppler-utils",
    "Xvfb": "xvfb",
    "gio": "libglib2.0-bin",
}


def _apt_packages() -> set[str]:
    text = (ROOT / "scripts" / "setup.sh").read_text()
    block = re.search(r"APT_PACKAGES=\((.*?)\)", text, re.DOTALL)
    assert block, "scripts/setup.sh has no APT_PACKAGES list"
    return {w for line in block.group(1).splitlines() for w in line.split("#")[0].split()}


def test_setup_installs_every_tool_the_suite_uses() -> None:
    apt = _apt_packages()
    named: set[str] = set()
    used: set[str] = set()
    for f in list((ROOT / "tests").glob("*.py")) + [ROOT / "scripts" / "virtual-headset.sh"]:
        text = f.read_text()
        for args in re.findall(r"\bneeds?(?:_tool)?\(([^)]*)\)", text):
            named.update(re.findall(r'"([\w.-]+)"', args))
        for tool in TOOL_PACKAGES:
            if re.search(rf'["\s]{re.escape(tool)}["\s]', text):
                used.add(tool)
    named.discard("callcoach-no-such-tool")
    named.discard("callcoach-no-such-tool-2")
    unknown = named - set(TOOL_PACKAGES)
    assert not unknown, f"add these tools to TOOL_PACKAGES and scripts/setup.sh: {unknown}"
    missing = {t: TOOL_PACKAGES[t] for t in named | used if TOOL_PACKAGES[t] not in apt}
    assert not missing, f"scripts/setup.sh does not install: {missing}"
