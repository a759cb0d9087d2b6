"""Run every ``benchmarks/bench_*.py`` (or those named on the command line) and print figures.

Each benchmark module exposes ``main() -> None`` that prints its own figures. Benchmarks that
need a service (Redis, PostgreSQL) print a clear "skipped: ..." line when it is absent.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
import time
from pathlib import Path


def main(argv: list[str]) -> int:
    here = Path(__file__).parent
    names = sorted(m.name for m in pkgutil.iter_modules([str(here)]) if m.name.startswith("bench_"))
    wanted = [a.removesuffix(".py").removeprefix("benchmarks/") for a in argv]
    if wanted:
        unknown = set(wanted) - set(names)
        if unknown:
            print(f"unknown benchmark(s): {', '.join(sorted(unknown))}; have: {', '.join(names)}")
            return 2
        names = [n for n in names if n in wanted]
    failures = 0
    for name in names:
        print(f"=== {name}")
        started = time.perf_counter()
        try:
            importlib.import_module(f"benchmarks.{name}").main()
        except Exception as exc:
            failures += 1
            print(f"FAILED: {type(exc).__name__}: {exc}")
        print(f"--- {name} took {time.perf_counter() - started:.1f} s\n")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
