"""Pre-trade risk: small pure rules, a configurable engine, and the kill switch."""
