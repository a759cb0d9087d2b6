"""`AlgorithmEngine`: starts execution algorithms in one kernel and routes their children's
events back to them.

The kernel owns one engine (``kernel.algorithms``). The engine listens to the OMS once, after
the kernel's own listener, and looks each event's client order id up in a map of live
children, so the cost per order event does not grow with the number of algorithms ever run.
Finished algorithms leave the engine; their owners keep their objects and final progress.

With a `ParentStore` (``engine.store``, set by whoever wires a node with a database) every
started algorithm's parent is saved, its end is recorded, and `resume_saved` rebuilds the ones
a previous process left running (see `jts.kernel.execution.algorithms.persistence`).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterator
from typing import TypeVar

from jts.core.errors import InvalidInputError, JtsError, StateError
from jts.domain.events_order import OrderEvent
from jts.domain.identifiers import AccountId, ClientOrderId, StrategyId
from jts.domain.messages import Message
from jts.domain.orders import Order
from jts.kernel.execution.algorithms.base import ExecAlgorithm
from jts.kernel.execution.algorithms.persistence import (
    ParentRecord,
    ParentStore,
    algorithm_from_record,
)
from jts.kernel.execution.algorithms.progress import AlgorithmStatus
from jts.kernel.execution.algorithms.runtime import (
    AlgorithmHost,
    AlgorithmRuntime,
    Guard,
    Publisher,
)
from jts.kernel.execution.algorithms.terms import parent_of
from jts.kernel.strategy.strategy import Strategy

__all__ = ["AlgorithmEngine"]

log = logging.getLogger(__name__)

_Algo = TypeVar("_Algo", bound=ExecAlgorithm)


def _no_publish(topic: str, message: Message) -> None:
    """Nobody outside is listening."""


@contextlib.contextmanager
def _no_guard() -> Iterator[None]:
    yield


class AlgorithmEngine:
    def __init__(
        self, host: AlgorithmHost, *, publish: Publisher | None = None, guard: Guard | None = None
    ) -> None:
        self._host = host
        self._publish = publish or _no_publish
        self._guard: Guard = guard or _no_guard
        self._active: dict[str, ExecAlgorithm] = {}
        self._by_child: dict[ClientOrderId, ExecAlgorithm] = {}
        self._used_ids: set[str] = set()
        #: Where parents are saved for a restart; None keeps algorithms in memory only.
        self.store: ParentStore | None = None
        host.execution.add_listener(self._on_order_event)

    def start(self, algorithm: _Algo, strategy: Strategy | None = None) -> _Algo:
        """Start ``algorithm``; its children trade under ``strategy`` (its id, and its account
        unless the algorithm names one) or, without a strategy, under a strategy id equal to
        the algorithm id. Raises (and leaves nothing behind) if the algorithm's terms do not
        fit the instrument or the clock."""
        if not isinstance(algorithm, ExecAlgorithm):
            raise InvalidInputError(f"not an execution algorithm: {type(algorithm).__name__}")
        if algorithm.status is not AlgorithmStatus.PENDING or algorithm.id in self._active:
            raise StateError(f"{algorithm.name} {algorithm.id} was already started")
        if not algorithm.id:
            suffix = self._host.next_client_order_id().rsplit("-", 1)[-1]
            algorithm._assign_id(f"{algorithm.name}-{suffix}")
        algorithm_id = algorithm.id
        if algorithm_id in self._used_ids:
            raise StateError(f"an algorithm with id {algorithm_id} was already started")
        strategy_id = strategy.id if strategy is not None else StrategyId(algorithm_id)
        account = algorithm.account_id or (strategy.account_id if strategy is not None else None)

        def save() -> None:
            if self.store is not None:
                self.store.started(
                    ParentRecord(
                        algorithm_id=algorithm_id,
                        kind=algorithm.name,
                        strategy_id=str(strategy_id),
                        account_id=None if account is None else str(account),
                        owned=strategy is not None,
                        window_start_ns=algorithm.window_start_ns,
                        terms=algorithm.terms(),
                    )
                )

        runtime = self._runtime(algorithm, strategy_id, account, on_started=save)
        self._used_ids.add(algorithm_id)
        self._active[algorithm_id] = algorithm
        try:
            algorithm._start(runtime)
        except Exception:
            if algorithm.status is AlgorithmStatus.PENDING:
                self._active.pop(algorithm_id, None)
                self._used_ids.discard(algorithm_id)
            raise
        return algorithm

    def resume(self, record: ParentRecord) -> ExecAlgorithm:
        """Rebuild the algorithm of ``record`` with its children from the cache (the journal's
        orders, rebuilt by the node) and let it continue (`ExecAlgorithm._resume`)."""
        algorithm = algorithm_from_record(record)
        algorithm_id = algorithm.id
        if algorithm_id in self._used_ids:
            raise StateError(f"an algorithm with id {algorithm_id} was already started")
        children = [
            order
            for order in self._host.cache.orders()
            if parent_of(order.init.tags) == algorithm_id
        ]
        children.sort(key=lambda order: (order.ts_init, str(order.client_order_id)))
        account = None if record.account_id is None else AccountId(record.account_id)
        runtime = self._runtime(algorithm, StrategyId(record.strategy_id), account)
        self._used_ids.add(algorithm_id)
        self._active[algorithm_id] = algorithm
        try:
            with self._guard():
                algorithm._resume(runtime, children, record.window_start_ns)
        except Exception:
            if algorithm.status is not AlgorithmStatus.PENDING:
                raise
            self._active.pop(algorithm_id, None)
            self._used_ids.discard(algorithm_id)
            raise
        return algorithm

    def resume_saved(self) -> list[ExecAlgorithm]:
        """Resume every algorithm the store holds as running; one that cannot be rebuilt is
        recorded as ended (with why) and logged, so it is not tried again at every start."""
        if self.store is None:
            return []
        resumed: list[ExecAlgorithm] = []
        for record in self.store.active():
            try:
                resumed.append(self.resume(record))
            except JtsError as exc:
                log.error("algorithm %s not resumed: %s", record.algorithm_id, exc)
                self.store.ended(record.algorithm_id, "ABANDONED", f"not resumed: {exc}")
        return resumed

    def _runtime(
        self,
        algorithm: ExecAlgorithm,
        strategy_id: StrategyId,
        account: AccountId | None,
        *,
        on_started: Callable[[], None] | None = None,
    ) -> AlgorithmRuntime:
        algorithm_id = algorithm.id
        return AlgorithmRuntime(
            self._host,
            algorithm_id=algorithm_id,
            strategy_id=strategy_id,
            account_id=account,
            guard=self._guard,
            publish=self._publish,
            register_child=lambda client_order_id: self._route(client_order_id, algorithm),
            on_done=lambda: self._forget(algorithm_id),
            on_started=on_started,
        )

    def get(self, algorithm_id: str) -> ExecAlgorithm | None:
        """A running (or finishing) algorithm by id."""
        return self._active.get(algorithm_id)

    def active(self) -> list[ExecAlgorithm]:
        """Algorithms not yet in a terminal status, in the order they were started."""
        return list(self._active.values())

    def cancel_all(self, reason: str = "canceled") -> int:
        """Cancel every active algorithm; returns how many were asked."""
        algorithms = self.active()
        with self._guard():
            for algorithm in algorithms:
                algorithm.cancel(reason)
        return len(algorithms)

    # ---- routing ------------------------------------------------------------------------------
    def _forget(self, algorithm_id: str) -> None:
        algorithm = self._active.pop(algorithm_id, None)
        if algorithm is not None and self.store is not None:
            self.store.ended(algorithm_id, algorithm.status.value, algorithm.reason)

    def _route(self, client_order_id: ClientOrderId, algorithm: ExecAlgorithm) -> None:
        self._by_child[client_order_id] = algorithm

    def _on_order_event(self, order: Order, event: OrderEvent) -> None:
        algorithm = self._by_child.get(event.client_order_id)
        if algorithm is None:
            return
        if order.is_closed:
            del self._by_child[event.client_order_id]
        algorithm._on_child_event(order, event)
