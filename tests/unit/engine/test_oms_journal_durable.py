"""The journal under concurrent submitters: every order is committed before the venue sees it."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Callable
from decimal import Decimal
from pathlib import Path

import pytest

from app.core.orders import Order, OrderRequest, OrderStatus, Side
from app.engine.engine import Engine
from app.runtime import paths
from app.venues.base import Venue
from tests.support.engines import eventually, make_settings, manual_market, start_manual
from tests.support.faulty_venue import Fault, FaultyVenue

SUBMITTERS = 16


class JournalReadingVenue(FaultyVenue):
    """A venue that, as each request arrives, reads the engine's journal from the file through a
    connection of its own: what another process (or the engine after a crash) would find."""

    def __init__(self, inner: Venue, database: Path) -> None:
        super().__init__(inner)
        self._database = database
        self.journaled_on_arrival: dict[str, str | None] = {}

    async def create_order(self, order: Order) -> Order:
        cid = order.client_order_id
        db = sqlite3.connect(self._database)
        try:
            row = db.execute(
                "SELECT status FROM orders WHERE client_order_id = ?", (cid,)
            ).fetchone()
        finally:
            db.close()
        self.journaled_on_arrival[cid] = None if row is None else str(row[0])
        return await super().create_order(order)


@pytest.fixture
async def engine_and_venue(arbdesk_home: Path) -> AsyncIterator[tuple[Engine, JournalReadingVenue]]:
    settings = make_settings(risk={"limits": {"order_rate_per_s": 1e6, "order_burst": 1_000_000}})
    database = paths.data_dir() / "arbdesk.sqlite"
    factory: Callable[[Venue], FaultyVenue] = lambda v: JournalReadingVenue(v, database)  # noqa: E731
    market, feed, wrapped = manual_market(settings, wrap=["sim-a"], factory=factory)
    engine = Engine(settings, market=market)
    venue = wrapped["sim-a"]
    assert isinstance(venue, JournalReadingVenue)
    try:
        await start_manual(engine, feed)
        yield engine, venue
    finally:
        await engine.stop()


async def test_concurrent_submits_are_each_journaled_before_they_reach_the_venue(
    engine_and_venue: tuple[Engine, JournalReadingVenue],
) -> None:
    engine, venue = engine_and_venue
    # every request is held at the venue until all have arrived, so their journal writes overlap
    venue.fail_create(*[Fault.SLOW_SEND] * SUBMITTERS)
    requests = [
        OrderRequest("sim-a", "BTC/USDT", Side.BUY, Decimal("0.01"), Decimal(49_000 + n))
        for n in range(SUBMITTERS)
    ]
    submitting = [asyncio.create_task(engine.submit_order(r)) for r in requests]
    await eventually(lambda: venue.create_calls == SUBMITTERS, what="every request at the venue")
    venue.answer()
    orders = await asyncio.gather(*submitting)
    assert {o.status for o in orders} == {OrderStatus.OPEN}
    sent = {o.client_order_id for o in orders}
    assert set(venue.on_sent) == sent and len(venue.on_sent) == SUBMITTERS
    # each one was already committed to the journal, as PENDING_SUBMIT, when it arrived
    assert venue.journaled_on_arrival == dict.fromkeys(sent, OrderStatus.PENDING_SUBMIT.value)
