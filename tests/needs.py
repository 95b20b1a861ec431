"""What a test needs from the machine (sipp, kamailio, openssl, PulseAudio tools, ...), in one
place. Missing locally: the test is skipped with the reason. Missing with CI=true: the test
FAILS with "X is missing: scripts/setup.sh should install it", so a dropped install step can
never turn the suite green.

    pytestmark = [pytest.mark.sip, needs("sipp")]          # a module or a test
    @needs("openssl", "parec")                               # several tools
    @needs_that(FEATURE_OK, "the engine's PlayFile command")  # a capability, not a tool
    need_tool("flite")                                       # inside a test or a fixture

The markers are checked at each test's setup by tests/conftest.py (pytest_runtest_setup).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

# tools that live outside PATH for a normal user (Debian puts daemons in /usr/sbin)
_SBIN = ("/usr/sbin", "/sbin", "/usr/local/sbin")


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("true", "1", "yes")


def tool_path(name: str) -> str | None:
    """The tool's full path, or None when it is not installed."""
    found = shutil.which(name)
    if found:
        return found
    for d in _SBIN:
        p = Path(d) / name
        if p.is_file() and os.access(p, os.X_OK):
            return str(p)
    return None


def missing_message(what: str) -> str:
    return f"{what} is missing: scripts/setup.sh should install it"


def need_tool(*names: str) -> None:
    """Inside a test or fixture: skip (locally) or fail (CI=true) unless every tool exists."""
    for name in names:
        if tool_path(name) is None:
            _missing(name)


def need_that(ok: bool, what: str) -> None:
    """Inside a test or fixture: skip (locally) or fail (CI=true) unless ok."""
    if not ok:
        _missing(what)


def _missing(what: str) -> None:
    msg = missing_message(what)
    if in_ci():
        pytest.fail(f"{msg} (CI=true: a missing tool fails, it is never skipped)", pytrace=False)
    pytest.skip(msg)


def needs(*names: str) -> pytest.MarkDecorator:
    """A marker: the test needs these tools."""
    return pytest.mark.needs_tool(*names)


def needs_that(ok: bool, what: str) -> pytest.MarkDecorator:
    """A marker: the test needs a capability (ok=False means it is missing)."""
    return pytest.mark.needs_that(ok, what)


def check_item(item: pytest.Item) -> None:
    """Called from pytest_runtest_setup: apply every needs/needs_that marker on the item."""
    for mark in item.iter_markers(name="needs_tool"):
        need_tool(*mark.args)
    for mark in item.iter_markers(name="needs_that"):
        need_that(*mark.args)
