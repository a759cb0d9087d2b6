"""Where combinations run: in this process, in local worker processes, or on a Ray cluster.

Every executor follows the same life cycle: `start` with a `SweepJob` (each worker builds its
`SweepWorker` once: strategy, instruments, calendar, bars), `evaluate` batches of trials as many
times as the search needs (an Optuna study asks in batches, a walk-forward once per window),
then `close`. `evaluate` returns the outcomes in trial order, whatever order they finished in,
and calls ``on_outcome`` as each arrives (the progress bar).

Local processes use `concurrent.futures.ProcessPoolExecutor` with the *forkserver* start method
(*spawn* where there is none): no worker inherits the parent's threads or locks, which *fork*
would, and each worker holds one copy of the bars. At most ``2 x workers`` trials are in flight,
so memory stays bounded however long the batch. Outcomes carry only their stats unless a trial
asks for its whole result.
"""

from __future__ import annotations

import concurrent.futures as cf
import multiprocessing
import os
import time
from collections.abc import Callable, Sequence
from typing import Any, Final, Protocol, TypeVar

from jts.backtest.data.arrays import Int64Array
from jts.backtest.sweeps.errors import SweepFailedError
from jts.backtest.sweeps.worker import SweepJob, SweepWorker, Trial, TrialOutcome

__all__ = [
    "Executor",
    "OutcomeCallback",
    "ProcessExecutor",
    "SerialExecutor",
    "default_workers",
    "make_executor",
]

OutcomeCallback = Callable[[TrialOutcome], None]
_F = TypeVar("_F", bound="cf.Future[Any]")
_POLL_S: Final = 0.5  # how often a waiting parent looks at its deadline (and Ctrl-C)


def default_workers() -> int:
    """The CPUs this process may run on (its affinity, not the machine's count)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


class Executor(Protocol):
    def start(self, job: SweepJob) -> None: ...

    def evaluate(
        self, trials: Sequence[Trial], on_outcome: OutcomeCallback | None = None
    ) -> list[TrialOutcome]: ...

    def timestamps(self) -> Int64Array:
        """The timestamps of the bars the workers hold (for planning walk-forward windows)."""
        ...

    def close(self) -> None: ...


def _in_order(trials: Sequence[Trial], found: dict[int, TrialOutcome]) -> list[TrialOutcome]:
    return [found[trial.index] for trial in trials]


def _check_unique(trials: Sequence[Trial]) -> None:
    if len({t.index for t in trials}) != len(trials):
        raise SweepFailedError("trial indices must be unique within a batch")


class SerialExecutor:
    """Runs every trial in the calling process: no start-up cost, easy to debug."""

    def __init__(self) -> None:
        self._worker: SweepWorker | None = None

    def start(self, job: SweepJob) -> None:
        self._worker = SweepWorker(job)

    def _ready(self) -> SweepWorker:
        if self._worker is None:
            raise SweepFailedError("the executor was not started")
        return self._worker

    def evaluate(
        self, trials: Sequence[Trial], on_outcome: OutcomeCallback | None = None
    ) -> list[TrialOutcome]:
        _check_unique(trials)
        worker = self._ready()
        outcomes = []
        for trial in trials:
            outcome = worker.evaluate(trial)
            outcomes.append(outcome)
            if on_outcome is not None:
                on_outcome(outcome)
        return outcomes

    def timestamps(self) -> Int64Array:
        return self._ready().timestamps()

    def close(self) -> None:
        self._worker = None


# ---- local processes --------------------------------------------------------------------------
#: The worker of *this* pool process, set by `_initialise` when the pool starts it; the parent
#: never sets it. A process pool has no other place to keep per-process state between tasks.
_PROCESS_WORKER: SweepWorker | None = None
_PROCESS_ERROR: str | None = None


def _initialise(job: SweepJob) -> None:
    global _PROCESS_WORKER, _PROCESS_ERROR  # noqa: PLW0603 - per-process state, see above
    try:
        _PROCESS_WORKER = SweepWorker(job)
    except Exception as exc:  # reported with the first task: a raising initializer breaks the
        _PROCESS_ERROR = f"{type(exc).__name__}: {exc}"  # pool without saying why


def _process_worker() -> SweepWorker:
    if _PROCESS_WORKER is None:
        raise SweepFailedError(f"a sweep worker could not start: {_PROCESS_ERROR}")
    return _PROCESS_WORKER


def _evaluate_in_process(trial: Trial) -> TrialOutcome:
    return _process_worker().evaluate(trial)


def _timestamps_in_process() -> Int64Array:
    return _process_worker().timestamps()


def _context() -> multiprocessing.context.BaseContext:
    methods = multiprocessing.get_all_start_methods()
    if "forkserver" not in methods:  # pragma: no cover - not Linux
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    # The fork server imports the engine once; every worker forked from it starts with the
    # modules loaded instead of importing them again (seconds per worker on a busy machine).
    context.set_forkserver_preload([__name__])
    return context


class ProcessExecutor:
    """``workers`` local processes; ``timeout_s`` bounds each `evaluate` call (None: no bound)."""

    def __init__(self, workers: int | None = None, *, timeout_s: float | None = None) -> None:
        self.workers = workers if workers is not None else default_workers()
        if self.workers < 1:
            raise SweepFailedError(f"--workers must be at least 1, got {self.workers}")
        self.timeout_s = timeout_s
        self._pool: cf.ProcessPoolExecutor | None = None

    def start(self, job: SweepJob) -> None:
        self._pool = cf.ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=_context(),
            initializer=_initialise,
            initargs=(job,),
        )

    def _ready(self) -> cf.ProcessPoolExecutor:
        if self._pool is None:
            raise SweepFailedError("the executor was not started")
        return self._pool

    def _deadline(self) -> float | None:
        return None if self.timeout_s is None else time.monotonic() + self.timeout_s

    def _wait(self, pending: set[_F], deadline: float | None) -> set[_F]:
        while True:
            if deadline is not None and time.monotonic() >= deadline:
                raise SweepFailedError(
                    f"the sweep did not finish within {self.timeout_s} s "
                    f"({len(pending)} runs still going)"
                )
            cf.wait(pending, timeout=_POLL_S, return_when=cf.FIRST_COMPLETED)
            done = {future for future in pending if future.done()}
            if done:
                return done

    def evaluate(
        self, trials: Sequence[Trial], on_outcome: OutcomeCallback | None = None
    ) -> list[TrialOutcome]:
        _check_unique(trials)
        pool = self._ready()
        deadline = self._deadline()
        found: dict[int, TrialOutcome] = {}
        pending: set[cf.Future[TrialOutcome]] = set()
        queue = iter(trials)
        limit = 2 * self.workers
        try:
            while True:
                while len(pending) < limit:
                    trial = next(queue, None)
                    if trial is None:
                        break
                    pending.add(pool.submit(_evaluate_in_process, trial))
                if not pending:
                    break
                done = self._wait(pending, deadline)
                pending -= done
                for future in done:
                    outcome = future.result()
                    found[outcome.index] = outcome
                    if on_outcome is not None:
                        on_outcome(outcome)
        except cf.process.BrokenProcessPool as exc:
            self.close()
            raise SweepFailedError(
                f"a sweep worker process died ({exc}); out of memory? try fewer --workers"
            ) from None
        except BaseException:
            for future in pending:
                future.cancel()
            raise
        return _in_order(trials, found)

    def timestamps(self) -> Int64Array:
        future = self._ready().submit(_timestamps_in_process)
        deadline = self._deadline()
        self._wait({future}, deadline)
        return future.result()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


def make_executor(
    workers: int | None = None, ray_address: str | None = None, *, timeout_s: float | None = None
) -> Executor:
    """`RayExecutor` when an address is given, else local processes (serial for one worker)."""
    if ray_address is not None:
        from jts.backtest.sweeps.ray_executor import RayExecutor  # noqa: PLC0415 - optional

        return RayExecutor(ray_address, workers, timeout_s=timeout_s)
    count = workers if workers is not None else default_workers()
    if count == 1:
        return SerialExecutor()
    return ProcessExecutor(count, timeout_s=timeout_s)
