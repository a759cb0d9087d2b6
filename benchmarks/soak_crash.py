"""Crash soak (issue 6 §7): 20 SIGKILLs of a node trading against a separate simulator over
several hundred orders, then the journal is compared with the simulator's books.

    .venv/bin/python -m benchmarks.soak_crash [--kills 20] [--seed 1]

Not part of the test suite (it runs for several minutes); prints the counts and any problem.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from tests.integration.live.test_crash import FAST_TRADING, run_crash_session


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--min-alive", type=float, default=3.0)
    parser.add_argument("--max-alive", type=float, default=15.0)
    parser.add_argument(
        "--tick-interval", type=float, default=0.02, help="seconds between simulator ticks"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="jts-soak-") as tmp:
        report = run_crash_session(
            Path(tmp),
            kills=args.kills,
            seed=args.seed,
            min_alive_s=args.min_alive,
            max_alive_s=args.max_alive,
            final_s=10.0,
            tick_interval_s=args.tick_interval,
            node_args=FAST_TRADING,
        )
    print(
        f"kills {report.kills}  journal orders {report.journal_orders}  "
        f"journal fills {report.journal_fills}  venue orders {report.venue_orders}  "
        f"venue fills {report.venue_fills}  problems {len(report.problems)}"
    )
    for problem in report.problems:
        print("  " + problem)
    return 1 if report.problems else 0


if __name__ == "__main__":
    sys.exit(main())
