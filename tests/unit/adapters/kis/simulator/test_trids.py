"""tr_id acceptance per env: current and legacy sets, paper V-prefix, the gateway's errors."""

from __future__ import annotations

import pytest

from jts.adapters.kis.simulator.codes import KisCode
from jts.adapters.kis.simulator.trids import Op, classify_tr_id

ORDERS = frozenset({Op.ORDER_BUY, Op.ORDER_SELL})


@pytest.mark.parametrize(
    ("tr_id", "op"),
    [
        ("TTTC0012U", Op.ORDER_BUY),
        ("TTTC0802U", Op.ORDER_BUY),
        ("TTTC0011U", Op.ORDER_SELL),
        ("TTTC0801U", Op.ORDER_SELL),
    ],
)
def test_real_accepts_current_and_legacy_order_ids(tr_id, op):
    assert classify_tr_id(tr_id, "real", ORDERS) is op
    assert classify_tr_id("V" + tr_id[1:], "paper", ORDERS) is op


@pytest.mark.parametrize(
    ("tr_id", "op"),
    [
        ("VTTC8434R", Op.BALANCE),
        ("VTTC0081R", Op.DAILY_CCLD),
        ("VTTC8001R", Op.DAILY_CCLD),
        ("VTSC9215R", Op.DAILY_CCLD),
        ("VTSC9115R", Op.DAILY_CCLD),
        ("VTTC8908R", Op.PSBL_ORDER),
        ("VTTC0013U", Op.MODIFY_CANCEL),
        ("VTTC0803U", Op.MODIFY_CANCEL),
        ("FHKST01010100", Op.PRICE),
        ("FHKST03010200", Op.TIME_CHART),
    ],
)
def test_paper_ids(tr_id, op):
    assert classify_tr_id(tr_id, "paper", frozenset({op})) is op


def test_quote_ids_are_shared_by_both_envs():
    for env in ("real", "paper"):
        assert classify_tr_id("FHKST03010100", env, frozenset({Op.DAILY_CHART})) is Op.DAILY_CHART


def test_real_trading_id_on_the_paper_host_is_the_credentials_error():
    result = classify_tr_id("TTTC0802U", "paper", ORDERS)
    assert isinstance(result, KisCode)
    assert result.msg_cd == "EGW00205"
    assert result.status >= 400


@pytest.mark.parametrize(
    ("tr_id", "env", "ops"),
    [
        ("VTTC0802U", "real", ORDERS),  # paper id on the real host
        ("TTTC8434R", "real", ORDERS),  # right env, wrong endpoint
        ("", "real", ORDERS),
        ("XXXX", "paper", ORDERS),
        ("VTTC0084R", "paper", frozenset({Op.PSBL_RVSECNCL})),  # no paper version exists
        ("VTCA0903R", "paper", frozenset({Op.HOLIDAY})),
    ],
)
def test_unknown_ids_are_no_such_service(tr_id, env, ops):
    result = classify_tr_id(tr_id, env, ops)
    assert isinstance(result, KisCode)
    assert result.msg_cd == "OPSQ0002"


def test_real_only_services_on_real():
    assert classify_tr_id("TTTC8036R", "real", frozenset({Op.PSBL_RVSECNCL})) is Op.PSBL_RVSECNCL
    assert classify_tr_id("CTCA0903R", "real", frozenset({Op.HOLIDAY})) is Op.HOLIDAY
