"""Which execution client an order goes to.

Routes are looked up most specific first: (strategy, instrument), then strategy, then
instrument, then the venue's default client. When several clients can serve a route, the one
with the most remaining capacity (as the client reports it) wins; ties keep registration order.
A caller may narrow the choice with ``prefer`` (the kernel prefers, for a sell, the accounts
that hold the shares); when no candidate is preferred, all of them stay in the running.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol, runtime_checkable

from jts.domain.identifiers import AccountId, InstrumentId, StrategyId, Venue
from jts.ports.execution import ExecutionClient


@runtime_checkable
class CapacityAware(Protocol):
    """Optional: clients that know their rate-limit headroom (0.0 exhausted .. 1.0 idle)."""

    def available_capacity(self) -> float: ...


class NoRouteError(LookupError):
    pass


class OrderRouter:
    def __init__(self) -> None:
        self._clients: dict[AccountId, ExecutionClient] = {}
        self._by_venue: dict[Venue, list[AccountId]] = {}
        self._routes: dict[tuple[StrategyId | None, InstrumentId | None], list[AccountId]] = {}
        self._venues: dict[InstrumentId, Venue] = {}  # parsed once per instrument id

    def add_client(self, client: ExecutionClient) -> None:
        self._clients[client.account_id] = client
        accounts = self._by_venue.setdefault(client.venue, [])
        if client.account_id not in accounts:
            accounts.append(client.account_id)

    def clients(self) -> list[ExecutionClient]:
        return list(self._clients.values())

    def client(self, account_id: AccountId) -> ExecutionClient | None:
        return self._clients.get(account_id)

    def add_route(
        self,
        accounts: Sequence[AccountId],
        *,
        strategy_id: StrategyId | None = None,
        instrument_id: InstrumentId | None = None,
    ) -> None:
        self._routes[(strategy_id, instrument_id)] = list(accounts)

    def route(
        self,
        instrument_id: InstrumentId,
        strategy_id: StrategyId,
        account_id: AccountId | None = None,
        prefer: Callable[[AccountId], bool] | None = None,
    ) -> ExecutionClient:
        if account_id is not None:
            client = self._clients.get(account_id)
            if client is None:
                raise NoRouteError(f"no execution client for account {account_id}")
            return client
        for key in (
            (strategy_id, instrument_id),
            (strategy_id, None),
            (None, instrument_id),
        ):
            accounts = self._routes.get(key)
            if accounts:
                return self._best(accounts, prefer)
        venue = self._venues.get(instrument_id)
        if venue is None:
            venue = self._venues[instrument_id] = instrument_id.venue
        accounts = self._by_venue.get(venue)
        if not accounts:
            raise NoRouteError(f"no execution client for venue {venue}")
        return self._best(accounts, prefer)

    def _best(
        self, accounts: Sequence[AccountId], prefer: Callable[[AccountId], bool] | None
    ) -> ExecutionClient:
        if len(accounts) == 1:
            only = self._clients.get(accounts[0])
            if only is not None:
                return only
        candidates = [self._clients[a] for a in accounts if a in self._clients]
        if not candidates:
            raise NoRouteError(f"none of the accounts {list(accounts)} has a client")
        if len(candidates) == 1:
            return candidates[0]
        if prefer is not None:
            preferred = [c for c in candidates if prefer(c.account_id)]
            if preferred:
                candidates = preferred
        best = candidates[0]
        best_capacity = -1.0
        for client in candidates:
            capacity = client.available_capacity() if isinstance(client, CapacityAware) else 1.0
            if capacity > best_capacity:
                best, best_capacity = client, capacity
        return best
