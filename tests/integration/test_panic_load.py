"""The kill switch under load: 1,000 resting orders on three paper venues of the simulated market,
and a task that keeps submitting while the panic runs.

What must hold: every submit made after the halt is refused (by risk, naming ``trading_state``);
an order that was already on its way either reached the venue before the cancel and ends canceled
there, or is refused before sending; every order ends CANCELED on the venue and in the journal,
no venue lists an open order, and the report is clean with canceled counts that add up.
"""

from __future__ import annotations

import asyncio
import itertools
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest

from app.core.orders import Order, OrderRequest, OrderStatus, Side
from app.core.trading_state import TradingState
from app.engine.engine import Engine
from app.engine.orders.oms import OrderRefused
from app.store import repositories as repo
from tests.support.engines import make_settings, sim_market, wait_for_quotes
from tests.support.stores import engine_store

S = OrderStatus
VENUES = ("sim-a", "sim-b", "sim-c")
ORDERS = 1_000
LOAD_SETTINGS: dict[str, Any] = {
    "risk": {
        "limits": {
            "max_open_orders": 10_000,
            "max_open_orders_per_instrument": 5_000,
            "order_rate_per_s": 1_000_000.0,
            "order_burst": 1_000_000,
            "duplicate_window_ms": 0,
            "price_band_bps": 9_000.0,
        },
        "halts": {"reject_storm_count": 1_000_000, "daily_loss_limit": 1_000_000_000},
    },
}


def far_order(engine: Engine, n: int) -> OrderRequest:
    """The ``n``-th order: buys of BTC at 60% and sells of ETH at 150% of the market, by turns
    over the three venues, each at its own price."""
    venue = VENUES[n % len(VENUES)]
    if n % 2:
        quote = engine.quote(venue, "ETH/USDT")
        assert quote is not None
        price = Decimal(f"{quote.ask * 1.5:.2f}") + Decimal(n) / 100
        return OrderRequest(venue, "ETH/USDT", Side.SELL, Decimal("0.01"), price)
    quote = engine.quote(venue, "BTC/USDT")
    assert quote is not None
    price = Decimal(f"{quote.bid * 0.6:.1f}") - Decimal(n) / 10
    return OrderRequest(venue, "BTC/USDT", Side.BUY, Decimal("0.001"), price)


@dataclass
class Attempt:
    halted_at_call: bool
    order: Order | None = None
    refused_rule: str | None = None


async def keep_submitting(
    engine: Engine, attempts: list[Attempt], panic_done: asyncio.Event, after_halt: int
) -> None:
    """Submit one order after another, through the whole panic and ``after_halt`` more times."""
    halted = 0
    for n in itertools.count(ORDERS):
        if panic_done.is_set() and halted >= after_halt:
            return
        attempt = Attempt(engine.trading_state is TradingState.HALTED)
        halted += attempt.halted_at_call
        attempts.append(attempt)
        try:
            attempt.order = await engine.submit_order(far_order(engine, n))
        except OrderRefused as exc:
            attempt.refused_rule = exc.rejection.rule
        await asyncio.sleep(0.001 if attempt.halted_at_call else 0)  # no need to flood the loop


@pytest.mark.slow
@pytest.mark.parametrize("latency_ms", [0.0, 2.0])
async def test_panic_with_a_thousand_open_orders_and_a_submitter_racing_it(
    latency_ms: float,
) -> None:
    settings = make_settings(**LOAD_SETTINGS, paper={"latency_ms": latency_ms})
    market, _ = sim_market(settings)
    store = engine_store(settings)
    engine = Engine(settings, market=market, store=store)
    venues = market.venues  # the test built them
    await engine.start()
    try:
        await wait_for_quotes(
            engine, [(v, s) for v in VENUES for s in ("BTC/USDT", "ETH/USDT")], timeout_s=30
        )
        placed: list[Order] = []
        for start in range(0, ORDERS, 100):  # a hundred at a time, concurrently
            batch = [far_order(engine, n) for n in range(start, start + 100)]
            placed += await asyncio.gather(*(engine.submit_order(r) for r in batch))
        assert [o.status for o in placed] == [S.OPEN] * ORDERS
        assert len(engine.open_orders()) == ORDERS
        for venue in VENUES:
            on_venue = await venues[venue].fetch_open_orders()
            assert len(on_venue) in (ORDERS // 3, ORDERS // 3 + 1)

        attempts: list[Attempt] = []
        panic_done = asyncio.Event()
        racer = asyncio.create_task(keep_submitting(engine, attempts, panic_done, 200))
        await asyncio.sleep(0.05)  # the racer is placing orders
        report = await engine.panic("load test", actor="tester")
        panic_done.set()
        await asyncio.wait_for(racer, 30)  # it kept trying all along

        assert engine.trading_state is TradingState.HALTED
        post = [a for a in attempts if a.halted_at_call]
        pre = [a for a in attempts if not a.halted_at_call]
        assert len(post) >= 200 and pre, (len(post), len(pre))
        assert all(a.order is None and a.refused_rule == "trading_state" for a in post)
        for a in pre:  # on its way when the halt came: sent before it, or never sent
            assert a.order is not None, a.refused_rule
            final = engine.order(a.order.client_order_id)
            assert final is not None
            if final.status is S.REJECTED:
                assert final.reason is not None and "before sending" in final.reason
            else:
                assert final.status is S.CANCELED, final

        # the report, the engine, the journal and the venues all agree
        assert report.clean, report.summary()
        assert all(not v.remaining_orders for v in report.venues)
        canceled = [o for o in engine.orders() if o.status is S.CANCELED]
        assert {o.client_order_id for o in placed} <= {o.client_order_id for o in canceled}
        assert sum(v.canceled for v in report.venues) == len(canceled) >= ORDERS
        for v in report.venues:
            assert v.canceled == len([o for o in canceled if o.venue == v.venue])
        assert engine.open_orders() == []
        assert all(o.status in (S.CANCELED, S.REJECTED) for o in engine.orders())
        for venue in VENUES:
            assert await venues[venue].fetch_open_orders() == [], venue
        for order in canceled:
            truth = await venues[order.venue].fetch_order(order.client_order_id, order.symbol)
            assert truth is not None and truth.status is S.CANCELED
        await engine.flush_records()
        journal = {o.client_order_id: o for o in await store.run(repo.load_orders)}
        assert {cid: o.status for cid, o in journal.items()} == {
            o.client_order_id: o.status for o in engine.orders()
        }
    finally:
        await engine.stop()
