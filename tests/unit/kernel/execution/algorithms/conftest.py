"""Fixtures: the shared kernel with a recording publisher and 100 M KRW, and a started owner."""

from __future__ import annotations

import pytest

from jts.core.clock import SimulatedClock
from jts.kernel.kernel import Kernel
from tests.unit.kernel.conftest import ScriptedVenue

from .algo_support import Owner, Published, build_kernel, start_owner


@pytest.fixture
def published() -> Published:
    return Published()


@pytest.fixture
def kernel(clock: SimulatedClock, venue: ScriptedVenue, published: Published) -> Kernel:
    """The shared kernel, with 100 M KRW so buying power never gets in the way."""
    return build_kernel(clock, venue, publish=published)


@pytest.fixture
def owner(kernel: Kernel) -> Owner:
    return start_owner(kernel)
