"""Intraday volume profiles for VWAP: what share of a session's volume trades in each bucket.

A `VolumeCurve` divides the session (KRX: 09:00-15:30 KST) into equal buckets and gives each a
weight. `VolumeCurve.from_bars` learns the weights from history: for every day it takes each
bucket's share of that day's volume, then averages the shares over the days, so a busy day
does not outweigh a quiet one. On KRX the result is U-shaped: heavy at the open, light at
midday, heavy into the closing auction. `VolumeCurve.flat` is the fallback when no history is
at hand (VWAP then trades like a TWAP with one slice per bucket).

Weights are exact fractions (volumes are exact), so a schedule built from a curve is
reproducible to the share.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction
from typing import Final

from jts.core.errors import InvalidInputError
from jts.core.time import NANOS_PER_MINUTE, NANOS_PER_SECOND, kst_date, kst_to_ns
from jts.domain.market_data import Bar

__all__ = ["KRX_CLOSE", "KRX_OPEN", "VolumeCurve"]

KRX_OPEN: Final = dt.time(9, 0)
KRX_CLOSE: Final = dt.time(15, 30)
_DEFAULT_BUCKET: Final = 5 * NANOS_PER_MINUTE


def _seconds(moment: dt.time) -> int:
    return moment.hour * 3600 + moment.minute * 60 + moment.second


@dataclass(frozen=True, slots=True)
class VolumeCurve:
    """Bucket weights over one session; ``days`` is how many sessions the weights came from
    (0 for a flat or hand-made curve). Weights need not sum to 1: only their ratios count."""

    weights: tuple[Fraction, ...]
    bucket_ns: int = _DEFAULT_BUCKET
    session_open: dt.time = KRX_OPEN
    session_close: dt.time = KRX_CLOSE
    days: int = 0

    def __post_init__(self) -> None:
        if type(self.bucket_ns) is not int or self.bucket_ns <= 0:
            raise InvalidInputError(f"bucket_ns must be a positive int, got {self.bucket_ns!r}")
        for name in ("session_open", "session_close"):
            moment = getattr(self, name)
            if not isinstance(moment, dt.time) or moment.tzinfo is not None:
                raise InvalidInputError(f"{name} must be a naive KST time, got {moment!r}")
        length = (_seconds(self.session_close) - _seconds(self.session_open)) * NANOS_PER_SECOND
        if length <= 0:
            raise InvalidInputError(
                f"the session must close after it opens ({self.session_open} - "
                f"{self.session_close})"
            )
        if length % self.bucket_ns:
            raise InvalidInputError(
                f"the session {self.session_open}-{self.session_close} is not a whole number of "
                f"{self.bucket_ns} ns buckets"
            )
        if not isinstance(self.weights, tuple | list):
            raise InvalidInputError(f"weights must be a tuple, got {type(self.weights).__name__}")
        if len(self.weights) != length // self.bucket_ns:
            raise InvalidInputError(
                f"a curve of {length // self.bucket_ns} buckets needs as many weights, got "
                f"{len(self.weights)}"
            )
        for weight in self.weights:
            if not isinstance(weight, Fraction | int) or isinstance(weight, bool) or weight < 0:
                raise InvalidInputError(
                    f"bucket weights must be non-negative Fractions or ints, got {weight!r}"
                )
        if sum(self.weights) <= 0:
            raise InvalidInputError("a volume curve needs some weight")
        object.__setattr__(self, "weights", tuple(Fraction(w) for w in self.weights))

    # ---- building -----------------------------------------------------------------------------
    @classmethod
    def flat(
        cls,
        bucket_ns: int = _DEFAULT_BUCKET,
        session_open: dt.time = KRX_OPEN,
        session_close: dt.time = KRX_CLOSE,
    ) -> VolumeCurve:
        """Every bucket the same weight."""
        if type(bucket_ns) is not int or bucket_ns <= 0:
            raise InvalidInputError(f"bucket_ns must be a positive int, got {bucket_ns!r}")
        length = (_seconds(session_close) - _seconds(session_open)) * NANOS_PER_SECOND
        count = max(length // bucket_ns, 0)
        return cls((Fraction(1),) * count, bucket_ns, session_open, session_close)

    @classmethod
    def from_bars(
        cls,
        bars: Iterable[Bar],
        bucket_ns: int = _DEFAULT_BUCKET,
        session_open: dt.time = KRX_OPEN,
        session_close: dt.time = KRX_CLOSE,
    ) -> VolumeCurve:
        """The average share of each bucket in its day's volume, over the days in ``bars``.

        Bars are stamped at their close, so a bar belongs to the bucket holding the instant
        just before its ``ts_event``; time bars longer than a bucket are refused (their volume
        cannot be placed). Bars outside the session (pre-market, after-hours) and days without
        volume are ignored; no usable volume at all is an error, so a missing history is never
        silently a flat curve (ask for `flat` for that).
        """
        template = cls.flat(bucket_ns, session_open, session_close)
        count = template.buckets
        per_day: dict[dt.date, list[Fraction]] = defaultdict(lambda: [Fraction(0)] * count)
        for bar in bars:
            if not isinstance(bar, Bar):
                raise InvalidInputError(f"a volume curve is built from bars, got {bar!r}")
            spec = bar.bar_type.spec
            if spec.is_time_aggregated and spec.interval_ns() > bucket_ns:
                raise InvalidInputError(
                    f"bars of {bar.bar_type} are longer than the {bucket_ns} ns bucket"
                )
            instant = bar.ts_event - 1
            day = kst_date(instant)
            index = (instant - template.session_start_ns(day)) // bucket_ns
            if 0 <= index < count and bar.volume.raw:
                volume = Fraction(bar.volume.raw, 10**bar.volume.precision)
                per_day[day][index] += volume
        shares = [Fraction(0)] * count
        days = 0
        for day in sorted(per_day):
            volumes = per_day[day]
            total = sum(volumes, Fraction(0))
            if total:
                days += 1
                shares = [
                    share + volume / total for share, volume in zip(shares, volumes, strict=True)
                ]
        if not days:
            raise InvalidInputError("no bar with volume falls inside the session: no curve")
        return cls(
            tuple(share / days for share in shares), bucket_ns, session_open, session_close, days
        )

    # ---- reading ------------------------------------------------------------------------------
    @property
    def buckets(self) -> int:
        return len(self.weights)

    def shares(self) -> tuple[Fraction, ...]:
        """The weights normalised to sum to 1."""
        total = sum(self.weights, Fraction(0))
        return tuple(Fraction(weight) / total for weight in self.weights)

    def session_start_ns(self, day: dt.date) -> int:
        """The session open of a KST day, in ns."""
        return kst_to_ns(day) + _seconds(self.session_open) * NANOS_PER_SECOND

    def slices(self, start_ns: int, end_ns: int) -> list[tuple[int, Fraction]]:
        """One slice per bucket overlapping ``[start_ns, end_ns)``: at the later of the bucket's
        start and ``start_ns``, weighted by the bucket's weight times the part of it inside the
        window. Where the buckets in the window have no weight at all (no history there), they
        are weighted by time alone. The window must lie in one KST day and touch the session.
        """
        if end_ns <= start_ns:
            raise InvalidInputError(f"the window must end after it starts ({start_ns}, {end_ns})")
        day = kst_date(start_ns)
        if kst_date(end_ns - 1) != day:
            raise InvalidInputError(
                f"a volume-curve window must lie within one KST day, got {start_ns}-{end_ns}"
            )
        session = self.session_start_ns(day)
        bucket = self.bucket_ns
        overlaps: list[tuple[int, int, Fraction]] = []
        for index, weight in enumerate(self.weights):
            low = session + index * bucket
            inside = min(low + bucket, end_ns) - max(low, start_ns)
            if inside > 0:
                overlaps.append((max(low, start_ns), inside, Fraction(weight)))
        if not overlaps:
            raise InvalidInputError(
                f"the window {start_ns}-{end_ns} lies outside the session "
                f"{self.session_open}-{self.session_close} KST"
            )
        if not any(weight for _, _, weight in overlaps):
            return [(when, Fraction(inside, bucket)) for when, inside, _ in overlaps]
        return [(when, weight * Fraction(inside, bucket)) for when, inside, weight in overlaps]
