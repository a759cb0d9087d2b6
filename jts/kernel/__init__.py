"""The event-driven kernel shared by backtest, paper and live trading."""
