"""Historical data for backtests: the file schema, the merged feed, a generator, an importer.

The schema is documented in docs/data-format.md. Typical use::

    feed = BarFeed("data/", calendar=XkrxCalendar(), start="2024-01-02", end="2024-06-28")
    for chunk in feed.iter_bar_arrays():   # exact int64 columns, a chunk at a time
        ...
    for bar in feed.iter_bars():           # or `Bar` objects, one at a time
        ...

    write_bars(generate_bars(n_days=20, seed=1), "demo/bars.parquet")
    import_ohlcv_csv("export.csv", "data/005930.KRX.parquet")

Import from here; the submodules are an implementation detail.
"""

from jts.backtest.data.arrays import BarArrays, InstrumentTable, TickArrays
from jts.backtest.data.errors import (
    DataFileError,
    DataGapError,
    DataPrecisionError,
    DataPriceError,
    DataQualityWarning,
    DataValueError,
    DuplicateRowError,
    FeedOptionError,
    InconsistentBarError,
    MissingColumnsError,
    NoDataFilesError,
    OutsideSessionError,
    UnknownDataInstrumentError,
    UnsortedDataError,
)
from jts.backtest.data.feed import BarFeed, TimeBound, TradeTickFeed, resolve_bound
from jts.backtest.data.importer import (
    ENGLISH,
    KOREAN,
    KOREAN_WITH_TIME,
    PRESETS,
    ColumnNames,
    ImportOptions,
    ImportResult,
    import_ohlcv_csv,
)
from jts.backtest.data.report import DataIssue, FeedReport, IssueKind
from jts.backtest.data.schema import (
    ONE_DAY,
    ONE_MINUTE,
    DataKind,
    FileFormat,
    GapPolicy,
    ReadOptions,
    SessionPolicy,
    TimestampConvention,
    aggressor_code,
    bar_file_schema,
)
from jts.backtest.data.synthetic import DEFAULT_MODELS, DEFAULT_SYMBOLS, PriceModel, generate_bars
from jts.backtest.data.writers import bar_table, write_bars

__all__ = [
    "DEFAULT_MODELS",
    "DEFAULT_SYMBOLS",
    "ENGLISH",
    "KOREAN",
    "KOREAN_WITH_TIME",
    "ONE_DAY",
    "ONE_MINUTE",
    "PRESETS",
    "BarArrays",
    "BarFeed",
    "ColumnNames",
    "DataFileError",
    "DataGapError",
    "DataIssue",
    "DataKind",
    "DataPrecisionError",
    "DataPriceError",
    "DataQualityWarning",
    "DataValueError",
    "DuplicateRowError",
    "FeedOptionError",
    "FeedReport",
    "FileFormat",
    "GapPolicy",
    "ImportOptions",
    "ImportResult",
    "InconsistentBarError",
    "InstrumentTable",
    "IssueKind",
    "MissingColumnsError",
    "NoDataFilesError",
    "OutsideSessionError",
    "PriceModel",
    "ReadOptions",
    "SessionPolicy",
    "TickArrays",
    "TimeBound",
    "TimestampConvention",
    "TradeTickFeed",
    "UnknownDataInstrumentError",
    "UnsortedDataError",
    "aggressor_code",
    "bar_file_schema",
    "bar_table",
    "generate_bars",
    "import_ohlcv_csv",
    "resolve_bound",
    "write_bars",
]
