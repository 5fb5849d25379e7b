"""The OMS: journal first, outcomes recorded, the table obeyed, fills counted once."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from decimal import Decimal

from app.core.events import Alert, FillReceived, OrderAnomaly
from app.core.orders import (
    Fill,
    Liquidity,
    OrderRequest,
    OrderStatus,
    OrderType,
    Side,
    TimeInForce,
)
from app.store import repositories as repo
from tests.support.engines import eventually
from tests.support.faulty_venue import Fault

from .conftest import MakeEngine, MakeHarness

D = Decimal
S = OrderStatus


def limit(price: str | None = "49900", qty: str = "0.01", **kw: object) -> OrderRequest:
    args: dict[str, object] = {
        "venue": "sim-a",
        "symbol": "BTC/USDT",
        "side": Side.BUY,
        "quantity": D(qty),
        "price": None if price is None else D(price),
    }
    args.update(kw)
    return OrderRequest(**args)  # type: ignore[arg-type]


def fill_of(cid: str, trade: str, qty: str) -> Fill:
    return Fill(
        "sim-a", trade, cid, "BTC/USDT", Side.BUY, D("49900"), D(qty), D("0"), "USDT",
        Liquidity.MAKER, 1,
    )  # fmt: skip


async def test_the_order_is_journaled_before_the_venue_sees_it(make_harness: MakeHarness) -> None:
    h = await make_harness()
    h.venue.fail_create(Fault.SLOW_SEND)  # the request waits on its way until answer()
    submitting = asyncio.create_task(h.engine.submit_order(limit(trace_id="tr1")))
    await eventually(lambda: h.venue.create_calls == 1, what="the request to reach the venue")
    (cid,) = h.venue.on_sent
    journaled = await h.store.run(repo.load_order, cid)
    assert journaled is not None
    assert journaled.status is S.PENDING_SUBMIT
    assert journaled.trace_id == "tr1"
    h.venue.answer()
    order = await submitting
    await h.engine.flush_records()
    stored = await h.store.run(repo.load_order, order.client_order_id)
    assert stored is not None and stored.status is S.OPEN and stored.origin == "manual"


async def test_a_venue_refusal_is_recorded_with_its_reason(make_engine: MakeEngine) -> None:
    engine, _ = await make_engine()
    crossing = limit(price="50001", time_in_force=TimeInForce.POST_ONLY)
    order = await engine.submit_order(crossing)
    assert order.status is S.REJECTED
    assert order.reason and "post" in order.reason.lower()
    assert engine.risk_stats()["venue_rejected"] == 1
    assert engine.open_orders() == []


async def test_market_order_fills_and_fills_reach_the_bus_and_store(
    make_harness: MakeHarness,
) -> None:
    h = await make_harness()
    engine = h.engine
    fills: list[FillReceived] = []
    engine.subscribe(FillReceived, fills.append)
    request = limit(qty="0.02", type=OrderType.MARKET, price=None, time_in_force=TimeInForce.IOC)
    order = await engine.submit_order(request)
    assert order.status is S.FILLED and order.filled_qty == D("0.02")
    assert [f.fill.client_order_id for f in fills] == [order.client_order_id]
    await engine.flush_records()
    stored = await h.store.run(lambda c: repo.load_fills(c, client_order_id=order.client_order_id))
    assert [f.qty for f in stored] == [D("0.02")]
    assert engine.balances()["sim-a"]["BTC"].total == D("1.02")


async def test_cancel_and_late_fill_keeps_the_order_closed(make_harness: MakeHarness) -> None:
    h = await make_harness()
    engine = h.engine
    order = await engine.submit_order(limit(qty="0.02"))
    canceled = await engine.cancel_order(order.client_order_id)
    assert canceled.status is S.CANCELED
    assert engine.open_orders() == []
    # the venue matched part of it before the cancel took: the fill and its report come late
    h.venue.inject_fill(fill_of(order.client_order_id, "late-1", "0.01"))
    h.venue.inject_order(replace(canceled, status=S.PARTIALLY_FILLED, filled_qty=D("0.01")))
    after = engine.order(order.client_order_id)
    assert after is not None and after.status is S.CANCELED and after.filled_qty == D("0.01")
    assert engine.order_stats().anomalies == 0


async def test_fills_are_counted_once_and_an_overfill_is_refused(
    make_harness: MakeHarness,
) -> None:
    h = await make_harness()
    engine = h.engine
    order = await engine.submit_order(limit(qty="0.02"))
    alerts: list[Alert] = []
    engine.subscribe(Alert, alerts.append)
    cid = order.client_order_id
    before = engine.order_stats()
    h.venue.inject_fill(fill_of(cid, "x1", "0.01"))
    h.venue.inject_fill(fill_of(cid, "x1", "0.01"))  # the same trade again
    h.venue.inject_fill(fill_of(cid, "x2", "0.015"))  # 0.025 of 0.02
    after = engine.order_stats()
    assert after.fills_total - before.fills_total == 1
    assert after.duplicate_fills - before.duplicate_fills == 1
    assert after.overfills - before.overfills == 1
    assert "would overfill" in alerts[-1].message


async def test_an_illegal_report_is_an_anomaly_not_an_exception(
    make_harness: MakeHarness,
) -> None:
    h = await make_harness()
    engine = h.engine
    order = await engine.submit_order(limit())
    canceled = await engine.cancel_order(order.client_order_id)
    anomalies: list[OrderAnomaly] = []
    engine.subscribe(OrderAnomaly, anomalies.append)
    h.venue.inject_order(replace(canceled, status=S.REJECTED))  # an ended order cannot end again
    current = engine.order(order.client_order_id)
    assert current is not None and current.status is S.CANCELED
    assert engine.order_stats().anomalies == 1
    assert "CANCELED -> REJECTED" in anomalies[0].message


async def test_ids_never_repeat_across_restarts(make_engine: MakeEngine) -> None:
    first, _ = await make_engine()
    ids = [
        (await first.submit_order(limit(price=str(49_900 - i)))).client_order_id for i in range(3)
    ]
    await first.stop()
    second, _ = await make_engine()
    more = [
        (await second.submit_order(limit(price=str(49_800 - i)))).client_order_id for i in range(3)
    ]
    assert len(set(ids + more)) == 6
    assert all(len(i) <= 32 and i.isalnum() for i in ids + more)
