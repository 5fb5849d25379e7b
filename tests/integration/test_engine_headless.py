"""The engine end to end on the simulated market and on the bundled real data, no window."""

from __future__ import annotations

import asyncio
import gzip
from collections import Counter
from decimal import Decimal

import pytest
import sqlalchemy as sa

from app.core.events import FillReceived, QuoteUpdated
from app.core.orders import Order, OrderType, Side, TimeInForce
from app.engine.engine import Engine
from app.engine.wiring import build_market
from app.runtime import paths
from app.runtime.settings import Settings
from app.runtime.settings_loader import merge, validate
from app.store.schema import equity_snapshots, spread_samples
from app.venues.replay import DEFAULT_REPLAY_FILE
from tests.support.stores import engine_store

VENUE_OF = {
    "binance_spot": "binance",
    "binance_usdm": "binanceusdm",
    "binance_coinm": "binancecoinm",
}


def settings(**over: object) -> Settings:
    return validate(merge(Settings().model_dump(mode="json"), over), "test")


async def run_to_end(engine: Engine, timeout_s: float = 60) -> dict[str, object]:
    await engine.start()
    try:
        assert await engine.wait_feed_done(timeout_s)
    finally:
        await engine.stop()
    return engine.summary()


def file_counts() -> Counter[str]:
    counts: Counter[str] = Counter()
    with gzip.open(DEFAULT_REPLAY_FILE, "rt") as fh:
        next(fh)
        for line in fh:
            counts[VENUE_OF[line.split(",", 2)[1]]] += 1
    return counts


async def test_replay_of_bundled_data_counts_every_quote_per_venue() -> None:
    engine = Engine(settings(market={"source": "replay", "speed": "max"}))
    summary = await run_to_end(engine)
    expected = file_counts()
    assert summary["quotes_per_venue"] == dict(expected)
    assert summary["quotes_total"] == sum(expected.values())
    equity, pnl = summary["equity"], summary["pnl"]
    assert isinstance(equity, dict) and isinstance(pnl, dict)
    # money is a decimal string (not a float), at 8 decimals at most, in plain notation
    for amount in (*equity.values(), *pnl.values()):
        assert isinstance(amount, str) and "E" not in amount
        assert Decimal(amount) == round(Decimal(amount), 8)
    usdt = Decimal(equity["USDT"])
    # three paper venues with 100k USDT, 1 BTC and 10 ETH each, valued at real 2024-08-08 prices
    assert 3 * 100_000 + 3 * 55_000 < usdt < 3 * 100_000 + 3 * 65_000 + 3 * 10 * 2_800
    assert summary["orders_total"] == 0
    assert summary["bots"] == {}  # none created


async def test_sim_run_publishes_quotes_and_samples_spreads_into_the_store() -> None:
    engine = Engine(settings(market={"speed": "max"}), duration_s=30)
    seen: Counter[str] = Counter()
    engine.subscribe(QuoteUpdated, lambda e: seen.update([e.quote.venue]))
    summary = await run_to_end(engine)
    assert summary["quotes_per_venue"] == dict(seen)
    assert set(seen) == {"sim-a", "sim-b", "sim-c"}
    rows = await _count(engine, spread_samples)
    assert rows > 0
    assert await _count(engine, equity_snapshots) >= 2  # one per valuation currency


async def _count(engine: Engine, table: sa.Table) -> int:
    store = engine_store(engine.settings)  # a second connection to its database
    await store.open()
    try:
        query = sa.select(sa.func.count()).select_from(table)
        return int(await store.run(lambda c: c.execute(query).scalar_one()))
    finally:
        await store.close()


async def test_paper_orders_reach_the_bus_and_the_portfolio() -> None:
    chosen = settings(market={"speed": "max"})
    market = build_market(chosen, paths.data_dir(), duration_s=5)
    engine = Engine(chosen, market=market)
    fills: list[FillReceived] = []
    engine.subscribe(FillReceived, fills.append)
    await engine.start()
    try:
        await engine.wait_feed_done(30)
        venue = market.venues["sim-a"]  # an order placed outside the engine
        quote = engine.quote("sim-a", "BTC/USDT")
        assert quote is not None
        order = Order(
            client_order_id="t1",
            venue="sim-a",
            symbol="BTC/USDT",
            side=Side.BUY,
            type=OrderType.MARKET,
            quantity=Decimal("0.001"),
            price=None,
            time_in_force=TimeInForce.IOC,
        )
        await venue.create_order(order)
        await asyncio.sleep(0)
    finally:
        await engine.stop()
    summary = engine.summary()
    assert summary["orders_total"] == 1
    assert summary["fills_total"] == len(fills) >= 1
    assert engine.balances()["sim-a"]["BTC"].total == Decimal(1) + Decimal("0.001")


def baseline_of(engine: Engine) -> dict[str, Decimal]:
    """The equity PnL is measured from: equity less PnL, per valuation currency."""
    valuation = engine.snapshot().valuation
    assert valuation is not None
    return {c: valuation.equity[c] - pnl for c, pnl in valuation.pnl.items()}


async def test_equity_baseline_survives_a_restart() -> None:
    first = Engine(settings(market={"speed": "max"}), duration_s=3)
    await run_to_end(first)
    baseline = baseline_of(first)
    assert baseline
    second = Engine(
        settings(
            market={
                "speed": "max",
            },
            sim={"seed": 2},
        ),
        duration_s=3,
    )
    await run_to_end(second)
    assert baseline_of(second) == baseline


@pytest.mark.parametrize("source", ["sim", "replay"])
async def test_stop_is_ordered_and_idempotent(source: str) -> None:
    engine = Engine(settings(market={"source": source, "speed": 1.0}))
    await engine.start()
    await asyncio.sleep(0.3)
    await engine.stop()
    await engine.stop()
    assert not engine.running
    assert engine.venue_names()
