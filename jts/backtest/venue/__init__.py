"""The backtest's simulated venue: an `ExecutionClient` over `jts.matching` engines."""

from jts.backtest.venue.client import DuplicateOrderError, InstrumentLookup, SimulatedVenue
from jts.backtest.venue.ledger import VenueLedger, VenueOrder

__all__ = ["DuplicateOrderError", "InstrumentLookup", "SimulatedVenue", "VenueLedger", "VenueOrder"]
