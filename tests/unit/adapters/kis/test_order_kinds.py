from __future__ import annotations

import pytest

from jts.adapters.kis.errors import KisUnsupportedError
from jts.adapters.kis.order_kinds import ORD_DVSN, ord_dvsn_for, order_kind_of
from jts.domain.enums import OrderType, TimeInForce

T, F = OrderType, TimeInForce


@pytest.mark.parametrize(
    ("order_type", "tif", "code"),
    [
        (T.LIMIT, F.DAY, "00"),
        (T.MARKET, F.DAY, "01"),
        (T.CONDITIONAL_LIMIT, F.DAY, "02"),
        (T.BEST_LIMIT, F.DAY, "03"),
        (T.BEST_OWN_LIMIT, F.DAY, "04"),
        (T.PRE_MARKET_CLOSE, F.DAY, "05"),
        (T.POST_MARKET_CLOSE, F.DAY, "06"),
        (T.AFTER_HOURS_SINGLE, F.DAY, "07"),
        (T.LIMIT, F.IOC, "11"),
        (T.LIMIT, F.FOK, "12"),
        (T.MARKET, F.IOC, "13"),
        (T.MARKET, F.FOK, "14"),
        (T.BEST_LIMIT, F.IOC, "15"),
        (T.BEST_LIMIT, F.FOK, "16"),
    ],
)
def test_every_ord_dvsn_both_ways(order_type, tif, code):
    assert ord_dvsn_for(order_type, tif) == code
    assert order_kind_of(code) == (order_type, tif)
    assert order_kind_of(f" {code} ") == (order_type, tif)


def test_table_covers_the_fourteen_documented_codes():
    assert sorted(ORD_DVSN.values()) == [
        "00",
        "01",
        "02",
        "03",
        "04",
        "05",
        "06",
        "07",
        "11",
        "12",
        "13",
        "14",
        "15",
        "16",
    ]


@pytest.mark.parametrize(
    ("order_type", "tif"),
    [(T.LIMIT, F.GTC), (T.LIMIT, F.GTD), (T.STOP_MARKET, F.DAY), (T.BEST_OWN_LIMIT, F.IOC)],
)
def test_combinations_without_a_code_are_refused_by_name(order_type, tif):
    with pytest.raises(KisUnsupportedError, match=order_type.value):
        ord_dvsn_for(order_type, tif)


def test_stop_limit_only_with_a_configured_code():
    with pytest.raises(KisUnsupportedError):
        ord_dvsn_for(T.STOP_LIMIT, F.DAY)
    assert ord_dvsn_for(T.STOP_LIMIT, F.DAY, "22") == "22"
    assert order_kind_of("22", "22") == (T.STOP_LIMIT, F.DAY)


def test_unknown_codes_read_back_as_day_limit():
    assert order_kind_of("99") == (T.LIMIT, F.DAY)
