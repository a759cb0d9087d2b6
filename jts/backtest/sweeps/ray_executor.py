"""Sweeps on a Ray cluster (``jts sweep --ray ADDRESS``): one actor per CPU, each a `SweepWorker`.

Ray is an optional extra (``pip install 'ray>=2.9,<3'``), imported only when an executor starts,
with a clear error when it is missing. ``address`` is anything `ray.init` accepts: ``auto`` (the
cluster this machine belongs to), ``HOST:PORT`` of a head node, ``ray://HOST:10001`` (Ray
Client), or ``local`` (a new single-machine instance, for trying it out). When Ray is already
initialised in this process (a notebook, a test), that connection is used and left open.

Each actor builds its `SweepWorker` once, like a local worker process, so the strategy file and
the data paths must be readable on every node (a shared file system, or a ``runtime_env``
``working_dir`` passed in ``init_options``). Trials go to idle actors one at a time, at most
one in flight per actor, and come back in trial order.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Mapping, Sequence
from typing import Any, Final

from jts.backtest.data.arrays import Int64Array
from jts.backtest.sweeps.errors import RayUnavailableError, SweepFailedError
from jts.backtest.sweeps.executor import OutcomeCallback
from jts.backtest.sweeps.worker import SweepJob, SweepWorker, Trial, TrialOutcome

__all__ = ["RayExecutor", "import_ray"]

_POLL_S: Final = 0.5
_STARTUP_TIMEOUT_S: Final = 600.0


def import_ray() -> Any:
    try:
        import ray  # noqa: PLC0415 - optional dependency, imported on use
    except ImportError as exc:
        raise RayUnavailableError(
            f"--ray needs Ray, which is not installed ({exc}); install it with "
            "pip install 'ray>=2.9,<3'"
        ) from None
    return ray


class _SweepActor:
    """The body of a Ray actor: a `SweepWorker` and the error that prevented one, if any."""

    def __init__(self, job: SweepJob) -> None:
        self._worker: SweepWorker | None = None
        self._error: str | None = None
        try:
            self._worker = SweepWorker(job)
        except Exception as exc:
            self._error = f"{type(exc).__name__}: {exc}"

    def ready(self) -> str | None:
        return self._error

    def _ready(self) -> SweepWorker:
        if self._worker is None:
            raise SweepFailedError(f"a Ray sweep worker could not start: {self._error}")
        return self._worker

    def evaluate(self, trial: Trial) -> TrialOutcome:
        return self._ready().evaluate(trial)

    def timestamps(self) -> Int64Array:
        return self._ready().timestamps()


def _unwrap(ray: Any, exc: BaseException) -> SweepFailedError:
    cause = getattr(exc, "cause", None) if isinstance(exc, ray.exceptions.RayTaskError) else None
    if isinstance(cause, SweepFailedError):
        return cause
    shown = cause if cause is not None else exc
    return SweepFailedError(f"a Ray sweep worker failed: {type(shown).__name__}: {shown}")


class RayExecutor:
    """``workers`` actors (None: one per CPU of the cluster); ``timeout_s`` bounds each
    `evaluate` call and the start-up; ``init_options`` go to `ray.init`."""

    def __init__(
        self,
        address: str | None,
        workers: int | None = None,
        *,
        timeout_s: float | None = None,
        init_options: Mapping[str, Any] | None = None,
    ) -> None:
        if workers is not None and workers < 1:
            raise SweepFailedError(f"--workers must be at least 1, got {workers}")
        self.address = address
        self.workers = workers
        self.timeout_s = timeout_s
        self.init_options = dict(init_options or {})
        self._ray: Any = None
        self._owns_connection = False
        self._actors: list[Any] = []

    def start(self, job: SweepJob) -> None:
        ray = import_ray()
        self._ray = ray
        if not ray.is_initialized():
            options: dict[str, Any] = {"log_to_driver": False, **self.init_options}
            try:
                ray.init(address=self.address, **options)
            except Exception as exc:
                raise SweepFailedError(
                    f"--ray {self.address}: cannot connect to the Ray cluster: {exc}"
                ) from exc
            self._owns_connection = True
        count = self.workers or max(1, int(ray.cluster_resources().get("CPU", 1)))
        actor = ray.remote(num_cpus=1)(_SweepActor)
        self._actors = [actor.remote(job) for _ in range(count)]
        try:
            errors = ray.get(
                [a.ready.remote() for a in self._actors],
                timeout=self.timeout_s or _STARTUP_TIMEOUT_S,
            )
        except Exception as exc:
            self.close()
            raise _unwrap(ray, exc) from exc
        problems = sorted({e for e in errors if e is not None})
        if problems:
            self.close()
            raise SweepFailedError(f"a Ray sweep worker could not start: {problems[0]}")

    def _ready(self) -> Any:
        if self._ray is None or not self._actors:
            raise SweepFailedError("the executor was not started")
        return self._ray

    def evaluate(
        self, trials: Sequence[Trial], on_outcome: OutcomeCallback | None = None
    ) -> list[TrialOutcome]:
        ray = self._ready()
        if len({t.index for t in trials}) != len(trials):
            raise SweepFailedError("trial indices must be unique within a batch")
        deadline = None if self.timeout_s is None else time.monotonic() + self.timeout_s
        idle = list(self._actors)
        pending: dict[Any, Any] = {}  # object ref -> the actor running it
        found: dict[int, TrialOutcome] = {}
        queue = iter(trials)
        try:
            while True:
                while idle:
                    trial = next(queue, None)
                    if trial is None:
                        break
                    actor = idle.pop()
                    pending[actor.evaluate.remote(trial)] = actor
                if not pending:
                    break
                if deadline is not None and time.monotonic() >= deadline:
                    raise SweepFailedError(
                        f"the sweep did not finish within {self.timeout_s} s "
                        f"({len(pending)} runs still going)"
                    )
                done, _ = ray.wait(list(pending), num_returns=1, timeout=_POLL_S)
                for ref in done:
                    idle.append(pending.pop(ref))
                    try:
                        outcome: TrialOutcome = ray.get(ref)
                    except Exception as exc:
                        raise _unwrap(ray, exc) from exc
                    found[outcome.index] = outcome
                    if on_outcome is not None:
                        on_outcome(outcome)
        except BaseException:
            for ref in pending:
                with contextlib.suppress(Exception):  # best effort: close() kills the actors
                    ray.cancel(ref)
            raise
        return [found[trial.index] for trial in trials]

    def timestamps(self) -> Int64Array:
        ray = self._ready()
        try:
            stamps: Int64Array = ray.get(
                self._actors[0].timestamps.remote(), timeout=self.timeout_s or _STARTUP_TIMEOUT_S
            )
        except Exception as exc:
            raise _unwrap(ray, exc) from exc
        return stamps

    def close(self) -> None:
        ray = self._ray
        if ray is None:
            return
        for actor in self._actors:
            ray.kill(actor)
        self._actors = []
        if self._owns_connection:
            ray.shutdown()
            self._owns_connection = False
        self._ray = None
