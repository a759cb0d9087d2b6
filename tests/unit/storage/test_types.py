from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jts.core.errors import InvalidInputError
from jts.storage.engine import make_engine
from jts.storage.types import ExactDecimal

_meta = sa.MetaData()
_values = sa.Table(
    "exact_values",
    _meta,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("v", ExactDecimal(), nullable=True),
)


@pytest.fixture
def engine(db_url: str) -> Iterator[sa.Engine]:
    engine = make_engine(db_url)
    _meta.create_all(engine)
    try:
        yield engine
    finally:
        engine.dispose()


def _round_trip(engine: sa.Engine, value: Decimal | None) -> Decimal | None:
    with engine.begin() as conn:
        conn.execute(_values.delete())
        conn.execute(_values.insert().values(id=1, v=value))
    with engine.connect() as conn:
        return conn.execute(sa.select(_values.c.v)).scalar_one()


EDGE_VALUES = [
    Decimal("0.1") + Decimal("0.2"),  # 0.3 exactly; a double would give 0.30000000000000004
    Decimal("123456789012345678"),  # 18 digits: past a double's 15-17 significant digits
    Decimal("999999999999999999.999999999999999999"),  # 36 significant digits
    Decimal("0.000000000000000001"),  # 18 decimals
    Decimal("-0.000000000000000001"),
    Decimal("-123456789012345678.5"),
    Decimal("9223372036854775808"),  # 2**63: past SQLite's INTEGER
    Decimal("1.50"),  # the trailing zero (the scale) survives
    Decimal("70000"),
    Decimal("0"),
    Decimal("0.00000000"),
]


@pytest.mark.parametrize("value", EDGE_VALUES, ids=str)
def test_values_survive_exactly_with_their_scale(engine: sa.Engine, value: Decimal) -> None:
    back = _round_trip(engine, value)
    assert type(back) is Decimal
    assert back == value
    assert back.as_tuple() == value.as_tuple()  # digits and scale, not just the value


def test_exponent_notation_is_stored_positionally(engine: sa.Engine) -> None:
    assert _round_trip(engine, Decimal("1E+3")) == Decimal(1000)
    assert _round_trip(engine, Decimal("1E-7")) == Decimal("0.0000001")


def test_null_stays_null(engine: sa.Engine) -> None:
    assert _round_trip(engine, None) is None


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(raw=st.integers(min_value=-(10**30), max_value=10**30), precision=st.integers(0, 18))
def test_any_scaled_integer_round_trips(engine: sa.Engine, raw: int, precision: int) -> None:
    value = Decimal(f"{raw}E-{precision}")  # exact: Decimal.scaleb would round to 28 digits
    back = _round_trip(engine, value)
    assert back is not None
    assert back.as_tuple() == value.as_tuple()


@pytest.mark.parametrize("bad", [0.3, 1, True, "0.3"], ids=repr)
def test_anything_but_decimal_is_refused(engine: sa.Engine, bad: object) -> None:
    with pytest.raises(sa.exc.StatementError) as info, engine.begin() as conn:
        conn.execute(_values.insert().values(id=1, v=bad))
    assert isinstance(info.value.orig, TypeError)
    assert "Decimal" in str(info.value.orig)


@pytest.mark.parametrize(
    "bad", [Decimal("NaN"), Decimal("Infinity"), Decimal("-Infinity")], ids=str
)
def test_non_finite_decimals_are_refused(engine: sa.Engine, bad: Decimal) -> None:
    with pytest.raises(sa.exc.StatementError) as info, engine.begin() as conn:
        conn.execute(_values.insert().values(id=1, v=bad))
    assert isinstance(info.value.orig, InvalidInputError)


def test_sqlite_column_is_text_and_holds_the_digits(tmp_path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'a.db'}")
    try:
        _meta.create_all(engine)
        with engine.begin() as conn:
            conn.execute(_values.insert().values(id=1, v=Decimal("0.30")))
            stored = conn.exec_driver_sql("SELECT typeof(v), v FROM exact_values").one()
        assert tuple(stored) == ("text", "0.30")
    finally:
        engine.dispose()


def test_sqlite_garbage_written_around_the_type_is_reported(tmp_path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'a.db'}")
    try:
        _meta.create_all(engine)
        with engine.begin() as conn:
            conn.exec_driver_sql("INSERT INTO exact_values (id, v) VALUES (1, 'abc')")
            conn.exec_driver_sql("INSERT INTO exact_values (id, v) VALUES (2, x'01')")
        with engine.connect() as conn:
            with pytest.raises(InvalidInputError, match="'abc'"):
                conn.execute(sa.select(_values.c.v).where(_values.c.id == 1)).scalar_one()
            with pytest.raises(InvalidInputError, match="bytes"):
                conn.execute(sa.select(_values.c.v).where(_values.c.id == 2)).scalar_one()
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_postgres_column_is_unconstrained_numeric(postgres_url: str) -> None:
    from tests.contract.storage.backends import pg_schema

    with pg_schema(postgres_url) as url:
        engine = make_engine(url)
        try:
            _meta.create_all(engine)
            columns = {c["name"]: c for c in sa.inspect(engine).get_columns("exact_values")}
            assert isinstance(columns["v"]["type"], sa.Numeric)
            assert columns["v"]["type"].precision is None
            assert columns["v"]["type"].scale is None
        finally:
            engine.dispose()
