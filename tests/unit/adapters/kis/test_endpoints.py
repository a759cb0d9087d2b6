from __future__ import annotations

import pytest

from jts.adapters.kis.config import KisEnv, TrIdSet
from jts.adapters.kis.endpoints import ENDPOINTS, Operation, paper_tr_id
from jts.adapters.kis.errors import KisUnsupportedError

CUR, LEG = TrIdSet.CURRENT, TrIdSet.LEGACY
REAL, PAPER = KisEnv.REAL, KisEnv.PAPER


@pytest.mark.parametrize(
    ("op", "env", "tr_set", "expected"),
    [
        (Operation.ORDER_BUY, REAL, CUR, "TTTC0012U"),
        (Operation.ORDER_BUY, PAPER, CUR, "VTTC0012U"),
        (Operation.ORDER_BUY, PAPER, LEG, "VTTC0802U"),
        (Operation.ORDER_SELL, REAL, LEG, "TTTC0801U"),
        (Operation.ORDER_SELL, PAPER, CUR, "VTTC0011U"),
        (Operation.MODIFY_CANCEL, PAPER, CUR, "VTTC0013U"),
        (Operation.MODIFY_CANCEL, REAL, LEG, "TTTC0803U"),
        (Operation.BALANCE, PAPER, CUR, "VTTC8434R"),
        (Operation.DAILY_CCLD, PAPER, CUR, "VTTC0081R"),
        (Operation.DAILY_CCLD, PAPER, LEG, "VTTC8001R"),
        (Operation.DAILY_CCLD_OLD, PAPER, CUR, "VTSC9215R"),
        (Operation.DAILY_CCLD_OLD, REAL, LEG, "CTSC9115R"),
        (Operation.PSBL_ORDER, PAPER, CUR, "VTTC8908R"),
        (Operation.PSBL_RVSECNCL, REAL, CUR, "TTTC0084R"),
        (Operation.PSBL_RVSECNCL, REAL, LEG, "TTTC8036R"),
        (Operation.PRICE, PAPER, CUR, "FHKST01010100"),
        (Operation.DAILY_CHART, REAL, CUR, "FHKST03010100"),
        (Operation.TIME_CHART, PAPER, LEG, "FHKST03010200"),
    ],
)
def test_tr_ids_per_env_and_generation(op, env, tr_set, expected):
    assert ENDPOINTS[op].tr_id(env, tr_set) == expected


@pytest.mark.parametrize(
    "op", [Operation.PSBL_RVSECNCL, Operation.HOLIDAY, Operation.TIME_CHART_DAILY]
)
def test_real_only_operations_refuse_paper(op):
    with pytest.raises(KisUnsupportedError, match="no paper-trading version"):
        ENDPOINTS[op].tr_id(PAPER, CUR)


def test_paper_rule_touches_trading_ids_only():
    assert paper_tr_id("TTTC8434R") == "VTTC8434R"
    assert paper_tr_id("JTTT1002U") == "VTTT1002U"
    assert paper_tr_id("CTSC9215R") == "VTSC9215R"
    assert paper_tr_id("FHKST01010100") == "FHKST01010100"


def test_orders_are_marked_and_queries_are_not():
    orders = {op for op, e in ENDPOINTS.items() if e.is_order}
    assert orders == {Operation.ORDER_BUY, Operation.ORDER_SELL, Operation.MODIFY_CANCEL}
    assert ENDPOINTS[Operation.ORDER_BUY].method == "POST"
    assert ENDPOINTS[Operation.BALANCE].method == "GET"
    assert ENDPOINTS[Operation.BALANCE].path == "/uapi/domestic-stock/v1/trading/inquire-balance"
