"""The ``[routing]`` section: which account an order goes to, per strategy and instrument.

```toml
[[routing.routes]]
strategy = "SMACross-001"          # optional
instrument = "005930.KRX"          # optional (at least one of the two)
accounts = ["KIS-12345678-01", "KIS-87654321-01"]
```

The kernel's `OrderRouter` looks routes up most specific first (strategy and instrument, then
strategy, then instrument) and falls back to every account of the instrument's venue. When a
route names several accounts, the one with the most rate-limit headroom gets the order (an
account that is disconnected has none). An order that names its account goes there. The
node refuses to start when a route names an account it does not trade (`jts.live.routing`).
"""

from __future__ import annotations

from pydantic import Field, field_validator, model_validator

from jts.config.components import ComponentConfig
from jts.core.errors import ParseError
from jts.domain.identifiers import AccountId, InstrumentId

__all__ = ["RouteConfig", "RoutingConfig"]


class RouteConfig(ComponentConfig):
    strategy: str = ""
    instrument: str = ""
    accounts: tuple[str, ...] = Field(min_length=1)

    @field_validator("strategy", "accounts")
    @classmethod
    def _strip(cls, value: str | tuple[str, ...]) -> str | tuple[str, ...]:
        if isinstance(value, str):
            return value.strip()
        names = tuple(name.strip() for name in value)
        for name in names:
            try:
                AccountId(name)
            except ParseError as exc:
                raise ValueError(f"{exc} (accounts look like KIS-12345678-01)") from None
        if len(set(names)) != len(names):
            raise ValueError(f"an account is named twice: {list(names)}")
        return names

    @field_validator("instrument")
    @classmethod
    def _instrument(cls, value: str) -> str:
        text = value.strip()
        if text:
            try:
                InstrumentId(text)
            except ParseError as exc:
                raise ValueError(str(exc)) from None
        return text

    @model_validator(mode="after")
    def _scoped(self) -> RouteConfig:
        if not self.strategy and not self.instrument:
            raise ValueError(
                "a route needs a strategy, an instrument or both (the venue's accounts are "
                "the fallback already)"
            )
        return self


class RoutingConfig(ComponentConfig):
    routes: tuple[RouteConfig, ...] = ()

    @model_validator(mode="after")
    def _unique(self) -> RoutingConfig:
        seen: set[tuple[str, str]] = set()
        for route in self.routes:
            key = (route.strategy, route.instrument)
            if key in seen:
                raise ValueError(
                    f"two routes for strategy {route.strategy or '*'} and instrument "
                    f"{route.instrument or '*'}"
                )
            seen.add(key)
        return self
