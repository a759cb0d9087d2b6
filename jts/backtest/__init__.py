"""Backtesting on the shared kernel: simulated venue, historical feeds, runner, sweeps."""
