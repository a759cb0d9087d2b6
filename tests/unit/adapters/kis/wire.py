"""Builders of KIS wire text for the adapter's tests: records, frames and encrypted payloads.

They follow brokers.md §2 field by field, independently of both the adapter's parser and the
simulator, so a test fails when either side drifts from the documented layout.
"""

from __future__ import annotations

import base64

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

KEY = "abcdefghijklmnopqrstuvwxyzabcdef"  # 32 chars
IV = "ponmlkjihgfedcba"  # 16 chars


def tick_record(
    symbol: str = "005930",
    hhmmss: str = "093001",
    price: str = "70100",
    qty: str = "5",
    acml_vol: str = "1000",
    side: str = "1",
    date: str = "20260302",
) -> list[str]:
    fields = ["0"] * 46
    fields[0], fields[1], fields[2] = symbol, hhmmss, price
    fields[12], fields[13], fields[21], fields[33] = qty, acml_vol, side, date
    fields[34] = "20"
    return fields


def book_record(
    symbol: str = "005930",
    hhmmss: str = "093001",
    asks: tuple[tuple[int, int], ...] = ((70100, 10), (70200, 20)),
    bids: tuple[tuple[int, int], ...] = ((70000, 15), (69900, 25)),
    hour_cls: str = "0",
) -> list[str]:
    asks_p = [str(p) for p, _ in asks] + ["0"] * (10 - len(asks))
    bids_p = [str(p) for p, _ in bids] + ["0"] * (10 - len(bids))
    asks_q = [str(q) for _, q in asks] + ["0"] * (10 - len(asks))
    bids_q = [str(q) for _, q in bids] + ["0"] * (10 - len(bids))
    fields = [symbol, hhmmss, hour_cls, *asks_p, *bids_p, *asks_q, *bids_q]
    fields += ["0"] * (59 - len(fields))
    assert len(fields) == 59
    return fields


def notice_record(
    *,
    account_no: str = "5000000101",
    odno: str = "0000000001",
    orig_odno: str = "",
    side: str = "02",
    rctf: str = "0",
    ord_dvsn: str = "00",
    symbol: str = "005930",
    qty: int = 10,
    price: int = 70000,
    hhmmss: str = "093001",
    rejected: bool = False,
    cntg_yn: str = "1",
    acpt_yn: str = "1",
    order_qty: int = 10,
    order_price: int = 70000,
) -> list[str]:
    fields = [
        "hts-user",
        account_no,
        odno,
        orig_odno,
        side,
        rctf,
        ord_dvsn,
        "0",
        symbol,
        str(qty),
        str(price),
        hhmmss,
        "1" if rejected else "0",
        cntg_yn,
        acpt_yn,
        "06010",
        str(order_qty),
        "name",
        "0",
        "1",
        "N",
        "",
        "10",
        "",
        "삼성전자",
        str(order_price),
    ]
    assert len(fields) == 26
    return fields


def payload(*records: list[str], extra: int = 0) -> str:
    return "^".join("^".join([*r, *(["X"] * extra)]) for r in records)


def frame(tr_id: str, *records: list[str], extra: int = 0) -> str:
    return f"0|{tr_id}|{len(records):03d}|{payload(*records, extra=extra)}"


def encrypt(text: str, key: str = KEY, iv: str = IV) -> str:
    padder = padding.PKCS7(128).padder()
    padded = padder.update(text.encode()) + padder.finalize()
    encryptor = Cipher(algorithms.AES(key.encode()), modes.CBC(iv.encode())).encryptor()
    return base64.b64encode(encryptor.update(padded) + encryptor.finalize()).decode()


def encrypted_frame(tr_id: str, *records: list[str], key: str = KEY, iv: str = IV) -> str:
    return f"1|{tr_id}|{len(records):03d}|{encrypt(payload(*records), key, iv)}"
