"""WAL checkpoints of a SQLite file in a thread of their own, off every commit.

In WAL mode a commit appends to the ``-wal`` file, and SQLite folds the WAL back into the
database (a *checkpoint*) inside whichever commit finds the WAL past ``wal_autocheckpoint``
pages (1,000 by default). That commit then copies every page and waits for two ``fsync``\\ s:
several milliseconds, on the connection that happened to commit. On a live node that is mostly
the order journal, so one order in a few hundred paid it on its way to the venue (the appends
measured p50 0.02 ms, p99.9 2.8 ms, max 9 ms; issue 6).

`Storage.open` therefore turns the automatic checkpoint off on its engine's connections and
runs `WalCheckpointer` instead: a daemon thread that asks for a ``PASSIVE`` checkpoint every
``interval_s``. A passive checkpoint takes no lock a writer needs (writers append to the WAL
while it copies), and Python's ``sqlite3`` releases the GIL while SQLite works, so neither the
journal's commits nor the event loop wait for it.

The WAL also has to start over from its beginning now and then, or it grows without end. SQLite
does that in the first commit after a checkpoint has caught up (and no reader still uses the
old frames), and that commit writes a new WAL header and waits for its ``fsync`` (1-2 ms here):
with the checkpoints in a thread, that was the journal's next append after every checkpoint.
So right after a checkpoint that copied everything, the thread makes that first commit itself:
it rewrites ``PRAGMA user_version`` with its own value (a write to the header page that changes
nothing), and the header's ``fsync`` is its own. A commit that slips in between the two (a
window of microseconds) starts the WAL over itself, as SQLite always does. Commits that wait
for the thread's one are rare: its commit holds the write lock for the ``fsync``, once every
``interval_s``, which is why that is seconds, not less; the WAL holds about that much of the
node's writes. Should commits come so fast that no passive checkpoint ever catches up, a WAL of
``force_frames`` gets a ``RESTART`` checkpoint, which makes them wait until it has.

Durability is unchanged: a commit is in the WAL when it returns, whoever checkpoints it later,
and SQLite replays a WAL that was never checkpointed when the next connection opens the file.
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
import threading
from typing import Final

__all__ = ["DEFAULT_CHECKPOINT_INTERVAL_S", "WalCheckpointer"]

log = logging.getLogger(__name__)

#: Seconds between checkpoints (see the module doc).
DEFAULT_CHECKPOINT_INTERVAL_S: Final = 5.0
#: WAL frames (pages of 4 KiB) past which commits wait for a checkpoint to catch up.
DEFAULT_FORCE_FRAMES: Final = 10_000


class WalCheckpointer:
    """Checkpoints one SQLite database file every ``interval_s`` until `close` (see module doc).

    Its connection is its own (not the engine's pool): it lives as long as the thread, which
    is the only thing that uses it.
    """

    def __init__(
        self,
        path: str,
        *,
        interval_s: float = DEFAULT_CHECKPOINT_INTERVAL_S,
        force_frames: int = DEFAULT_FORCE_FRAMES,
        busy_timeout_ms: int = 5_000,
    ) -> None:
        if not interval_s > 0:
            raise ValueError(f"interval_s must be positive, got {interval_s!r}")
        self._path = path
        self._interval_s = interval_s
        self._force_frames = force_frames
        self._busy_timeout_ms = busy_timeout_ms
        self._stop = threading.Event()
        self._lock = threading.Lock()  # one checkpoint at a time (the thread's, or `run_once`)
        self._connection: sqlite3.Connection | None = None
        self._thread: threading.Thread | None = None
        #: Checkpoints run, those that failed (logged; the next one tries again), and the
        #: times this thread started the WAL over.
        self.checkpoints = 0
        self.failures = 0
        self.restarts = 0
        #: ``(busy, wal_frames, checkpointed_frames)`` of the last checkpoint.
        self.last: tuple[int, int, int] | None = None

    def start(self) -> None:
        if self._thread is not None:
            return
        thread = threading.Thread(target=self._run, name="jts-sqlite-checkpoint", daemon=True)
        self._thread = thread
        thread.start()

    def run_once(self) -> tuple[int, int, int] | None:
        """One passive checkpoint now; its result, or None if it failed (logged)."""
        with self._lock:
            try:
                if self._connection is None:
                    self._connection = self._connect()
                connection = self._connection
                busy, frames, done = _checkpoint(connection, "PASSIVE")
                if frames >= self._force_frames and (busy or done < frames):
                    busy, frames, done = _checkpoint(connection, "RESTART")
                if frames and done == frames and not busy:
                    self._restart(connection)
            except sqlite3.Error as exc:
                self.failures += 1
                log.warning("SQLite checkpoint of %s failed: %s", self._path, exc)
                self._drop()
                return None
            self.checkpoints += 1
            self.last = (busy, frames, done)
            return self.last

    def _restart(self, connection: sqlite3.Connection) -> None:
        """Be the first commit after a complete checkpoint (see the module doc). A commit
        that slips in first starts the WAL over itself, as SQLite always does."""
        ((version,),) = connection.execute("PRAGMA user_version").fetchall()
        connection.execute(f"PRAGMA user_version = {int(version)}")
        self.restarts += 1

    def close(self) -> None:
        """Stop the thread (after a last checkpoint) and close its connection."""
        self._stop.set()
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join()
        with self._lock:
            self._drop()

    def _run(self) -> None:
        while not self._stop.wait(self._interval_s):
            self.run_once()
        self.run_once()

    def _connect(self) -> sqlite3.Connection:
        connection = sqlite3.connect(self._path, isolation_level=None, check_same_thread=False)
        connection.execute(f"PRAGMA busy_timeout={int(self._busy_timeout_ms)}")
        return connection

    def _drop(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            with contextlib.suppress(sqlite3.Error):
                connection.close()


def _checkpoint(connection: sqlite3.Connection, mode: str) -> tuple[int, int, int]:
    # fetchall: a statement left half-read would hold a read lock on the WAL and keep it from
    # ever starting over
    ((busy, frames, done),) = connection.execute(f"PRAGMA wal_checkpoint({mode})").fetchall()
    return int(busy), int(frames), int(done)
