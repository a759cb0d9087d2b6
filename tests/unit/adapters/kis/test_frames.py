from __future__ import annotations

import pytest

from jts.adapters.kis.errors import KisFrameError
from jts.adapters.kis.frames import (
    NoticeCipher,
    is_control,
    record_layout,
    split_frame,
)
from tests.unit.adapters.kis.wire import IV, KEY, encrypt


def test_split_frame_parts():
    frame = split_frame("0|H0STCNT0|004|a^b^c")
    assert frame == (False, "H0STCNT0", 4, "a^b^c")
    assert split_frame("1|H0STCNI9|001|x|y").payload == "x|y"  # only the head is split


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("0|H0STCNT0|a^b", "enc|tr_id|count|payload"),
        ("2|H0STCNT0|001|a", "0 or 1"),
        ("0|H0STCNT0|000|a", "positive"),
        ("0|H0STCNT0|x1|a", "positive"),
    ],
)
def test_split_frame_refuses_bad_heads(text, message):
    with pytest.raises(KisFrameError, match=message):
        split_frame(text)


def test_control_messages_are_json():
    assert is_control('{"header":{}}')
    assert not is_control("0|H0STCNT0|001|x")


def test_layout_without_drift():
    assert record_layout("T", 92, 2, 46) == (46, 0)


def test_layout_with_more_fields_reports_the_extra():
    assert record_layout("T", 2 * 49, 2, 46) == (49, 3)


def test_layout_with_fewer_fields_is_an_error():
    with pytest.raises(KisFrameError, match="fewer than the 46"):
        record_layout("H0STCNT0", 90, 2, 46)


def test_layout_with_uneven_split_is_an_error():
    with pytest.raises(KisFrameError, match="not a multiple"):
        record_layout("H0STCNT0", 93, 2, 46)


def test_notice_cipher_decrypts_what_aes_cbc_pkcs7_encrypts():
    text = "hello^world^한글"
    assert NoticeCipher(KEY, IV).decrypt(encrypt(text)) == text


def test_notice_cipher_with_the_wrong_key_fails_cleanly():
    payload = encrypt("x" * 40)
    with pytest.raises(KisFrameError):
        NoticeCipher("z" * 32, IV).decrypt(payload)


@pytest.mark.parametrize("payload", ["not base64!!", "", "QUJD"])
def test_notice_cipher_refuses_malformed_ciphertext(payload):
    with pytest.raises(KisFrameError):
        NoticeCipher(KEY, IV).decrypt(payload)


def test_notice_cipher_checks_key_and_iv_lengths():
    with pytest.raises(KisFrameError, match="32 bytes"):
        NoticeCipher("short", IV)
    with pytest.raises(KisFrameError, match="16 bytes"):
        NoticeCipher(KEY, "short")
