"""The OMS: journal first, outcomes recorded, the table obeyed, fills counted once."""

from __future__ import annotations

from decimal import Decimal

from app.core.events import Alert, FillReceived, OrderAnomaly
from app.core.orders import (
    Fill,
    Liquidity,
    Order,
    OrderRequest,
    OrderStatus,
    OrderType,
    Side,
    TimeInForce,
)
from app.store import repositories as repo

from .conftest import MakeEngine

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


async def test_the_order_is_journaled_before_the_venue_sees_it(make_engine: MakeEngine) -> None:
    engine, _ = await make_engine()
    venue = engine.venues["sim-a"]
    seen_in_store: list[Order | None] = []
    real = venue.create_order

    async def spy(order: Order) -> Order:
        seen_in_store.append(await engine.store.run(repo.load_order, order.client_order_id))
        return await real(order)

    venue.create_order = spy  # type: ignore[method-assign]
    order = await engine.submit_order(limit(trace_id="tr1"))
    assert seen_in_store[0] is not None
    assert seen_in_store[0].status is S.PENDING_SUBMIT
    assert seen_in_store[0].trace_id == "tr1"
    await engine.store.flush()
    stored = await engine.store.run(repo.load_order, order.client_order_id)
    assert stored is not None and stored.status is S.OPEN and stored.origin == "manual"


async def test_a_venue_refusal_is_recorded_with_its_reason(make_engine: MakeEngine) -> None:
    engine, _ = await make_engine()
    crossing = limit(price="50001", time_in_force=TimeInForce.POST_ONLY)
    order = await engine.submit_order(crossing)
    assert order.status is S.REJECTED
    assert order.reason and "post" in order.reason.lower()
    assert engine.risk.stats()["venue_rejected"] == 1
    assert engine.open_orders() == []


async def test_market_order_fills_and_fills_reach_the_bus_and_store(
    make_engine: MakeEngine,
) -> None:
    engine, _ = await make_engine()
    fills: list[FillReceived] = []
    engine.bus.subscribe(FillReceived, fills.append)
    request = limit(qty="0.02", type=OrderType.MARKET, price=None, time_in_force=TimeInForce.IOC)
    order = await engine.submit_order(request)
    assert order.status is S.FILLED and order.filled_qty == D("0.02")
    assert [f.fill.client_order_id for f in fills] == [order.client_order_id]
    await engine.store.flush()
    stored = await engine.store.run(
        lambda c: repo.load_fills(c, client_order_id=order.client_order_id)
    )
    assert [f.qty for f in stored] == [D("0.02")]
    assert engine.portfolio.balances["sim-a"]["BTC"].total == D("1.02")


async def test_cancel_and_late_fill_keeps_the_order_closed(make_engine: MakeEngine) -> None:
    engine, _ = await make_engine()
    order = await engine.submit_order(limit(qty="0.02"))
    canceled = await engine.cancel_order(order.client_order_id)
    assert canceled.status is S.CANCELED
    assert engine.open_orders() == []
    late = Fill(
        "sim-a",
        "late-1",
        order.client_order_id,
        "BTC/USDT",
        Side.BUY,
        D("49900"),
        D("0.01"),
        D("0"),
        "USDT",
        Liquidity.MAKER,
        1,
    )
    engine.oms.on_fill(late)
    engine.oms.apply(
        Order(**{**_fields(canceled), "status": S.PARTIALLY_FILLED, "filled_qty": D("0.01")})
    )
    after = engine.oms.orders[order.client_order_id]
    assert after.status is S.CANCELED and after.filled_qty == D("0.01")
    assert engine.oms.anomalies == 0


def _fields(order: Order) -> dict[str, object]:
    return {f: getattr(order, f) for f in order.__dataclass_fields__}


async def test_fills_are_counted_once_and_an_overfill_is_refused(make_engine: MakeEngine) -> None:
    engine, _ = await make_engine()
    order = await engine.submit_order(limit(qty="0.02"))
    alerts: list[Alert] = []
    engine.bus.subscribe(Alert, alerts.append)

    def fill(trade: str, qty: str) -> Fill:
        return Fill(
            "sim-a",
            trade,
            order.client_order_id,
            "BTC/USDT",
            Side.BUY,
            D("49900"),
            D(qty),
            D("0"),
            "USDT",
            Liquidity.MAKER,
            1,
        )

    before = engine.oms.fills_total
    engine.oms.on_fill(fill("x1", "0.01"))
    engine.oms.on_fill(fill("x1", "0.01"))
    engine.oms.on_fill(fill("x2", "0.015"))
    assert engine.oms.fills_total - before == 1
    assert engine.oms.duplicate_fills == 1
    assert engine.oms.overfills == 1
    assert "would overfill" in alerts[-1].message


async def test_an_illegal_report_is_an_anomaly_not_an_exception(make_engine: MakeEngine) -> None:
    engine, _ = await make_engine()
    order = await engine.submit_order(limit())
    await engine.cancel_order(order.client_order_id)
    anomalies: list[OrderAnomaly] = []
    engine.bus.subscribe(OrderAnomaly, anomalies.append)
    current = engine.oms.orders[order.client_order_id]
    engine.oms.apply(Order(**{**_fields(current), "status": S.OPEN}))
    assert engine.oms.orders[order.client_order_id].status is S.CANCELED
    assert engine.oms.anomalies == 1
    assert "CANCELED -> OPEN" in anomalies[0].message


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
