"""AES-256-CBC notices: the simulator's ciphertext decrypts the way KIS clients decrypt it."""

from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from jts.adapters.kis.simulator.crypto import NoticeCipher, NoticeDecryptError
from jts.core.errors import InvalidInputError


def _client_decrypt(key: str, iv: str, text: str) -> str:
    """What the official sample does: key/iv as UTF-8 bytes, base64, CBC, PKCS7 unpad."""
    decryptor = Cipher(algorithms.AES(key.encode()), modes.CBC(iv.encode())).decryptor()
    padded = decryptor.update(base64.b64decode(text)) + decryptor.finalize()
    unpadder = padding.PKCS7(128).unpadder()
    return (unpadder.update(padded) + unpadder.finalize()).decode()


def test_generated_key_and_iv_have_the_lengths_the_reply_promises():
    cipher = NoticeCipher.generate()
    assert len(cipher.key) == 32
    assert len(cipher.iv) == 16
    assert cipher.key.isascii()
    assert cipher.iv.isascii()
    assert NoticeCipher.generate().key != cipher.key


@pytest.mark.parametrize("text", ["", "a", "x" * 16, "simuser^5012345601^0000000001^한글"])
def test_ciphertext_decrypts_with_a_client_side_implementation(text):
    cipher = NoticeCipher.generate()
    encrypted = cipher.encrypt(text)
    assert _client_decrypt(cipher.key, cipher.iv, encrypted) == text
    assert cipher.decrypt(encrypted) == text


def test_padding_always_adds_a_block_for_aligned_text():
    cipher = NoticeCipher.generate()
    assert len(base64.b64decode(cipher.encrypt("x" * 16))) == 32


@pytest.mark.parametrize(("key", "iv"), [("k" * 31, "i" * 16), ("k" * 32, "i" * 15)])
def test_wrong_key_or_iv_lengths_are_refused(key, iv):
    with pytest.raises(InvalidInputError, match="bytes"):
        NoticeCipher(key, iv)


def test_bad_ciphertexts_raise_a_typed_error():
    cipher = NoticeCipher.generate()
    with pytest.raises(NoticeDecryptError, match="base64"):
        cipher.decrypt("not base64 !!")
    with pytest.raises(NoticeDecryptError, match="multiple of 16"):
        cipher.decrypt(base64.b64encode(b"short").decode())
    other = NoticeCipher.generate()
    with pytest.raises(NoticeDecryptError):
        other.decrypt(cipher.encrypt("hello world, a longer notice"))
