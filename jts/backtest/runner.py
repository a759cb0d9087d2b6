"""One backtest from files to results: what `jts backtest` and the sweeps call.

`build_engine` wires the kernel, the simulated venue, the cost model and the calendar for a
`BacktestConfig`; `run_backtest` streams a `BarFeed` through it. Strategies are loaded from a
Python file (``path.py[:Class]``) or a DSL file (``.jts``) by `load_strategy`.
"""

from __future__ import annotations

import dataclasses
import importlib
import importlib.util
import inspect
import logging
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from jts.backtest.calendar_cache import cached_xkrx_calendar
from jts.backtest.data import BarFeed, ReadOptions
from jts.backtest.data.readers import _csv_header as csv_header
from jts.backtest.data.readers import discover_files
from jts.backtest.data.schema import FileFormat
from jts.backtest.engine import BacktestConfig, BacktestEngine
from jts.backtest.results import BacktestResult
from jts.backtest.venue import SimulatedVenue
from jts.calendar import CryptoCalendar
from jts.core.errors import InvalidInputError, UnknownInstrumentError
from jts.domain.identifiers import KRX, NXT, AccountId, InstrumentId, Venue
from jts.domain.instruments import Instrument, Market, krx_equity
from jts.domain.reference import load_reference_instruments
from jts.kernel.ids import VenueIdFactory
from jts.kernel.strategy import Strategy
from jts.matching.costs import KrxCostModel, UpbitCostModel, ZeroCostModel
from jts.matching.models import FillMode, MatchingConfig
from jts.ports.calendar import TradingCalendar
from jts.ports.costs import CostModel

#: Prefix of the simulated venue's order and trade ids (the vector CLI numbers its fills alike).
SIMULATED_VENUE_ID_PREFIX = "SIM"

log = logging.getLogger(__name__)


class StrategyLoadError(InvalidInputError):
    """``--strategy`` does not name a loadable strategy; the message says what was found."""


# ---- strategies -------------------------------------------------------------------------------
def load_strategy_class(spec: str) -> type[Strategy]:
    """``path/to/file.py`` (the one Strategy subclass defined there) or ``file.py:ClassName``."""
    path_text, _, class_name = spec.partition(":")
    path = Path(path_text)
    if not path.is_file():
        raise StrategyLoadError(f"--strategy: no such file {path}")
    if path.suffix != ".py":
        raise StrategyLoadError(f"--strategy: expected a .py or .jts file, got {path.name}")
    module_name = f"jts_user_strategy_{abs(hash(path.resolve()))}"
    module_spec = importlib.util.spec_from_file_location(module_name, path)
    if module_spec is None or module_spec.loader is None:
        raise StrategyLoadError(f"--strategy: cannot import {path}")
    module = importlib.util.module_from_spec(module_spec)
    sys.modules[module_name] = module
    try:
        module_spec.loader.exec_module(module)
    except Exception as exc:
        raise StrategyLoadError(f"--strategy: importing {path} failed: {exc!r}") from exc
    found = {
        name: obj
        for name, obj in vars(module).items()
        if inspect.isclass(obj)
        and issubclass(obj, Strategy)
        and obj is not Strategy
        and obj.__module__ == module_name
    }
    if class_name:
        if class_name not in found:
            known = ", ".join(sorted(found)) or "none"
            raise StrategyLoadError(
                f"--strategy: no Strategy class {class_name!r} in {path} ({known})"
            )
        return found[class_name]
    if len(found) != 1:
        known = ", ".join(sorted(found)) or "none"
        raise StrategyLoadError(
            f"--strategy: {path} defines {len(found)} Strategy classes ({known}); name one as "
            f"{path}:ClassName"
        )
    return next(iter(found.values()))


def load_strategy(spec: str, params: Mapping[str, Any] | None = None) -> Strategy:
    """A ready strategy instance from ``--strategy`` and ``--param`` values."""
    path_text = spec.partition(":")[0]
    if path_text.endswith(".jts"):
        try:
            compiler = importlib.import_module("jts.dsl.strategy")
        except ImportError as exc:
            raise StrategyLoadError(f"--strategy: the DSL compiler is unavailable ({exc})") from exc
        strategy = compiler.load_strategy(Path(path_text), dict(params or {}))
        if not isinstance(strategy, Strategy):
            raise StrategyLoadError(f"--strategy: {path_text} did not compile to a Strategy")
        return strategy
    return load_strategy_class(spec)(params=dict(params or {}))


# ---- instruments and venues -------------------------------------------------------------------
def resolve_instruments(ids: Sequence[InstrumentId]) -> list[Instrument]:
    """Reference instruments by id; an unknown 6-character KRX code is assumed to be a KOSPI
    stock (with a warning), anything else unknown is an error naming the id."""
    known = {i.id: i for i in load_reference_instruments()}
    found: list[Instrument] = []
    for instrument_id in ids:
        instrument = known.get(instrument_id)
        if instrument is None:
            if instrument_id.venue in (KRX, NXT) and len(instrument_id.symbol) == 6:
                log.warning(
                    "%s is not a reference instrument: assuming a KOSPI stock", instrument_id
                )
                instrument = krx_equity(
                    str(instrument_id.symbol), str(instrument_id.symbol), Market.KOSPI
                )
            else:
                raise UnknownInstrumentError(f"unknown instrument {instrument_id} in the data")
        found.append(instrument)
    return found


def scan_instrument_ids(
    paths: Sequence[Path], instrument: InstrumentId | None
) -> list[InstrumentId]:
    """The instruments a data set holds, read from the ``instrument`` column alone (or the
    ``--instrument`` option, or the file name ``005930.KRX.csv``), without reading the bars."""
    files, _ = discover_files(list(paths))
    found: dict[str, None] = {}
    for file in files:
        if file.format is FileFormat.PARQUET:
            parquet = pq.ParquetFile(file.path)
            if "instrument" in parquet.schema_arrow.names:
                for value in _parquet_instruments(parquet):
                    found[value] = None
                continue
            column = None
        else:
            header = csv_header(file)
            column = (
                pacsv.read_csv(
                    file.path, convert_options=pacsv.ConvertOptions(include_columns=["instrument"])
                ).column("instrument")
                if "instrument" in header
                else None
            )
        if column is not None:
            for value in pc.unique(column).to_pylist():
                found[str(value)] = None
        elif instrument is not None:
            found[str(instrument)] = None
        else:
            found[file.stem] = None
    try:
        return [InstrumentId(text) for text in sorted(found)]
    except InvalidInputError as exc:
        raise InvalidInputError(
            f"{exc}: give --instrument for files without an instrument column"
        ) from None


def _parquet_instruments(parquet: pq.ParquetFile) -> list[str]:
    """The distinct values of the ``instrument`` column, row group by row group.

    A row group whose statistics say it holds one instrument (min == max, no nulls) is not
    read at all; the others are read one at a time. Reading the whole column of a million-row
    file as strings cost some 80 MB that Arrow's allocator then kept for the rest of the run;
    this costs next to nothing for files with one instrument per row group.
    """
    meta = parquet.metadata
    position = (
        next(
            (
                index
                for index in range(meta.num_columns)
                if meta.row_group(0).column(index).path_in_schema == "instrument"
            ),
            None,
        )
        if meta.num_row_groups
        else None
    )
    found: dict[str, None] = {}
    for group in range(meta.num_row_groups):
        if position is not None:
            stats = meta.row_group(group).column(position).statistics
            if (
                stats is not None
                and stats.has_min_max
                and stats.null_count == 0
                and stats.min == stats.max
            ):
                found[str(stats.min)] = None
                continue
        column = parquet.read_row_group(group, columns=["instrument"]).column("instrument")
        for value in pc.unique(column).to_pylist():
            found[str(value)] = None
    return list(found)


def default_calendar(venue: Venue) -> TradingCalendar:
    """XKRX for KRX and NXT (cached on disk across runs, see `calendar_cache`), else the
    always-open crypto calendar."""
    return cached_xkrx_calendar() if venue in (KRX, NXT) else CryptoCalendar()


def default_costs(config: BacktestConfig, venue: Venue, calendar: TradingCalendar) -> CostModel:
    if config.commission == 0 and (config.tax == 0 or venue not in (KRX, NXT)):
        return ZeroCostModel()  # nothing to compute per fill
    if venue in (KRX, NXT):
        return KrxCostModel.from_overrides(calendar, commission=config.commission, tax=config.tax)
    if config.commission is not None and config.commission == 0:
        return ZeroCostModel()
    if config.commission is not None:
        return UpbitCostModel(fee_rate=config.commission)
    return UpbitCostModel()


def venue_factory(
    calendar: TradingCalendar, costs: CostModel | None, matching: MatchingConfig
) -> Callable[[BacktestEngine, Venue, AccountId], SimulatedVenue]:
    def build(engine: BacktestEngine, venue: Venue, account_id: AccountId) -> SimulatedVenue:
        return SimulatedVenue(
            engine.clock,
            engine.kernel.cache.instrument,
            calendar=calendar,
            costs=costs or default_costs(engine.config, venue, calendar),
            ids=VenueIdFactory(SIMULATED_VENUE_ID_PREFIX),
            account_id=account_id,
            venue=venue,
            config=matching,
        )

    return build


def build_engine(
    config: BacktestConfig,
    instruments: Sequence[Instrument],
    *,
    calendar: TradingCalendar | None = None,
    costs: CostModel | None = None,
    matching: MatchingConfig | None = None,
) -> BacktestEngine:
    venue = instruments[0].venue if instruments else Venue("KRX")
    calendar = calendar or default_calendar(venue)
    fill = FillMode.NEXT_OPEN if config.fill == "next-open" else FillMode.CLOSE
    matching = matching or MatchingConfig(fill=fill)
    return BacktestEngine(
        config,
        instruments,
        venue_factory=venue_factory(calendar, costs, matching),
        calendar=calendar,
    )


def run_backtest(
    strategies: Sequence[Strategy],
    data: Path | Sequence[Path],
    config: BacktestConfig,
    *,
    instrument: InstrumentId | None = None,
    calendar: TradingCalendar | None = None,
    costs: CostModel | None = None,
    matching: MatchingConfig | None = None,
    options: ReadOptions | None = None,
    progress: Callable[[int], None] | None = None,
) -> BacktestResult:
    """Stream the bars in ``data`` (file or folder) through the strategies.

    ``options`` says how to read the files (bar interval, timestamp convention, repair);
    ``instrument`` names the instrument of files without an instrument column.
    """
    paths = [data] if isinstance(data, Path) else list(data)
    read = options or ReadOptions()
    if instrument is not None:
        read = dataclasses.replace(read, instrument=instrument)
    instruments = resolve_instruments(scan_instrument_ids(paths, read.instrument))
    engine = build_engine(config, instruments, calendar=calendar, costs=costs, matching=matching)
    feed = BarFeed(
        paths,
        instruments=instruments,
        options=read,
        start=config.start_ns,
        end=config.end_ns,
        calendar=engine.calendar,
    )
    for strategy in strategies:
        engine.add_strategy(strategy)
    return engine.run(feed.iter_bars(), progress=progress)
