"""KIS (Korea Investment & Securities) Open API adapter: REST and WebSocket clients behind the
execution and market data ports, plus a local simulator of the service (`simulator`).
"""
