"""The streaming compiler's front door: a checked `Program` in, a kernel `Strategy` out.

    strategy = load_strategy("examples/strategies/sma_cross.jts", {"fast": 12})
    kernel.add_strategy(strategy)

`compile_strategy` makes one `DslStrategy` subclass per program, whose pydantic ``Params``
model mirrors the program's ``param`` lines: one field per parameter, ``int`` for whole-number
parameters and ``Decimal`` for the others, with the default and the range. Values are checked
by the DSL's own rule (`Parameter.coerce`): the same messages as ``jts dsl`` and the vectorised
evaluator, text accepted (``--param fast=12``), floats refused as inexact. The subclass also
fixes the universe and the bar specification, from the file or, where the file leaves them to
the runner, from the caller, so a sweep builds more instances with
``type(strategy)(params)``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, create_model

from jts.domain.identifiers import InstrumentId
from jts.domain.market_data import AggregationSource, BarSpecification
from jts.dsl.errors import DslRuntimeError
from jts.dsl.load import load_file
from jts.dsl.program import Parameter, Program
from jts.dsl.streaming.strategy import DslStrategy
from jts.indicators import IndicatorRegistry
from jts.kernel.strategy import StrategyParams

__all__ = ["compile_strategy", "load_strategy", "params_model", "strategy_class"]

_NAME = re.compile(r"[A-Za-z][0-9A-Za-z_]{0,63}")


def params_model(program: Program, name: str = "DslParams") -> type[StrategyParams]:
    """A frozen pydantic model with one field per ``param`` of the program."""
    fields: dict[str, Any] = {}
    for parameter in program.params:
        kind: type = int if parameter.integral else Decimal
        default: int | Decimal = int(parameter.default) if parameter.integral else parameter.default
        rule = f"in {parameter.low}..{parameter.high}" if parameter.low is not None else "any"
        fields[parameter.name] = (
            Annotated[kind, BeforeValidator(_coercer(parameter))],
            Field(default=default, description=f"DSL parameter ({rule})"),
        )
    model: type[StrategyParams] = create_model(name, __base__=StrategyParams, **fields)
    return model


def _coercer(parameter: Parameter) -> Any:
    def coerce(value: object) -> int | Decimal:
        exact = parameter.coerce(value)  # DslRuntimeError is a ValueError: pydantic reports it
        return int(exact) if parameter.integral else exact

    return coerce


def strategy_class(
    program: Program,
    *,
    name: str = "DslStrategy",
    instruments: Sequence[InstrumentId | str] | None = None,
    bars: BarSpecification | str | None = None,
    bar_source: AggregationSource = AggregationSource.EXTERNAL,
    registry: IndicatorRegistry | None = None,
) -> type[DslStrategy]:
    """The `DslStrategy` subclass for ``program``; ``instruments`` and ``bars`` replace the
    file's ``universe`` and ``bars`` (and are required where the file has none)."""
    if not _NAME.fullmatch(name):
        raise DslRuntimeError(
            f"strategy name {name!r} must be a letter then up to 63 letters, digits or _"
        )
    universe = _universe(program, instruments)
    spec = _bar_spec(program, bars)
    namespace = {
        "__module__": __name__,
        "__qualname__": name,
        "__doc__": f"The DSL program {name}, compiled for the kernel.",
        "Params": params_model(program, f"{name}Params"),
        "program": program,
        "universe": universe,
        "bar_spec": spec,
        "bar_source": bar_source,
        "registry": registry,
    }
    return type(name, (DslStrategy,), namespace)


def compile_strategy(
    program: Program,
    params: StrategyParams | Mapping[str, Any] | None = None,
    *,
    strategy_id: str | None = None,
    name: str = "DslStrategy",
    instruments: Sequence[InstrumentId | str] | None = None,
    bars: BarSpecification | str | None = None,
    bar_source: AggregationSource = AggregationSource.EXTERNAL,
    account_id: str | None = None,
    signal_only: bool = False,
    trace: bool = False,
    registry: IndicatorRegistry | None = None,
) -> DslStrategy:
    """A strategy instance running ``program`` with ``params`` (defaults where left out).

    Bad parameter values raise `InvalidParamsError` naming the parameter and its range; an
    indicator setting that a parameter value makes invalid raises `DslRuntimeError`, both
    before anything runs. ``trace=True`` keeps every bar's decisions (`DslStrategy.trace`).
    ``registry`` supplies streaming indicators for a catalog that is not `jts.indicators`.
    """
    cls = strategy_class(
        program,
        name=name,
        instruments=instruments,
        bars=bars,
        bar_source=bar_source,
        registry=registry,
    )
    return cls(
        params,
        strategy_id=strategy_id,
        account_id=account_id,
        signal_only=signal_only,
        trace=trace,
    )


def load_strategy(
    path: str | Path,
    params: StrategyParams | Mapping[str, Any] | None = None,
    **options: Any,
) -> DslStrategy:
    """Read, check and compile a ``.jts`` file (`DslError` lists every mistake in it); the
    strategy is named after the file (``sma_cross.jts`` -> ``sma_cross``, id ``sma_cross-001``)
    unless ``name`` says otherwise. Other options are `compile_strategy`'s."""
    program = load_file(path)
    options.setdefault("name", _name_of(Path(path)))
    return compile_strategy(program, params, **options)


def _name_of(path: Path) -> str:
    name = re.sub(r"[^0-9A-Za-z_]", "_", path.stem)[:64]
    return name if name[:1].isalpha() else f"S{name}"[:64]


def _universe(
    program: Program, instruments: Sequence[InstrumentId | str] | None
) -> tuple[InstrumentId, ...]:
    if instruments is None:
        if not program.universe:
            raise DslRuntimeError(
                "the program has no 'universe' line: pass the instruments to trade"
            )
        return program.universe
    universe = tuple(InstrumentId(i) for i in instruments)
    if not universe:
        raise DslRuntimeError("the instruments to trade must not be empty")
    if len(set(universe)) != len(universe):
        raise DslRuntimeError(f"an instrument is listed twice: {', '.join(map(str, universe))}")
    return universe


def _bar_spec(program: Program, bars: BarSpecification | str | None) -> BarSpecification:
    if bars is None:
        if program.bar_spec is None:
            raise DslRuntimeError("the program has no 'bars' line: pass the bar specification")
        return program.bar_spec
    return BarSpecification.parse(bars) if isinstance(bars, str) else bars
