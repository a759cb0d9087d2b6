"""``tr_cont`` / ``CTX_AREA_*`` paging, as the balance and daily-order inquiries do it.

A client asks for the first page with ``tr_cont`` empty or absent, and for the next one with
``tr_cont: N`` plus the ``ctx_area_fk100`` / ``ctx_area_nk100`` values of the previous answer
(upper- or lower-case keys). The answer's ``tr_cont`` header is ``F`` (first page, more follow),
``M`` (a middle page, more follow), ``D`` (first and only page) or ``E`` (last page).

The continuation key (NK) names the first row of the next page rather than an offset, so rows
added between two page requests (a new fill) cannot shift a page and repeat a row. Keys are
padded to 100 characters with spaces as the real service sends them; clients that strip them
are served the same.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

__all__ = ["Page", "paginate"]

T = TypeVar("T")
_WIDTH = 100


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    rows: list[T]
    tr_cont: str
    fk: str
    nk: str


def paginate(
    rows: Sequence[T],
    *,
    key: Callable[[T], str],
    size: int,
    request_tr_cont: str,
    request_nk: str,
    fk: str,
) -> Page[T]:
    """The page a request asks for; an unknown or stale NK restarts from the first row."""
    continuing = request_tr_cont == "N" and bool(request_nk.strip())
    start = 0
    if continuing:
        wanted = request_nk.strip()
        start = next((i for i, row in enumerate(rows) if key(row) == wanted), 0)
    chunk = list(rows[start : start + size])
    more = start + size < len(rows)
    first = start == 0
    if more:
        tr_cont = "F" if first else "M"
        nk = key(rows[start + size])
    else:
        tr_cont = "D" if first else "E"
        nk = ""
    return Page(chunk, tr_cont, fk.ljust(_WIDTH), nk.ljust(_WIDTH))
