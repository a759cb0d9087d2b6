"""Market data against the simulator: 60 symbols over two sessions (40 per session), ticks and
books arriving and parsed into domain objects."""

from __future__ import annotations

from jts.adapters.kis.frames import BOOK_TR, TICK_TR
from jts.domain.identifiers import InstrumentId
from jts.domain.market_data import OrderBookSnapshot, QuoteTick, TradeTick
from tests.integration.kis_adapter.conftest import admin, eventually, sim_config


async def test_sixty_symbols_across_two_sessions(start_sim, node_factory):
    sim = await start_sim(sim_config(apps=2, max_subscriptions=40))
    symbols = [s for s in sim.ctx.market.symbols()][:60]
    assert len(symbols) == 60
    async with node_factory(sim) as node:
        data = node.data_client()
        received: list[object] = []
        data.bind(received.append)
        await data.connect()
        for symbol in symbols:
            data.subscribe_trade_ticks(InstrumentId(f"{symbol}.KRX"))
        for symbol in symbols[:5]:
            data.subscribe_order_book(InstrumentId(f"{symbol}.KRX"))
            data.subscribe_quotes(InstrumentId(f"{symbol}.KRX"))
        await data.drain()

        def ticked() -> set[str]:
            return {str(t.instrument_id.symbol) for t in received if isinstance(t, TradeTick)}

        await eventually(lambda: ticked() == set(symbols), within_s=15)
        await eventually(lambda: any(isinstance(x, OrderBookSnapshot) for x in received))
        await eventually(lambda: any(isinstance(x, QuoteTick) for x in received))
        sessions = [len(s.wanted) for s in node.streams.sessions]
        assert sum(sessions) == 65
        assert max(sessions) <= 40
        assert min(sessions) >= 25
        state = await admin(sim, "GET", "/sim/state")
        assert state["ws_sessions"] == 2
        ticks = [t for t in received if isinstance(t, TradeTick)]
        assert len({(t.instrument_id, t.trade_id) for t in ticks}) == len(ticks)  # ids unique
        assert node.metrics.records.get(TICK_TR) >= 60
        assert node.metrics.records.get(BOOK_TR) >= 1
        assert node.metrics.frame_errors.total() == 0
        await data.disconnect()


async def test_extra_fields_are_parsed_and_counted_and_the_stream_survives(start_sim, node_factory):
    sim = await start_sim(sim_config())
    async with node_factory(sim) as node:
        data = node.data_client()
        received: list[object] = []
        data.bind(received.append)
        await data.connect()
        data.subscribe_trade_ticks(InstrumentId("005930.KRX"))
        await data.drain()
        await eventually(lambda: len(received) > 0)
        await admin(sim, "POST", "/sim/faults", {"extra_fields": 3})
        await eventually(lambda: node.metrics.schema_drift.get(TICK_TR) > 0)
        before = len(received)
        await eventually(lambda: len(received) > before + 2)
        await admin(sim, "POST", "/sim/faults", {"reset": True})
        assert node.metrics.frame_errors.total() == 0
        await data.disconnect()
