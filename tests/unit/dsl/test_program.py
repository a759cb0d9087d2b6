"""Parameters of a checked program: overrides, grids for sweeps, exact amounts."""

from __future__ import annotations

from decimal import Decimal

import pytest

from jts.dsl.catalog import Catalog
from jts.dsl.errors import DslRuntimeError
from jts.dsl.program import Parameter, resolve_scalar
from jts.dsl.typed import Const, Param

from .conftest import SIZE, compile_ok


def test_integer_grid_defaults_to_step_one() -> None:
    grid = Parameter("n", True, Decimal(3), Decimal(2), Decimal(5)).grid()
    assert grid == tuple(Decimal(v) for v in (2, 3, 4, 5))


def test_grid_with_a_step_stops_at_the_high_bound() -> None:
    grid = Parameter("n", True, Decimal(10), Decimal(10), Decimal(22), Decimal(5)).grid()
    assert grid == (Decimal(10), Decimal(15), Decimal(20))


def test_decimal_grid_is_exact() -> None:
    width = Parameter("w", False, Decimal("2.0"), Decimal("1.5"), Decimal("2.0"), Decimal("0.1"))
    assert width.grid() == tuple(Decimal(v) for v in ("1.5", "1.6", "1.7", "1.8", "1.9", "2.0"))


def test_a_parameter_without_a_range_sweeps_only_its_default() -> None:
    assert Parameter("k", False, Decimal("2.5")).grid() == (Decimal("2.5"),)


def test_a_decimal_range_without_step_cannot_be_swept() -> None:
    with pytest.raises(DslRuntimeError) as caught:
        Parameter("w", False, Decimal(2), Decimal("1.5"), Decimal(3)).grid()
    assert "write e.g. 'in 1.5..3 step 0.5' to sweep it" in str(caught.value)


def test_coerce_accepts_exact_values_only() -> None:
    n = Parameter("n", True, Decimal(3), Decimal(1), Decimal(9))
    assert n.coerce(4) == Decimal(4)
    assert n.coerce("5") == Decimal(5)
    assert n.coerce(Decimal("6.0")) == Decimal(6)
    for bad in (4.0, True, None, "1e400x", "NaN", 10, "0"):
        with pytest.raises(DslRuntimeError):
            n.coerce(bad)


def test_sweep_grid_is_the_cartesian_product_in_declaration_order(catalog: Catalog) -> None:
    program = compile_ok(
        "param a = 1 in 1..2\nparam b = 0.5 in 0.5..1.0 step 0.5\nparam c = 7\n"
        + SIZE
        + "enter long when close > a * b + c\n",
        catalog,
    )
    assert list(program.sweep_grid()) == [
        {"a": 1, "b": Decimal("0.5"), "c": 7},
        {"a": 1, "b": Decimal("1.0"), "c": 7},
        {"a": 2, "b": Decimal("0.5"), "c": 7},
        {"a": 2, "b": Decimal("1.0"), "c": 7},
    ]
    assert program.bind({"a": 2}) == {"a": 2, "b": Decimal("0.5"), "c": 7}


def test_resolve_scalar_is_exact() -> None:
    params = {"q": Decimal("0.1")}
    assert resolve_scalar(Const(Decimal("0.2")), params) + resolve_scalar(
        Param("q", False), params
    ) == Decimal("0.3")
