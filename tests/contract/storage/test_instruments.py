from __future__ import annotations

import pytest

from jts.core.errors import UnknownInstrumentError
from jts.domain.identifiers import UPBIT, InstrumentId
from jts.domain.instruments import Instrument, upbit_spot
from jts.domain.reference import load_reference_instruments
from jts.domain.values import USDT, Money, Quantity
from jts.ports.repositories import DuplicateInstrumentError, InstrumentRepository
from jts.storage import Storage
from tests.contract.storage.builders import btc, eth_btc, kodex_etf, samsung


def _same(a: Instrument, b: Instrument) -> None:
    """Equal, and every exact field at the same precision (``1`` is not ``1.00000000``)."""
    assert a == b
    for name in ("lot_size", "min_quantity"):
        assert str(getattr(a, name)) == str(getattr(b, name))
    assert str(a.min_notional) == str(b.min_notional)


def test_satisfies_the_port(storage: Storage) -> None:
    assert isinstance(storage.instruments, InstrumentRepository)


@pytest.mark.parametrize("make", [samsung, kodex_etf, btc, eth_btc], ids=lambda f: f.__name__)
def test_round_trip_is_exact(storage: Storage, make) -> None:
    instrument = make()
    storage.instruments.add(instrument)
    _same(storage.instruments.get(instrument.id), instrument)


def test_fine_lots_and_minimums_keep_their_precision(storage: Storage) -> None:
    fine = upbit_spot("USDT-XRP", size_precision=18, min_notional=Money("0.500001", USDT))
    assert fine.lot_size == Quantity("0.000000000000000001")
    storage.instruments.add(fine)
    back = storage.instruments.get(fine.id)
    _same(back, fine)
    assert str(back.lot_size) == "0.000000000000000001"


def test_get_unknown_raises_and_find_returns_none(storage: Storage) -> None:
    missing = InstrumentId("000000.KRX")
    with pytest.raises(UnknownInstrumentError, match=r"000000\.KRX"):
        storage.instruments.get(missing)
    assert storage.instruments.find(missing) is None


def test_add_of_a_stored_id_is_refused_and_leaves_the_stored_one(storage: Storage) -> None:
    original = samsung()
    storage.instruments.add(original)
    renamed = Instrument(**{**_fields(original), "name": "Renamed"})
    with pytest.raises(DuplicateInstrumentError, match=r"005930\.KRX"):
        storage.instruments.add(renamed)
    assert storage.instruments.get(original.id).name == "Samsung Electronics"
    assert storage.instruments.count() == 1


def test_upsert_inserts_then_replaces(storage: Storage) -> None:
    original = samsung()
    storage.instruments.upsert(original)
    renamed = Instrument(**{**_fields(original), "name": "Renamed", "name_ko": None})
    storage.instruments.upsert(renamed)
    _same(storage.instruments.get(original.id), renamed)
    assert storage.instruments.count() == 1


def test_upsert_many_loads_the_reference_set_exactly(storage: Storage) -> None:
    reference = load_reference_instruments()
    assert storage.instruments.upsert_many(reference) == len(reference)
    assert storage.instruments.upsert_many(reference) == len(reference)  # idempotent
    assert storage.instruments.count() == len(reference)
    stored = storage.instruments.list_all()
    assert stored == sorted(reference, key=lambda i: str(i.id))


def test_upsert_many_of_nothing_writes_nothing(storage: Storage) -> None:
    assert storage.instruments.upsert_many([]) == 0
    assert storage.instruments.count() == 0


def test_list_all_is_sorted_and_filters_by_venue(storage: Storage) -> None:
    for make in (btc, samsung, eth_btc, kodex_etf):
        storage.instruments.add(make())
    ids = [str(i.id) for i in storage.instruments.list_all()]
    assert ids == sorted(ids)
    assert {str(i.id) for i in storage.instruments.list_all(UPBIT)} == {
        "KRW-BTC.UPBIT",
        "BTC-ETH.UPBIT",
    }


def _fields(instrument: Instrument) -> dict[str, object]:
    return {name: getattr(instrument, name) for name in instrument.__struct_fields__}
