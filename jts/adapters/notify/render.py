"""Text for people: exact numbers with thousands separators, KST times, plain-text alerts.

Amounts are formatted from their exact decimal text (``str`` of a `Price`, `Quantity` or
`Money`), never through a float, so ``70100`` won shows as ``70,100 KRW`` and ``0.00012345 BTC``
keeps every digit. Times are shown in KST, the clock of the people reading KRX alerts, with the
UTC instant in the machine-readable payloads.
"""

from __future__ import annotations

from typing import Final

from jts.core.time import KST, ns_to_dt
from jts.domain.values import Currency, FixedPoint, Money
from jts.ports.notifier import Alert

ELLIPSIS: Final = "…"


def group_digits(text: str) -> str:
    """``"-1234567.50"`` -> ``"-1,234,567.50"``: separators in the integer part only."""
    sign = "-" if text.startswith("-") else ""
    whole, dot, fraction = text.lstrip("+-").partition(".")
    grouped = f"{int(whole):,}" if whole else "0"
    return f"{sign}{grouped}{dot}{fraction}"


def format_number(value: FixedPoint) -> str:
    """A price or quantity as written (precision kept), with thousands separators."""
    return group_digits(str(value))


def format_money(amount: Money) -> str:
    """``70,100 KRW``, ``0.00012345 BTC``."""
    return f"{group_digits(str(amount).partition(' ')[0])} {amount.currency.code}"


def format_price(price: FixedPoint, currency: Currency) -> str:
    """A price quoted in ``currency``: ``70,100 KRW``."""
    return f"{format_number(price)} {currency.code}"


def format_kst(ts_ns: int) -> str:
    """``2024-01-02 09:00:01 KST`` (seconds are enough for a person; payloads keep the ns)."""
    return ns_to_dt(ts_ns, KST).strftime("%Y-%m-%d %H:%M:%S KST")


def truncate(text: str, limit: int) -> str:
    """At most ``limit`` characters, ending in an ellipsis when cut (receivers refuse longer)."""
    if limit < 1:
        raise ValueError(f"limit must be at least 1, got {limit}")
    return text if len(text) <= limit else text[: limit - 1] + ELLIPSIS


def severity_label(alert: Alert) -> str:
    return alert.severity.value.upper()


def plain_text(alert: Alert) -> str:
    """The whole alert as plain text: title line, body, fields, time (e-mail, fallbacks)."""
    lines = [f"[{severity_label(alert)}] {alert.title}"]
    if alert.body:
        lines += ["", alert.body]
    if alert.fields:
        lines.append("")
        lines += [f"{name}: {value}" for name, value in alert.fields.items()]
    lines += ["", f"time: {format_kst(alert.ts_ns)}"]
    return "\n".join(lines)
