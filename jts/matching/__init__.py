"""Order matching for simulated venues: the backtest's venue and the broker simulators share it."""
