"""Suite-wide pytest hooks.

The test process ends with os._exit once pytest has reported everything. Why: after the UI
tests have built and torn down many real Qt windows in one interpreter, CPython 3.11's final
garbage collection at interpreter shutdown aborts inside a C extension ("bool_dealloc:
deallocating True or False", no Python frame), turning a green run into exit code 134. Every
UI test file passes and exits cleanly on its own, and the app's own processes exit cleanly
(tests/test_ui_app.py); only the long-lived test interpreter's teardown trips it.
"""

from __future__ import annotations

import os
import sys

import pytest


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config: pytest.Config) -> None:
    session = getattr(config, "_callcoach_session", None)
    if session is None or os.environ.get("CALLCOACH_TEST_NORMAL_EXIT"):
        return
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(int(session.exitstatus))


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "needs_tool(*names): tools the test needs (tests/needs.py)")
    config.addinivalue_line("markers", "needs_that(ok, what): a capability the test needs")


def pytest_runtest_setup(item: pytest.Item) -> None:
    # missing tools skip locally and FAIL under CI=true (tests/needs.py)
    from tests.needs import check_item

    check_item(item)


def pytest_sessionstart(session: pytest.Session) -> None:
    session.config._callcoach_session = session  # type: ignore[attr-defined]
