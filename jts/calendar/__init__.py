"""Trading calendars (XKRX sessions, holidays, auctions, settlement) behind `jts.ports.calendar`."""
