"""Frame layouts clients parse: 46-field ticks, 59-field books, 26/23-field notices."""

from __future__ import annotations

import json
import re

import pytest

from jts.adapters.kis.simulator import frames
from jts.adapters.kis.simulator.codes import Codes
from jts.adapters.kis.simulator.crypto import NoticeCipher
from jts.adapters.kis.simulator.venue import ExecutionNotice

HHMMSS = re.compile(r"([01][0-9]|2[0-3])[0-5][0-9][0-5][0-9]")


def _notice(**changes) -> ExecutionNotice:
    values = {
        "hts_id": "simuser",
        "account_no": "5012345601",
        "odno": "0000000001",
        "orgn_odno": "",
        "side": "02",
        "rctf_cls": "0",
        "ord_dvsn": "00",
        "condition": "0",
        "symbol": "005930",
        "cntg_qty": 10,
        "cntg_unpr": 70_000,
        "hhmmss": "100000",
        "rejected": False,
        "cntg_yn": "2",
        "acpt_yn": "2",
        "branch": "91252",
        "ord_qty": 10,
        "account_name": "모의계좌",
        "name": "삼성전자",
        "ord_price": 70_000,
        "cond_price": 0,
        "excg": "KRX",
    }
    values.update(changes)
    return ExecutionNotice(**values)


def test_tick_record_has_46_fields_with_the_documented_formats(market):
    market.record_trade("005930", 70_100, 10, "1")
    trade = market.record_trade("005930", 69_900, 5, "5")
    fields = frames.tick_record(market.state("005930"), trade)
    assert len(fields) == frames.TICK_FIELDS == 46
    for index in (1, 24, 27, 30):
        assert HHMMSS.fullmatch(fields[index]), (index, fields[index])
    assert re.fullmatch(r"20260302", fields[33])
    assert fields[34][0] in "1234"
    assert fields[0] == "005930"
    assert fields[2:6] == ["69900", "5", "-100", "-0.14"]
    assert fields[12:15] == ["5", "15", str(70_100 * 10 + 69_900 * 5)]
    assert fields[21] == "5"
    assert fields[45] == "70000"
    assert all("^" not in f and "|" not in f for f in fields)


def test_book_record_has_59_fields_and_ten_levels_per_side(market):
    fields = frames.book_record(market.state("005930"), "100000")
    assert len(fields) == frames.BOOK_FIELDS == 59
    asks = [int(p) for p in fields[3:13]]
    bids = [int(p) for p in fields[13:23]]
    assert asks == sorted(asks)
    assert bids == sorted(bids, reverse=True)
    assert asks[0] > bids[0]
    assert int(fields[43]) == sum(int(q) for q in fields[23:33])


def test_levels_beyond_the_limit_are_zero(market):
    state = market.state("005930")
    market.record_trade("005930", state.upper, 1, "1")
    fields = frames.book_record(state, "100000")
    assert fields[3] == str(state.upper)
    assert fields[4:13] == ["0"] * 9


@pytest.mark.parametrize(("layout", "count"), [("current", 26), ("legacy23", 23)])
def test_notice_layouts(layout, count):
    fields = frames.notice_record(_notice(), layout)
    assert len(fields) == count
    assert fields[13] == "2"  # CNTG_YN
    assert fields[9:11] == ["10", "70000"]
    assert fields[-1] == "70000"  # ODER_PRC is last in both layouts
    assert fields[15] == "91252"


def test_plain_and_encrypted_frames():
    records = [["a", "b"], ["c", "d"]]
    assert frames.data_frame("H0STCNT0", records) == "0|H0STCNT0|002|a^b^c^d"
    cipher = NoticeCipher.generate()
    text = frames.data_frame("H0STCNI9", [["x", "y"]], cipher=cipher)
    flag, tr_id, count, payload = text.split("|", 3)
    assert (flag, tr_id, count) == ("1", "H0STCNI9", "001")
    assert cipher.decrypt(payload) == "x^y"


def test_extra_fields_fault_pads_every_record():
    text = frames.data_frame("H0STCNT0", [["a"], ["b"]], extra_fields=2)
    assert text == "0|H0STCNT0|002|a^X^X^b^X^X"


def test_frame_record_count_is_bounded():
    with pytest.raises(ValueError, match="at least one"):
        frames.data_frame("H0STCNT0", [])
    with pytest.raises(ValueError, match=r"1\.\.999"):
        frames.data_frame("H0STCNT0", [["a"]] * 1000)


def test_control_reply_shape():
    cipher = NoticeCipher.generate()
    reply = json.loads(
        frames.control_reply("H0STCNI0", "hts", Codes.WS_SUBSCRIBED, encrypt=True, cipher=cipher)
    )
    assert reply["header"] == {"tr_id": "H0STCNI0", "tr_key": "hts", "encrypt": "Y"}
    assert reply["body"] == {
        "rt_cd": "0",
        "msg_cd": "OPSP0000",
        "msg1": "SUBSCRIBE SUCCESS",
        "output": {"iv": cipher.iv, "key": cipher.key},
    }
    bare = json.loads(
        frames.control_reply("X", "", Codes.WS_BAD_APPROVAL, encrypt=False, cipher=None)
    )
    assert "output" not in bare["body"]
    assert bare["body"]["rt_cd"] == "1"


def test_pingpong_is_header_only():
    message = json.loads(frames.pingpong("20260302100000"))
    assert message == {"header": {"tr_id": "PINGPONG", "datetime": "20260302100000"}}


@pytest.mark.parametrize(
    ("price", "sign"), [(91_000, "1"), (70_100, "2"), (70_000, "3"), (69_900, "5"), (49_000, "4")]
)
def test_price_sign(price, sign):
    assert frames.price_sign(price, 70_000, 91_000, 49_000) == sign


def test_rate_text_is_exact_half_up():
    assert frames.rate_text(1, 3) == "33.33"
    assert frames.rate_text(2, 3) == "66.67"
    assert frames.rate_text(-100, 70_000) == "-0.14"
    assert frames.rate_text(5, 0) == "0.00"
