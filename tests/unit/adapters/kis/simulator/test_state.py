"""State persistence: what a restart keeps, atomic writes, a clear error on a corrupt file."""

from __future__ import annotations

import pytest

from jts.adapters.kis.simulator.auth import AuthSnapshot
from jts.adapters.kis.simulator.codes import KisRequestError
from jts.adapters.kis.simulator.config import AccountConfig, HoldingConfig, SimulatorConfig
from jts.adapters.kis.simulator.state import (
    OrderRecord,
    SimState,
    load_state,
    save_state,
)
from jts.core.errors import ParseError

from .conftest import SYMBOLS


def _state() -> SimState:
    account = AccountConfig(cano="50000001", holdings=(HoldingConfig("005930", 3, 70_000),))
    return SimState.from_config(SimulatorConfig(accounts=(account,), symbols=SYMBOLS))


def test_from_config_builds_accounts_with_exact_costs():
    state = _state()
    account = state.account("50000001", "01")
    assert account.cash == 100_000_000
    assert account.holdings["005930"].cost == 210_000
    with pytest.raises(KisRequestError) as info:
        state.account("50000001", "02")
    assert info.value.code.msg_cd == "OPSQ2000"


def test_order_numbers_are_ten_digits_and_increase():
    state = _state()
    assert [state.new_odno() for _ in range(3)] == ["0000000001", "0000000002", "0000000003"]


def test_lookup_accepts_unpadded_numbers_and_checks_the_account():
    state = _state()
    record = OrderRecord(
        odno="0000000007",
        orgno="91252",
        account="50000001-01",
        symbol="005930",
        name="x",
        side="02",
        ord_dvsn="00",
        qty=1,
        price=1,
        ord_dt="20260302",
        ord_tmd="100000",
        ts_ns=0,
    )
    state.orders[record.odno] = record
    assert state.order("50000001-01", "7") is record
    assert state.order("99999999-01", "7") is None


def test_save_and_load_round_trip(tmp_path):
    state = _state()
    state.new_odno()
    path = tmp_path / "nested" / "state.json"
    save_state(path, state.to_file("paper", AuthSnapshot(), [b'{"a":1}']))
    loaded = load_state(path)
    assert loaded is not None
    restored = SimState.from_file(loaded)
    assert restored.next_odno == 2
    assert restored.accounts["50000001-01"].holdings["005930"].qty == 3
    assert bytes(loaded.market[0]) == b'{"a":1}'
    assert [p.name for p in path.parent.iterdir()] == ["state.json"]  # no temp file left


def test_missing_file_is_none_and_corrupt_file_is_an_error(tmp_path):
    assert load_state(tmp_path / "none.json") is None
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(ParseError, match=r"bad\.json"):
        load_state(bad)
