"""The JTS strategy language: parse, check, format and evaluate ``.jts`` strategy files.

    from jts.dsl import load_file, evaluate, BarArrays

    program = load_file("examples/strategies/sma_cross.jts")    # DslError lists every mistake
    signals = evaluate(program, BarArrays.of(open=o, high=h, low=lo, close=c, volume=v, ts=ts),
                       {"fast": 5})
    signals.enter_long, signals.exit_long, signals.series["fast_ma"]

The pipeline: `parse_script` (Lark grammar -> `jts.dsl.ast`) -> `check_script` (names and types
resolved against the indicator catalog -> `Program`, whose expressions are `jts.dsl.typed`
nodes) -> a compiler: `evaluate` here (vectorised numpy), the streaming strategy elsewhere.
docs/dsl.md is the language reference.
"""

from jts.dsl.catalog import Catalog, IndicatorCatalog, IndicatorParam, IndicatorSignature
from jts.dsl.checker import check_script
from jts.dsl.errors import Diagnostic, DslError, DslRuntimeError, Span, format_diagnostics
from jts.dsl.formatter import format_file, format_source
from jts.dsl.load import check_file, check_source, load_file, read_source
from jts.dsl.parser import parse_script
from jts.dsl.program import (
    Let,
    Parameter,
    Program,
    Rule,
    Scalar,
    SizeEquityPercent,
    SizeRisk,
    SizeShares,
    SizeValue,
    Sizing,
    Stop,
    TimeRules,
    resolve_scalar,
)
from jts.dsl.registry import catalog_from_indicators, default_catalog
from jts.dsl.signals import BarArrays, Signals, evaluate

__all__ = [
    "BarArrays",
    "Catalog",
    "Diagnostic",
    "DslError",
    "DslRuntimeError",
    "IndicatorCatalog",
    "IndicatorParam",
    "IndicatorSignature",
    "Let",
    "Parameter",
    "Program",
    "Rule",
    "Scalar",
    "Signals",
    "SizeEquityPercent",
    "SizeRisk",
    "SizeShares",
    "SizeValue",
    "Sizing",
    "Span",
    "Stop",
    "TimeRules",
    "catalog_from_indicators",
    "check_file",
    "check_script",
    "check_source",
    "default_catalog",
    "evaluate",
    "format_diagnostics",
    "format_file",
    "format_source",
    "load_file",
    "parse_script",
    "read_source",
    "resolve_scalar",
]
