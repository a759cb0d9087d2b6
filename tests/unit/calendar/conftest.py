"""One XKRX calendar over its whole span for the calendar tests: building it costs seconds."""

from __future__ import annotations

import pytest

from jts.calendar import XkrxCalendar


@pytest.fixture(scope="session")
def xkrx() -> XkrxCalendar:
    return XkrxCalendar().build()
