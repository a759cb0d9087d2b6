"""Parameter specs: the --param forms, DSL ranges, grid order and sampling."""

from __future__ import annotations

import random
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jts.backtest.sweeps import (
    Choice,
    DecimalRange,
    IntRange,
    ParamSpace,
    ParamSpecError,
    parse_param,
    space_from_dsl,
)
from jts.backtest.sweeps.space import params_key, parse_value
from jts.dsl.load import check_source, load_file

from .conftest import SMA_JTS


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("10", 10),
        ("-3", -3),
        ("10_000", 10_000),
        ("0.25", Decimal("0.25")),
        ("1e3", Decimal("1E+3")),
        ("ema", "ema"),
        ("nan", "nan"),  # not a finite number: kept as text
        (" 7 ", 7),
    ],
)
def test_values_are_exact_int_decimal_or_text(text: str, expected: object) -> None:
    value = parse_value(text)
    assert value == expected
    assert type(value) is type(expected)


def test_spec_forms() -> None:
    assert parse_param("fast=5,10,20") == Choice("fast", (5, 10, 20))
    assert parse_param("mode=ema,sma") == Choice("mode", ("ema", "sma"))
    assert parse_param("fast=10") == Choice("fast", (10,))
    assert parse_param("fast=5:50:5") == IntRange("fast", 5, 50, 5)
    assert parse_param(" fast = 5:8 ") == IntRange("fast", 5, 8, 1)
    assert parse_param("k=0.5:1.5:0.25") == DecimalRange(
        "k", Decimal("0.5"), Decimal("1.5"), Decimal("0.25")
    )
    assert parse_param("k=0.5:2.5") == DecimalRange("k", Decimal("0.5"), Decimal("2.5"))
    # one decimal end makes the whole range decimal
    assert parse_param("k=1:2:0.5").values() == (Decimal(1), Decimal("1.5"), Decimal(2))


def test_grids_are_inclusive_and_exact() -> None:
    assert IntRange("n", 5, 50, 5).values() == tuple(range(5, 51, 5))
    assert IntRange("n", 5, 52, 5).values()[-1] == 50  # the step decides, not the high end
    values = DecimalRange("k", Decimal("0.1"), Decimal("0.3"), Decimal("0.1")).values()
    assert values == (Decimal("0.1"), Decimal("0.2"), Decimal("0.3"))  # no 0.30000000000000004
    assert DecimalRange("k", Decimal("0.1"), Decimal("0.3"), Decimal("0.1")).size == 3
    with pytest.raises(ParamSpecError, match=r"k=0.5:2.5 is a continuous range.*STEP"):
        DecimalRange("k", Decimal("0.5"), Decimal("2.5")).values()


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("=5", "NAME=SPEC"),
        ("1fast=5", "NAME=SPEC"),
        ("fast=", "no values after"),
        ("fast=5,,10", "empty value"),
        ("fast=5,5", "repeats a value"),
        ("fast=5:", "LOW:HIGH"),
        ("fast=1:2:3:4", "LOW:HIGH"),
        ("fast=a:10", "'a' is not a number"),
        ("fast=10:5", "low end above its high end"),
        ("fast=1:10:0", "step must be positive"),
        ("k=0.5:1:-0.1", "step must be positive"),
        ("fast", "a bare name takes its range from a .jts"),
    ],
)
def test_bad_specs_name_the_parameter(text: str, words: str) -> None:
    with pytest.raises(ParamSpecError, match=words):
        parse_param(text)


def test_dsl_ranges_feed_the_space() -> None:
    program = load_file(SMA_JTS)
    assert parse_param("fast", program) == IntRange("fast", 2, 50, 1)
    assert parse_param("slow", program) == IntRange("slow", 10, 200, 5)
    # an explicit spec still wins over the file's range
    assert parse_param("fast=5,6", program) == Choice("fast", (5, 6))
    with pytest.raises(ParamSpecError, match=r"no such parameter \(it has: fast, slow"):
        parse_param("speed", program, "sma_cross.jts")
    space = space_from_dsl(program)
    assert space.names == ("fast", "slow", "quantity")
    assert space.size == 49 * 39 * 10_000


def test_dsl_parameter_without_range_is_refused() -> None:
    source = (
        "param fast = 10\nparam k = 1.5 in 0.5..2.5\nuniverse 005930.KRX\nbars 1 minute\n"
        "let m = sma(close, fast)\nenter long when close crosses above m\n"
        "exit long when close crosses below m\nsize 1 shares\n"
    )
    program = check_source(source)
    with pytest.raises(ParamSpecError, match="no range"):
        parse_param("fast", program)
    # a decimal range without a step is continuous: fine for random search, not for a grid
    k = parse_param("k", program)
    assert k == DecimalRange("k", Decimal("0.5"), Decimal("2.5"))
    assert space_from_dsl(program).names == ("k",)


def test_space_order_size_and_names() -> None:
    space = ParamSpace.parse(["fast=5,10", "slow=20:40:10", "mode=ema"])
    assert space.size == 6
    assert space.swept() == ("fast", "slow")
    assert list(space.grid()) == [
        {"fast": 5, "slow": 20, "mode": "ema"},
        {"fast": 5, "slow": 30, "mode": "ema"},
        {"fast": 5, "slow": 40, "mode": "ema"},
        {"fast": 10, "slow": 20, "mode": "ema"},
        {"fast": 10, "slow": 30, "mode": "ema"},
        {"fast": 10, "slow": 40, "mode": "ema"},
    ]
    with pytest.raises(ParamSpecError, match="more than once"):
        ParamSpace.parse(["fast=5", "fast=6"])
    with pytest.raises(ParamSpecError, match="at least one --param"):
        ParamSpace(())
    with pytest.raises(ParamSpecError, match=r"--param mode: SMACross has no such.*fast, "):
        space.check_names(["fast", "slow", "quantity"], "SMACross")
    with pytest.raises(ParamSpecError, match="outside the grid"):
        space.combination(6)
    assert ParamSpace.parse(["k=0.5:2.5", "n=1:3"]).size is None


@settings(max_examples=30, deadline=None)
@given(
    sizes=st.lists(st.integers(min_value=1, max_value=4), min_size=1, max_size=4),
)
def test_combination_by_number_matches_the_grid(sizes: list[int]) -> None:
    space = ParamSpace(tuple(IntRange(f"p{i}", 0, n - 1) for i, n in enumerate(sizes)))
    grid = list(space.grid())
    assert len(grid) == space.size
    assert [space.combination(i) for i in range(len(grid))] == grid
    keys = {params_key(p, space.names) for p in grid}
    assert len(keys) == len(grid)


def test_samples_stay_in_range_and_on_the_grid() -> None:
    rng = random.Random(3)
    stepped = IntRange("n", 5, 50, 5)
    decimal = DecimalRange("k", Decimal("0.5"), Decimal("1.5"), Decimal("0.25"))
    continuous = DecimalRange("c", Decimal("0.5"), Decimal("2.5"))
    for _ in range(200):
        assert stepped.sample(rng) in stepped.values()
        assert decimal.sample(rng) in decimal.values()
        value = continuous.sample(rng)
        assert isinstance(value, Decimal)
        assert Decimal("0.5") <= value <= Decimal("2.5")
        assert value == value.quantize(Decimal("0.0001"))  # bounds' places + 3
