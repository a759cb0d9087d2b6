"""--constraint expressions: exact, safe, and clear about mistakes."""

from __future__ import annotations

from decimal import Decimal

import pytest

from jts.backtest.sweeps import Constraint, ConstraintError

NAMES = ("fast", "slow", "k", "mode")


def holds(text: str, **params: object) -> bool:
    return Constraint(text, NAMES).holds(params)  # type: ignore[arg-type]


def test_comparisons_and_logic() -> None:
    assert holds("fast < slow", fast=5, slow=20)
    assert not holds("fast < slow", fast=20, slow=20)
    assert holds("5 <= fast < slow", fast=5, slow=6)
    assert not holds("5 <= fast < slow", fast=4, slow=6)
    assert holds("slow - fast >= 5 and slow % 5 == 0", fast=5, slow=10)
    assert not holds("slow - fast >= 5 and slow % 5 == 0", fast=5, slow=11)
    assert holds("fast * 2 <= slow or mode == 'ema'", fast=50, slow=20, mode="ema")
    assert holds("not (fast == slow)", fast=1, slow=2)
    assert holds("-fast < 0", fast=1)
    assert holds("mode != 'sma'", mode="ema")


def test_arithmetic_is_exact_decimal() -> None:
    assert holds("k + 0.2 == 0.3", k=Decimal("0.1"))  # false in float arithmetic
    assert holds("slow / fast == 2.5", fast=4, slow=10)
    assert holds("fast <= 1_000", fast=1000)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("", "empty"),
        ("fast <", "not an expression"),
        ("fast < speed", r"not a swept parameter \(have: fast, k, mode, slow\): speed"),
        ("__import__('os')", "not allowed"),
        ("fast.real > 1", "not allowed"),
        ("fast ** 2 > 1", r"only \+ - \* / %"),
        ("fast in (1, 2)", "only < <= > >= == != compare"),
        ("fast < True", "only numbers and quoted text"),
        ("~fast", "only not, - and +"),
        ("[fast]", "not allowed"),
    ],
)
def test_bad_constraints_are_refused_when_parsed(text: str, words: str) -> None:
    with pytest.raises(ConstraintError, match=words):
        Constraint(text, NAMES)


def test_evaluation_errors_name_the_values() -> None:
    with pytest.raises(ConstraintError, match=r"'mode < fast' cannot be evaluated for mode=ema"):
        holds("mode < fast", mode="ema", fast=3)
    with pytest.raises(ConstraintError, match="cannot be evaluated"):
        holds("slow / fast > 1", fast=0, slow=3)
    with pytest.raises(ConstraintError, match="arithmetic needs numbers"):
        holds("mode + 1 > 0", mode="ema")
    # text is never equal to a number, but that is not an error
    assert not holds("mode == 3", mode="ema")
