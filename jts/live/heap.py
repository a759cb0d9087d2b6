"""The garbage collector of a live node, settled once the node has started.

By the time a node trades it holds everything start-up made (modules, the calendar, instruments,
the journal's orders, SQLAlchemy's and pydantic's caches): hundreds of thousands of objects
that live as long as the process. The collector's full passes walked all of them, about 55 ms
each on the development machine, and a pass starts inside whatever allocation crosses the
threshold, which on a trading node is typically a tick on its way to becoming an order: one
such pass a minute or two was the worst tick-to-order time of the whole run (issue 6).

`settled_heap` collects once, then freezes what survived (`gc.freeze`: collections skip it from
then on) while the node trades, and puts it back when the block ends. Frozen objects are never
freed while frozen; what start-up made is kept anyway, and cycles made while trading are still
found and freed as before.

The thresholds stay the interpreter's (700, 10, 10). Measured on the in-process benchmark
(2,000 orders): raised to 50,000 young objects, the young collections fell from about 300 to
3, but each took 17-20 ms instead of 0.26 ms, and p99 did not improve (1.59 ms against 1.26 ms,
within the run-to-run noise): the few long pauses only moved from p99 to the maximum.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["settled_heap"]


@contextmanager
def settled_heap() -> Iterator[int]:
    """Collect and freeze what is left for the block; yields how many objects are frozen. A
    heap someone else froze before stays frozen afterwards."""
    ours = gc.get_freeze_count() == 0
    gc.collect()
    gc.freeze()
    try:
        yield gc.get_freeze_count()
    finally:
        if ours:
            gc.unfreeze()
