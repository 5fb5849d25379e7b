"""Holes in the order path found by reading the code, each driven through the fault-injecting venue:
an order is never left unsettled, a refused cancel puts the order back, a market order holds funds
in flight, a fill for no order of ours is adopted once, a stale acknowledgement is ignored quietly,
and reconciling one venue stops only that venue.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from decimal import Decimal
from typing import Any

import pytest

from app.core.events import Alert, AlertLevel, OrderAnomaly, VenueState
from app.core.orders import Fill, Liquidity, OrderRequest, OrderStatus, OrderType, Side
from app.core.trading_state import TradingState
from app.engine.engine import Engine
from app.engine.orders.oms import OrderRefused
from tests.support.engines import ManualFeed, eventually, make_settings, manual_market, start_manual
from tests.support.faulty_venue import Fault, FaultyVenue

D = Decimal
S = OrderStatus
A, B = "sim-a", "sim-b"
RESTING = D("49900")  # below the ask of 50,001: rests

Harness = tuple[Engine, ManualFeed, dict[str, FaultyVenue]]


@pytest.fixture
async def harness(arbdesk_home: Any) -> AsyncIterator[Callable[..., Awaitable[Harness]]]:
    engines: list[Engine] = []

    async def make(*, drop_reports: bool = False, band_bps: float = 300, **over: Any) -> Harness:
        settings = make_settings(
            oms={"settle_backoff_s": 0.01, "settle_attempts": 6, "venue_timeout_s": 5.0},
            risk={"limits": {"duplicate_window_ms": 0, "price_band_bps": band_bps}},
            **over,
        )
        market, feed, faulty = manual_market(
            settings,
            (A, B),
            wrap=(A, B),
            factory=lambda v: FaultyVenue(v, drop_reports=drop_reports),
        )
        engine = Engine(settings, market=market)
        engines.append(engine)
        await start_manual(engine, feed)
        return engine, feed, faulty

    yield make
    for engine in engines:
        await engine.stop()


def buy(price: Decimal | None = RESTING, venue: str = A, qty: str = "0.01") -> OrderRequest:
    kind = OrderType.LIMIT if price is not None else OrderType.MARKET
    return OrderRequest(venue, "BTC/USDT", Side.BUY, D(qty), price, type=kind)


async def test_an_unexpected_error_after_sending_makes_the_order_unknown_and_settles_it(
    harness: Callable[..., Awaitable[Harness]],
) -> None:
    engine, _, faulty = await harness(drop_reports=True)  # only asking the venue can tell
    faulty[A].fail_create(Fault.UNEXPECTED)
    order = await engine.submit_order(buy())
    assert order.status is S.UNKNOWN  # not PENDING_SUBMIT with nothing settling it
    cid = order.client_order_id
    await eventually(lambda: engine.order(cid).status is S.OPEN, what="the order settled")
    assert faulty[A].inner_creates[cid] == 1  # asked about, never sent again


async def test_a_cancel_answered_not_found_is_settled_even_when_asking_again_fails(
    harness: Callable[..., Awaitable[Harness]],
) -> None:
    engine, _, faulty = await harness()
    order = await engine.submit_order(buy())
    faulty[A].fail_cancel(Fault.NOT_FOUND)
    faulty[A].fail_fetch(Fault.TRANSIENT)
    after = await engine.cancel_order(order.client_order_id)
    assert after.status is S.PENDING_CANCEL
    # a supervised task asks the venue until it knows: the order is open there, so it is again
    await eventually(lambda: engine.order(order.client_order_id).status is S.OPEN)


async def test_a_refused_cancel_restores_the_order_state(
    harness: Callable[..., Awaitable[Harness]],
) -> None:
    engine, _, faulty = await harness()
    order = await engine.submit_order(buy())
    faulty[A].fail_cancel(Fault.REJECT)
    after = await engine.cancel_order(order.client_order_id)
    assert after.status is S.OPEN
    assert engine.order_stats().cancels_refused == 1


async def test_a_market_order_in_flight_holds_funds_at_the_far_edge_of_the_band(
    harness: Callable[..., Awaitable[Harness]],
) -> None:
    engine, _, faulty = await harness(paper={"starting_balances": {"USDT": "10000"}}, band_bps=1000)
    faulty[A].fail_create(Fault.SLOW_SEND)
    # 0.18 BTC at the ask is 9,000 USDT; at the band's edge (+10 %) 9,900: nearly all the balance
    first = asyncio.create_task(engine.submit_order(buy(None, qty="0.18")))
    await eventually(lambda: faulty[A].create_calls == 1, what="the market order sent")
    check = {r.rule: r for r in engine.preview_order(buy(None, qty="0.01"))}
    assert not check["enough_balance"].passed, check["enough_balance"]
    faulty[A].answer()
    assert (await first).status is S.FILLED


async def test_a_fill_for_no_order_of_ours_is_adopted_once_with_an_alert(
    harness: Callable[..., Awaitable[Harness]],
) -> None:
    engine, _, faulty = await harness()
    alerts: list[Alert] = []
    engine.subscribe(Alert, alerts.append)
    before = engine.order_stats().fills_total
    fill = Fill(
        venue=A,
        symbol="BTC/USDT",
        trade_id="elsewhere-1",
        client_order_id="placed-by-hand-1",
        side=Side.BUY,
        qty=D("0.5"),
        price=D("50000"),
        fee=D("0"),
        fee_currency="USDT",
        liquidity=Liquidity.TAKER,
        ts_ns=engine.now_ns(),
    )
    faulty[A].inject_fill(fill)
    faulty[A].inject_fill(fill)  # a venue repeating itself
    stats = engine.order_stats()
    assert stats.fills_total == before + 1
    assert stats.duplicate_fills == 1
    assert [a.level for a in alerts if "placed-by-hand-1" in a.message] == [AlertLevel.WARNING]


async def test_a_stale_acknowledgement_after_the_cancel_is_ignored_quietly(
    harness: Callable[..., Awaitable[Harness]], caplog: pytest.LogCaptureFixture
) -> None:
    engine, _, faulty = await harness()
    anomalies: list[OrderAnomaly] = []
    engine.subscribe(OrderAnomaly, anomalies.append)
    faulty[A].fail_create(Fault.HANG)
    submit = asyncio.create_task(engine.submit_order(buy()))
    await eventually(lambda: faulty[A].create_calls == 1, what="the order sent")
    await engine.panic("test: cancel overtakes the acknowledgement")
    faulty[A].answer()  # the OPEN acknowledgement arrives after the CANCELED report
    order = await submit
    assert order.status is S.CANCELED
    assert anomalies == []
    assert not [r for r in caplog.records if "anomaly" in r.getMessage()]


async def test_reconciling_one_venue_leaves_the_others_trading(
    harness: Callable[..., Awaitable[Harness]],
) -> None:
    engine, _, faulty = await harness()
    resting = await engine.submit_order(buy())
    faulty[A].fail_fetch_open(Fault.HANG)  # A's reconciliation waits for the venue's answer
    running = asyncio.create_task(engine.reconcile([A]))
    await eventually(lambda: engine.trading_state is TradingState.RECONCILING)
    on_b = await engine.submit_order(buy(venue=B))
    assert on_b.status is S.OPEN
    with pytest.raises(OrderRefused, match="trading_state"):
        await engine.submit_order(buy(venue=A, qty="0.02"))
    faulty[A].answer()
    assert (await running).ok
    assert engine.trading_state is TradingState.ACTIVE
    assert engine.order(resting.client_order_id).status is S.OPEN


async def test_reconnects_reconcile_that_venue_and_leave_no_task_behind(
    harness: Callable[..., Awaitable[Harness]],
) -> None:
    engine, feed, _ = await harness()
    idle = engine.summary()["tasks_active"]
    for _ in range(20):
        feed.set_status(A, VenueState.DOWN, "stream dropped")
        feed.set_status(A, VenueState.CONNECTED)
    await eventually(lambda: engine.summary()["tasks_active"] == idle, what="reconciliations done")
    health = {t.name: t for t in engine.task_health()}
    assert health["reconcile"].state == "running" and health["reconcile"].failures == 0
    assert engine.trading_state is TradingState.ACTIVE
