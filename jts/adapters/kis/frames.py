"""WebSocket frames as KIS sends them: splitting, decrypting, and the schema-drift guard.

A data frame is text ``<enc>|<tr_id>|<count>|<payload>`` (brokers.md §2): ``enc`` 0 plain or 1
AES-256-CBC encrypted (base64), ``count`` records of ``^``-separated fields, concatenated with
``^``. Control messages (subscribe replies, PINGPONG) are JSON and start with ``{``.

Schema drift: KIS may add fields to a record. A payload whose field count is a multiple of the
record count with more fields per record than we know is parsed (the extra trailing fields are
ignored) and reported as drift; fewer fields, or a count that does not divide the payload, is a
`KisFrameError` for that frame only. Field positions never move in the layouts we know, which
is what makes "ignore the extras at the end" safe.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Final, NamedTuple

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from jts.adapters.kis.errors import KisFrameError

__all__ = [
    "BOOK_FIELDS",
    "BOOK_TR",
    "KNOWN_FIELDS",
    "NOTICE_FIELDS",
    "NOTICE_TRS",
    "NOTICE_TR_PAPER",
    "NOTICE_TR_REAL",
    "TICK_FIELDS",
    "TICK_TR",
    "DataFrame",
    "NoticeCipher",
    "RecordLayout",
    "is_control",
    "record_layout",
    "split_frame",
]

TICK_TR: Final = "H0STCNT0"
BOOK_TR: Final = "H0STASP0"
NOTICE_TR_REAL: Final = "H0STCNI0"
NOTICE_TR_PAPER: Final = "H0STCNI9"
NOTICE_TRS: Final = frozenset({NOTICE_TR_REAL, NOTICE_TR_PAPER})

#: Fields per record [S: brokers.md §2]: ticks 46, books 59, execution notices 26.
TICK_FIELDS: Final = 46
BOOK_FIELDS: Final = 59
NOTICE_FIELDS: Final = 26
KNOWN_FIELDS: Final[dict[str, int]] = {
    TICK_TR: TICK_FIELDS,
    BOOK_TR: BOOK_FIELDS,
    NOTICE_TR_REAL: NOTICE_FIELDS,
    NOTICE_TR_PAPER: NOTICE_FIELDS,
}
_BLOCK_BITS: Final = 128


class DataFrame(NamedTuple):
    encrypted: bool
    tr_id: str
    records: int
    payload: str


class RecordLayout(NamedTuple):
    """How to walk a payload's fields: record ``i`` starts at ``i * stride``; ``extra`` is how
    many unknown fields each record carries beyond the known layout (0 without drift)."""

    stride: int
    extra: int


def is_control(text: str) -> bool:
    """JSON control messages start with ``{``; data frames with ``0|`` or ``1|``."""
    return text[:1] == "{"


def split_frame(text: str) -> DataFrame:
    """``0|H0STCNT0|004|…`` into its parts; a malformed head is a `KisFrameError`."""
    parts = text.split("|", 3)
    if len(parts) != 4:
        raise KisFrameError(f"data frame must be enc|tr_id|count|payload, got {text[:60]!r}")
    enc, tr_id, count_text, payload = parts
    if enc not in ("0", "1"):
        raise KisFrameError(f"frame encryption flag must be 0 or 1, got {enc!r} ({tr_id})")
    if not count_text.isdigit() or int(count_text) == 0:
        raise KisFrameError(f"frame record count must be a positive number, got {count_text!r}")
    return DataFrame(enc == "1", tr_id, int(count_text), payload)


def record_layout(tr_id: str, field_count: int, record_count: int, known: int) -> RecordLayout:
    """The stride through ``field_count`` fields holding ``record_count`` records of at least
    ``known`` fields each; fewer fields or an uneven split is a `KisFrameError`."""
    if field_count % record_count:
        raise KisFrameError(
            f"{tr_id} frame has {field_count} fields, not a multiple of its {record_count} records"
        )
    stride = field_count // record_count
    if stride < known:
        raise KisFrameError(
            f"{tr_id} records have {stride} fields, fewer than the {known} of the known layout"
        )
    return RecordLayout(stride, stride - known)


@dataclass(frozen=True, slots=True)
class NoticeCipher:
    """The key and iv a subscribe reply hands out for encrypted feeds, used as UTF-8 bytes:
    AES-256-CBC, PKCS7 padding, base64 payload [S: brokers.md §2]."""

    key: str
    iv: str

    def __post_init__(self) -> None:
        if len(self.key.encode()) != 32:
            raise KisFrameError(f"notice key must be 32 bytes, got {len(self.key.encode())}")
        if len(self.iv.encode()) != 16:
            raise KisFrameError(f"notice iv must be 16 bytes, got {len(self.iv.encode())}")

    def decrypt(self, payload: str) -> str:
        try:
            raw = base64.b64decode(payload, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise KisFrameError(f"encrypted payload is not base64: {exc}") from exc
        if not raw or len(raw) % 16:
            raise KisFrameError(f"ciphertext length {len(raw)} is not a multiple of 16")
        cipher = Cipher(algorithms.AES(self.key.encode()), modes.CBC(self.iv.encode()))
        decryptor = cipher.decryptor()
        padded = decryptor.update(raw) + decryptor.finalize()
        unpadder = padding.PKCS7(_BLOCK_BITS).unpadder()
        try:
            plain = unpadder.update(padded) + unpadder.finalize()
        except ValueError as exc:
            raise KisFrameError("bad PKCS7 padding: wrong notice key or iv") from exc
        try:
            return plain.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise KisFrameError(f"decrypted notice is not UTF-8: {exc}") from exc
