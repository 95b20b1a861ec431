"""Suite-wide pytest hooks."""

from __future__ import annotations

import pytest


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "needs_tool(*names): tools the test needs (tests/needs.py)")
    config.addinivalue_line("markers", "needs_that(ok, what): a capability the test needs")


def pytest_runtest_setup(item: pytest.Item) -> None:
    # missing tools skip locally and FAIL under CI=true (tests/needs.py)
    from tests.needs import check_item

    check_item(item)
