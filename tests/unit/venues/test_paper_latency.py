"""Latency and the quote hot path of the paper venue."""

from __future__ import annotations

import asyncio
import time
import tracemalloc
from decimal import Decimal

from test_paper_support import SPOT, MakeVenue, order, quote

from app.core.orders import OrderStatus

D = Decimal


async def test_order_takes_effect_only_after_the_latency(make_venue: MakeVenue) -> None:
    venue = make_venue(latency_ms=50.0)
    await venue.connect()
    venue.on_quote(quote(ask=100.0, ask_qty=1))
    started = time.perf_counter()
    task = asyncio.create_task(venue.create_order(order("buy", "0.1")))
    await asyncio.sleep(0.02)
    assert not task.done()
    assert await venue.fetch_fills() == []
    venue.on_quote(quote(ask=105.0, ask_qty=1))  # the market moves while the order travels
    done = await task
    assert time.perf_counter() - started >= 0.045
    assert done.avg_fill_price == D(105)


async def test_resting_order_cannot_fill_before_it_arrives(make_venue: MakeVenue) -> None:
    venue = make_venue(latency_ms=30.0)
    await venue.connect()
    venue.on_quote(quote(bid=99.0, ask=101.0))
    task = asyncio.create_task(venue.create_order(order("buy", "0.1", "100")))
    await asyncio.sleep(0.01)
    venue.on_quote(quote(bid=98.0, ask=99.5, ask_qty=5))  # would cross, but not there yet
    venue.on_quote(quote(bid=99.0, ask=101.0))
    assert await venue.fetch_fills() == []
    placed = await task
    assert placed.status is OrderStatus.OPEN


async def test_cancel_races_a_fill_during_its_latency(make_venue: MakeVenue) -> None:
    venue = make_venue(latency_ms=30.0)
    await venue.connect()
    venue.on_quote(quote(bid=99.0, ask=101.0))
    placed = await venue.create_order(order("buy", "0.1", "100"))
    cancel = asyncio.create_task(venue.cancel_order(placed.client_order_id, SPOT.symbol))
    await asyncio.sleep(0.01)
    venue.on_quote(quote(bid=98.0, ask=99.5, ask_qty=5))
    result = await cancel
    assert result.status is OrderStatus.FILLED


async def test_quote_path_allocates_nothing_without_resting_orders(make_venue: MakeVenue) -> None:
    venue = make_venue()
    await venue.connect()
    quotes = [quote(bid=99.0 + i * 1e-3, ask=100.0 + i * 1e-3) for i in range(2_000)]
    venue.on_quote(quotes[0])
    tracemalloc.start()
    try:
        before, _ = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        for q in quotes:
            venue.on_quote(q)
        after, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert after - before < 256
    assert peak - before < 256


async def test_quote_path_is_cheap_with_orders_far_away(make_venue: MakeVenue) -> None:
    venue = make_venue()
    await venue.connect()
    await venue.create_order(order("buy", "0.1", "50"))
    await venue.create_order(order("sell", "0.1", "500"))
    quotes = [quote(bid=99.0 + i * 1e-3, ask=100.0 + i * 1e-3) for i in range(2_000)]
    tracemalloc.start()
    try:
        before, _ = tracemalloc.get_traced_memory()
        for q in quotes:
            venue.on_quote(q)
        after, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert after - before < 256
    assert await venue.fetch_fills() == []
