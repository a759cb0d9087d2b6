"""`AlgorithmEngine`: starts execution algorithms in one kernel and routes their children's
events back to them.

The kernel owns one engine (``kernel.algorithms``). The engine listens to the OMS once, after
the kernel's own listener, and looks each event's client order id up in a map of live
children, so the cost per order event does not grow with the number of algorithms ever run.
Finished algorithms leave the engine; their owners keep their objects and final progress.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import TypeVar

from jts.core.errors import InvalidInputError, StateError
from jts.domain.events_order import OrderEvent
from jts.domain.identifiers import ClientOrderId, StrategyId
from jts.domain.messages import Message
from jts.domain.orders import Order
from jts.kernel.execution.algorithms.base import ExecAlgorithm
from jts.kernel.execution.algorithms.progress import AlgorithmStatus
from jts.kernel.execution.algorithms.runtime import (
    AlgorithmHost,
    AlgorithmRuntime,
    Guard,
    Publisher,
)
from jts.kernel.strategy.strategy import Strategy

__all__ = ["AlgorithmEngine"]

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
        runtime = AlgorithmRuntime(
            self._host,
            algorithm_id=algorithm_id,
            strategy_id=strategy_id,
            account_id=account,
            guard=self._guard,
            publish=self._publish,
            register_child=lambda client_order_id: self._route(client_order_id, algorithm),
            on_done=lambda: self._forget(algorithm_id),
        )
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
        self._active.pop(algorithm_id, None)

    def _route(self, client_order_id: ClientOrderId, algorithm: ExecAlgorithm) -> None:
        self._by_child[client_order_id] = algorithm

    def _on_order_event(self, order: Order, event: OrderEvent) -> None:
        algorithm = self._by_child.get(event.client_order_id)
        if algorithm is None:
            return
        if order.is_closed:
            del self._by_child[event.client_order_id]
        algorithm._on_child_event(order, event)
