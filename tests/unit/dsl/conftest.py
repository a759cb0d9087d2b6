"""Shared fixtures of the DSL tests: the catalog of `jts.indicators`, and source helpers."""

from __future__ import annotations

import pytest

from jts.dsl.catalog import Catalog
from jts.dsl.errors import DslError
from jts.dsl.load import check_source
from jts.dsl.program import Program
from jts.dsl.registry import default_catalog

#: Enough statements around a rule under test to make a complete strategy.
SIZE = "size 1 shares\n"


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return default_catalog()


def compile_ok(source: str, catalog: Catalog) -> Program:
    return check_source(source, catalog, "t.jts")


def error_text(source: str, catalog: Catalog) -> str:
    """The full diagnostic text of a source that must fail."""
    with pytest.raises(DslError) as caught:
        check_source(source, catalog, "t.jts")
    return caught.value.format()
