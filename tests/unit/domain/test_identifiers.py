from __future__ import annotations

import pickle
import subprocess
import sys

import pytest

from jts.core.errors import ParseError
from jts.domain.identifiers import (
    AccountId,
    ClientOrderId,
    ClientOrderIdGenerator,
    InstrumentId,
    StrategyId,
    Symbol,
    Venue,
    netting_position_id,
)


def test_instrument_id_parts() -> None:
    krx = InstrumentId("005930.KRX")
    assert (krx.symbol, krx.venue) == ("005930", "KRX")
    btc = InstrumentId("KRW-BTC.UPBIT")
    assert (btc.symbol, btc.venue) == ("KRW-BTC", "UPBIT")
    assert InstrumentId.of("000660", "KRX") == "000660.KRX"
    assert InstrumentId(krx) is krx
    # the parts come back as their own id types (cut out without checking them again)
    assert type(krx.venue) is Venue
    assert type(krx.symbol) is Symbol


@pytest.mark.parametrize("bad", ["005930", ".KRX", "005930.", "005930.krx", " 005930.KRX", ""])
def test_instrument_id_refuses_malformed(bad: str) -> None:
    with pytest.raises(ParseError):
        InstrumentId(bad)


def test_other_ids_validate() -> None:
    assert AccountId("KIS-12345678-01").issuer == "KIS"
    assert StrategyId("SMACross-001")
    with pytest.raises(ParseError):
        AccountId("12345678")
    with pytest.raises(ParseError):
        StrategyId("no tag")
    with pytest.raises(ParseError):
        Venue("krx")
    with pytest.raises(ParseError):
        ClientOrderId("has space")
    with pytest.raises(ParseError):
        ClientOrderId(123)  # type: ignore[arg-type]


def test_ids_behave_like_strings_and_pickle() -> None:
    oid = ClientOrderId("O-1")
    assert {oid: 1}["O-1"] == 1
    assert pickle.loads(pickle.dumps(oid)) == oid
    assert type(pickle.loads(pickle.dumps(oid))) is ClientOrderId
    assert repr(oid) == "ClientOrderId('O-1')"
    pid = netting_position_id(InstrumentId("005930.KRX"), StrategyId("SMA-1"))
    assert pid == "005930.KRX-SMA-1"
    held = netting_position_id(InstrumentId("005930.KRX"), StrategyId("SMA-1"), AccountId("KIS-1"))
    assert held == "005930.KRX-SMA-1-KIS-1"


def test_client_order_ids_sortable_and_unique_in_process() -> None:
    gen = ClientOrderIdGenerator()
    ids = [gen.generate() for _ in range(20_000)]
    assert ids == sorted(ids)
    assert len(set(ids)) == len(ids)


def test_client_order_ids_unique_across_processes() -> None:
    code = (
        "from jts.domain.identifiers import ClientOrderIdGenerator as G\n"
        "g=G()\nprint('\\n'.join(g.generate() for _ in range(2000)))"
    )
    outputs = [
        subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        ).stdout.split()
        for _ in range(2)
    ]
    first, second = outputs
    assert len(first) == len(second) == 2000
    assert not set(first) & set(second)
    # a later process (a restart) mints ids that sort after the earlier one's first id
    assert min(second) > min(first)
