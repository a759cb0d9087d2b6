"""The vectorised backtest's contract apart from parity (tests/parity holds that): what it
refuses and how it says so, bad inputs, several instruments in one result, round trips."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from jts.backtest.data import generate_bars
from jts.core.errors import InvalidInputError
from jts.domain.enums import OrderSide
from jts.domain.instruments import Instrument, InstrumentKind, Market, krx_equity, upbit_spot
from jts.domain.market_data import BarSpecification
from jts.dsl.catalog import Catalog
from jts.dsl.errors import DslRuntimeError
from jts.dsl.program import Program
from jts.dsl.vector import (
    VectorBars,
    VectorOverflowError,
    VectorResult,
    VectorUnsupportedError,
    backtest_vectorised,
)
from jts.kernel.risk.limits import RiskLimits
from tests.unit.backtest.data.calendar_fake import FakeKrxCalendar

from .conftest import compile_ok

SAMSUNG = krx_equity("005930", "Samsung Electronics", Market.KOSPI)
HYNIX = krx_equity("000660", "SK hynix", Market.KOSPI)
RULES = "enter long when close > close[1]\nexit long when close < close[1]\n"


def _calendar() -> FakeKrxCalendar:
    return FakeKrxCalendar()


#: no costs, the fake calendar (the XKRX one takes seconds to build)
FREE: dict[str, Any] = {"commission": Decimal(0), "tax": Decimal(0), "calendar": _calendar()}


def _bars(*instruments: Instrument, days: int = 2) -> list[VectorBars]:
    table = generate_bars(
        [str(i.id) for i in instruments],
        start=dt.date(2024, 3, 4),
        n_days=days,
        seed=4,
        calendar=_calendar(),
        instruments=instruments,
    )
    found = []
    for instrument in instruments:
        mine = table.filter(pc.equal(table.column("instrument"), str(instrument.id)))
        columns = {n: mine.column(n).to_numpy() for n in ("open", "high", "low", "close", "volume")}
        ts = mine.column("timestamp").cast(pa.int64()).to_numpy()
        found.append(VectorBars.of(instrument, ts=ts, **columns))
    return found


def _program(catalog: Catalog, head: str = "universe 005930.KRX\nbars 1 minute\n",
             tail: str = "size 10 shares\n") -> Program:  # fmt: skip
    return compile_ok(head + RULES + tail, catalog)


def test_a_crypto_instrument_is_refused_by_name(catalog: Catalog) -> None:
    program = _program(catalog, head="bars 1 minute\n")
    coin = upbit_spot("KRW-BTC")
    bars = VectorBars.of(coin, ts=[1, 2], open=[5, 5], high=[5, 5], low=[5, 5], close=[5, 5],
                         volume=[1, 1])  # fmt: skip
    with pytest.raises(VectorUnsupportedError, match="KRX instruments in KRW only"):
        backtest_vectorised(program, bars, **FREE)


def test_an_elw_is_refused_for_its_limits(catalog: Catalog) -> None:
    elw = krx_equity("580001", "an ELW", Market.KOSPI, InstrumentKind.ELW)
    bars = VectorBars.of(elw, ts=[1, 2], open=[5, 5], high=[5, 5], low=[5, 5], close=[5, 5],
                         volume=[1, 1])  # fmt: skip
    with pytest.raises(VectorUnsupportedError, match="daily limits"):
        backtest_vectorised(_program(catalog, head="bars 1 minute\n"), bars, **FREE)


def test_risk_limits_other_than_shorting_are_refused_naming_them(catalog: Catalog) -> None:
    limits = RiskLimits(allow_short=True, max_order_qty=Decimal(5), check_buying_power=False)
    with pytest.raises(VectorUnsupportedError, match="max_order_qty, check_buying_power"):
        backtest_vectorised(_program(catalog), _bars(SAMSUNG), risk_limits=limits, **FREE)


def test_bars_must_be_the_universe(catalog: Catalog) -> None:
    with pytest.raises(VectorUnsupportedError, match=r"bars are for 000660\.KRX"):
        backtest_vectorised(_program(catalog), _bars(HYNIX), **FREE)
    with pytest.raises(InvalidInputError, match="given twice"):
        backtest_vectorised(_program(catalog), _bars(SAMSUNG) * 2, **FREE)


def test_a_foreign_currency_size_is_refused(catalog: Catalog) -> None:
    program = _program(catalog, tail="size 1_000 USD\n")
    with pytest.raises(VectorUnsupportedError, match="USD"):
        backtest_vectorised(program, _bars(SAMSUNG), **FREE)


def test_the_bar_interval_comes_from_the_file_or_the_caller(catalog: Catalog) -> None:
    program = _program(catalog, head="")
    with pytest.raises(DslRuntimeError, match="no 'bars' line"):
        backtest_vectorised(program, _bars(SAMSUNG), **FREE)
    spec = BarSpecification.parse("1-MINUTE-LAST")
    result = backtest_vectorised(program, _bars(SAMSUNG), bar_spec=spec, **FREE)
    assert len(result.fills) > 0


def test_time_rules_need_intraday_bars(catalog: Catalog) -> None:
    program = _program(catalog, head="", tail="size 1 shares\nflatten at 15:00\n")
    with pytest.raises(DslRuntimeError, match="intraday"):
        backtest_vectorised(
            program, _bars(SAMSUNG), bar_spec=BarSpecification.parse("1-DAY-LAST"), **FREE
        )


@pytest.mark.parametrize(
    ("options", "error", "match"),
    [
        ({"cash": 0}, InvalidInputError, "positive"),
        ({"cash": 1.5}, InvalidInputError, "Money or an int"),
        ({"cash": 1 << 61}, VectorOverflowError, "int64"),
        ({"fill": "later"}, InvalidInputError, "next-open"),
    ],
)
def test_bad_settings_are_refused(
    options: dict[str, Any], error: type[Exception], match: str, catalog: Catalog
) -> None:
    with pytest.raises(error, match=match):
        backtest_vectorised(_program(catalog), _bars(SAMSUNG), **options, **FREE)


def test_an_amount_beyond_int64_stops_the_run_naming_the_bar(catalog: Catalog) -> None:
    """A short of 10**15 shares is allowed with shorting on; its value is not an int64."""
    program = compile_ok(
        "universe 005930.KRX\nbars 1 minute\nenter short when close < close[1]\n"
        "size 1_000_000_000_000_000 shares\n",
        catalog,
    )
    with pytest.raises(VectorOverflowError, match=r"stopped at bar \d+ .*2\*\*62"):
        backtest_vectorised(
            program,
            _bars(SAMSUNG),
            risk_limits=RiskLimits(allow_short=True),
            **FREE,
        )


def test_several_instruments_share_one_curve(catalog: Catalog) -> None:
    program = _program(catalog, head="universe 005930.KRX, 000660.KRX\nbars 1 minute\n")
    result = backtest_vectorised(program, _bars(HYNIX, SAMSUNG), **FREE)
    assert {str(f.instrument_id) for f in result.fills} == {"005930.KRX", "000660.KRX"}
    assert (np.diff(result.timestamps) > 0).all()  # one point per distinct time
    assert len(result.signals) == 2
    with pytest.raises(ValueError, match="2 instruments"):
        _ = result.instrument
    trips = result.round_trips()
    assert {t.instrument_id for t in trips} == {"005930.KRX", "000660.KRX"}
    assert result.analysis().stats is not None


def test_round_trips_split_a_fill_through_zero() -> None:
    """Buy 3, sell 5 (closes the long, opens a short of 2), buy 2: two trips."""
    ts = np.array([1, 2, 3], dtype=np.int64) * 60_000_000_000 + 1_709_510_400_000_000_000
    result = VectorResult(
        instruments=(SAMSUNG,),
        fill_ts=ts,
        fill_inst=np.zeros(3, dtype=np.int64),
        fill_side=np.array([1, -1, 1]),
        fill_qty=np.array([3, 5, 2]),
        fill_px=np.array([100, 110, 90]),
        fill_commission=np.zeros(3, dtype=np.int64),
        fill_tax=np.zeros(3, dtype=np.int64),
        timestamps=ts,
        equity=np.array([1_000, 1_030, 1_070], dtype=np.int64),
        signals=(),
        params={},
    )
    long_trip, short_trip = result.round_trips()
    assert (long_trip.side, long_trip.quantity.raw, int(long_trip.pnl.raw)) == (
        OrderSide.BUY, 3, 30,
    )  # fmt: skip
    assert (short_trip.side, short_trip.quantity.raw, int(short_trip.pnl.raw)) == (
        OrderSide.SELL, 2, 40,
    )  # fmt: skip
    assert (short_trip.entry_ns, short_trip.exit_ns) == (int(ts[1]), int(ts[2]))
