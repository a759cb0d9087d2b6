"""Positions, accounts and PnL, updated from fills and marked to market."""
