"""Finding an order (or a modify/cancel) whose REST answer was lost, from what KIS still says.

After a timeout, a transport error or a 5xx the adapter does not know whether KIS processed the
request, and re-sending an order blindly could buy twice. These pure functions pick the one
candidate that must be ours, or none:

- an *orphan* notice (KIS announced an order number nobody claimed yet) with the same symbol,
  side, kind and quantity;
- a daily-orders row that is not a modify/cancel request, belongs to no known order, has the
  same terms and was placed no earlier than shortly before the submission;
- for a modify/cancel, a row whose original order number is the one the request was sent for.

When several identical orders are in flight the lowest unclaimed order number goes to the one
asking first; claims are made on the event loop one at a time, so no row is given out twice.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

from jts.adapters.kis.parse import is_request_row
from jts.adapters.kis.parse_stream import normalize_odno
from jts.adapters.kis.schemas import DailyCcldRow
from jts.adapters.kis.tracker import OrderTracker, PendingRequest, TrackedOrder
from jts.core.time import KST, NANOS_PER_SECOND, ns_to_dt

__all__ = ["LOOKUP_SKEW_S", "match_orphan", "match_request", "match_submission"]

#: How far before the submission a found order's KIS time may be (clock skew), in seconds.
LOOKUP_SKEW_S: Final = 120


def match_orphan(tracker: OrderTracker, order: TrackedOrder) -> str | None:
    init = order.init
    for odno, notices in tracker.orphans.items():
        first = notices[0][0]
        if (
            first.rctf_cls == "0"
            and first.symbol == init.instrument_id.symbol
            and first.side is init.side
            and first.ord_dvsn == order.ord_dvsn
            and first.order_qty == int(init.quantity.raw)
        ):
            return odno
    return None


def _won_text(text: str) -> str:
    """``"70000.0000"`` -> ``"70000"`` (KIS pads some prices with decimals)."""
    whole, _, frac = text.strip().partition(".")
    return whole if not frac.strip("0") else text.strip()


def match_submission(
    rows: Iterable[DailyCcldRow], tracker: OrderTracker, order: TrackedOrder
) -> DailyCcldRow | None:
    init = order.init
    earliest = ns_to_dt(order.submitted_ns - LOOKUP_SKEW_S * NANOS_PER_SECOND, KST)
    earliest_hhmmss = (
        earliest.strftime("%H%M%S") if earliest.strftime("%Y%m%d") == order.ord_dt else ""
    )
    for row in sorted(rows, key=lambda r: normalize_odno(r.odno)):
        odno = normalize_odno(row.odno)
        if is_request_row(row) or row.orgn_odno.strip():
            continue
        if odno in tracker.by_odno or odno in tracker.requests:
            continue
        if row.pdno.strip() != init.instrument_id.symbol:
            continue
        if row.ord_qty.strip() != str(init.quantity) or row.ord_dvsn_cd.strip() != order.ord_dvsn:
            continue
        if init.price is not None and _won_text(row.ord_unpr) != str(init.price):
            continue
        if row.ord_tmd.strip() and row.ord_tmd.strip() < earliest_hhmmss:
            continue
        return row
    return None


def match_request(
    rows: Iterable[DailyCcldRow],
    tracker: OrderTracker,
    order: TrackedOrder,
    pending: PendingRequest,
) -> DailyCcldRow | None:
    for row in rows:
        odno = normalize_odno(row.odno)
        if (
            row.orgn_odno.strip()
            and normalize_odno(row.orgn_odno) == pending.target_odno
            and odno not in tracker.requests
            and odno not in order.venue_ids
        ):
            return row
    return None
