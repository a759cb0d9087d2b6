"""How numbers and instants read in the report.

Every formatter is a pure function of its value (no locale, no clock), which is what keeps the
report byte-identical across machines. Undefined figures read "n/a" rather than "nan".
"""

from __future__ import annotations

import math
from decimal import Decimal

from jts.core.time import KST, ns_to_dt

NOT_AVAILABLE = "n/a"


def percent(value: float, digits: int = 2) -> str:
    if math.isnan(value):
        return NOT_AVAILABLE
    if math.isinf(value):
        return "∞" if value > 0 else "-∞"
    return f"{value * 100:,.{digits}f}%"


def number(value: float, digits: int = 2) -> str:
    if math.isnan(value):
        return NOT_AVAILABLE
    if math.isinf(value):
        return "∞" if value > 0 else "-∞"
    return f"{value:,.{digits}f}"


def amount(value: Decimal) -> str:
    """An exact amount with thousands separators and all its digits (never rounded)."""
    return f"{value:,f}"


def kst_minute(ts_ns: int) -> str:
    """``2024-01-02 09:00`` in KST: the trader's wall clock, to the minute."""
    return ns_to_dt(ts_ns, KST).strftime("%Y-%m-%d %H:%M")


def raw(value: object) -> str:
    """The machine-readable form put in ``data-value``: ``repr`` of a float reads back to the
    same float, a Decimal keeps its digits, None is empty; NaN and infinities are spelled as
    Python's ``float`` reads them."""
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)
