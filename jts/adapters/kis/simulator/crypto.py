"""AES-256-CBC for execution notices, as KIS does it (brokers.md §2).

The subscribe reply hands the client a 32-character ``key`` and a 16-character ``iv``; both are
used as their UTF-8 bytes (not hex- or base64-decoded), the plaintext is PKCS7-padded, and the
ciphertext travels base64-encoded in the data frame. Keys are drawn from letters only so that
every character is one UTF-8 byte and the lengths are exactly 32 and 16 bytes.
"""

from __future__ import annotations

import base64
import binascii
import secrets
import string
from dataclasses import dataclass
from typing import Final

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from jts.core.errors import InvalidInputError

__all__ = ["NoticeCipher", "NoticeDecryptError"]

_KEY_CHARS: Final = string.ascii_lowercase
_BLOCK_BITS: Final = 128


class NoticeDecryptError(InvalidInputError):
    """A ciphertext is not base64, not a whole number of blocks, or badly padded."""


@dataclass(frozen=True, slots=True)
class NoticeCipher:
    """One session's key and iv (the text the subscribe reply carries)."""

    key: str
    iv: str

    def __post_init__(self) -> None:
        if len(self.key.encode()) != 32:
            raise InvalidInputError(f"AES-256 key must be 32 bytes, got {len(self.key.encode())}")
        if len(self.iv.encode()) != 16:
            raise InvalidInputError(f"AES iv must be 16 bytes, got {len(self.iv.encode())}")

    @classmethod
    def generate(cls) -> NoticeCipher:
        key = "".join(secrets.choice(_KEY_CHARS) for _ in range(32))
        iv = "".join(secrets.choice(_KEY_CHARS) for _ in range(16))
        return cls(key, iv)

    def _cipher(self) -> Cipher[modes.CBC]:
        return Cipher(algorithms.AES(self.key.encode()), modes.CBC(self.iv.encode()))

    def encrypt(self, plaintext: str) -> str:
        """UTF-8 text -> base64 of AES-256-CBC(PKCS7(text))."""
        padder = padding.PKCS7(_BLOCK_BITS).padder()
        padded = padder.update(plaintext.encode()) + padder.finalize()
        encryptor = self._cipher().encryptor()
        raw = encryptor.update(padded) + encryptor.finalize()
        return base64.b64encode(raw).decode("ascii")

    def decrypt(self, ciphertext: str) -> str:
        """The inverse of `encrypt`; tests use it the way a client would."""
        try:
            raw = base64.b64decode(ciphertext, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise NoticeDecryptError(f"notice payload is not base64: {exc}") from exc
        if not raw or len(raw) % 16:
            raise NoticeDecryptError(f"ciphertext length {len(raw)} is not a multiple of 16")
        decryptor = self._cipher().decryptor()
        padded = decryptor.update(raw) + decryptor.finalize()
        unpadder = padding.PKCS7(_BLOCK_BITS).unpadder()
        try:
            plain = unpadder.update(padded) + unpadder.finalize()
        except ValueError as exc:
            raise NoticeDecryptError("bad PKCS7 padding: wrong key or iv?") from exc
        try:
            return plain.decode("utf-8")
        except UnicodeDecodeError as exc:  # a wrong key can still end in valid padding
            raise NoticeDecryptError("decrypted notice is not UTF-8: wrong key or iv?") from exc
