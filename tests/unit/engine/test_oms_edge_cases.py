"""OMS edge cases: a cancel asked while the order is in flight, a cancel the venue refuses, and
one "not found" rule for the settle loop and reconciliation."""

from __future__ import annotations

import asyncio
from decimal import Decimal

from app.core.events import Alert
from app.core.orders import Order, OrderRequest, OrderStatus, OrderType, Side
from app.engine.orders.oms import NOT_FOUND_TO_REJECT
from app.store import repositories as repo
from app.venues.errors import OrderRejected
from tests.support.engines import eventually

from .conftest import MakeEngine

D = Decimal
S = OrderStatus
FAST = {"oms": {"settle_backoff_s": 0.01}}


def limit(price: str = "49900", qty: str = "0.01") -> OrderRequest:
    return OrderRequest("sim-a", "BTC/USDT", Side.BUY, D(qty), D(price))


# -- a) a cancel asked while the order is in flight ----------------------------------------------


async def test_a_cancel_asked_in_flight_is_sent_once_the_venue_acks(
    make_engine: MakeEngine,
) -> None:
    engine, _ = await make_engine()
    venue = engine.venues["sim-a"]
    real_create, real_cancel = venue.create_order, venue.cancel_order
    arrived, go_on = asyncio.Event(), asyncio.Event()
    cancels: list[str] = []

    async def slow_create(order: Order) -> Order:
        arrived.set()
        await go_on.wait()  # the request is on its way: the venue has not answered yet
        return await real_create(order)

    async def counting_cancel(cid: str, symbol: str) -> Order:
        cancels.append(cid)
        return await real_cancel(cid, symbol)

    venue.create_order = slow_create  # type: ignore[method-assign]
    venue.cancel_order = counting_cancel  # type: ignore[method-assign]
    submitting = asyncio.create_task(engine.submit_order(limit()))
    await arrived.wait()
    cid = next(iter(engine.oms.orders))
    assert engine.oms.sending(cid)

    asked = await engine.cancel_order(cid)
    assert asked.status is S.PENDING_SUBMIT  # nothing to cancel at the venue yet
    assert cancels == []  # and nothing was sent that the venue would not know
    assert engine.oms.cancels_deferred == 1

    go_on.set()
    await submitting
    await eventually(lambda: engine.oms.orders[cid].status is S.CANCELED)
    assert cancels == [cid]  # sent once, after the ack
    assert await venue.fetch_open_orders() == []
    assert engine.open_orders() == []
    await engine.store.flush()
    stored = await engine.store.run(repo.load_order, cid)
    assert stored is not None and stored.status is S.CANCELED
    actions = [e.action for e in await engine.store.run(repo.load_audit)]
    assert actions.count("order_cancel") == 2  # asked (deferred), then sent


async def test_a_cancel_asked_in_flight_is_dropped_if_the_order_ends_first(
    make_engine: MakeEngine,
) -> None:
    engine, _ = await make_engine()
    venue = engine.venues["sim-a"]
    arrived, go_on = asyncio.Event(), asyncio.Event()
    cancels: list[str] = []

    async def refusing_create(order: Order) -> Order:
        arrived.set()
        await go_on.wait()
        raise OrderRejected("injected: no")

    async def counting_cancel(cid: str, symbol: str) -> Order:
        cancels.append(cid)
        raise AssertionError("a rejected order must not be canceled")

    venue.create_order = refusing_create  # type: ignore[method-assign]
    venue.cancel_order = counting_cancel  # type: ignore[method-assign]
    submitting = asyncio.create_task(engine.submit_order(limit()))
    await arrived.wait()
    cid = next(iter(engine.oms.orders))
    await engine.cancel_order(cid)
    go_on.set()
    order = await submitting
    await asyncio.sleep(0.05)
    assert order.status is S.REJECTED
    assert cancels == []
    assert cid not in engine.oms._cancel_wanted


# -- b) a cancel the venue refuses ----------------------------------------------------------------


async def test_a_refused_cancel_puts_the_order_back_open(make_engine: MakeEngine) -> None:
    engine, _ = await make_engine()
    venue = engine.venues["sim-a"]
    order = await engine.submit_order(limit())
    real_cancel = venue.cancel_order
    alerts: list[Alert] = []
    engine.bus.subscribe(Alert, alerts.append)

    async def refusing_cancel(cid: str, symbol: str) -> Order:
        raise OrderRejected("injected: cancel refused, order is being matched")

    venue.cancel_order = refusing_cancel  # type: ignore[method-assign]
    after = await engine.cancel_order(order.client_order_id)
    assert after.status is S.OPEN  # not stuck in PENDING_CANCEL
    assert engine.oms.cancels_refused == 1
    assert [o.client_order_id for o in engine.open_orders()] == [order.client_order_id]
    assert any("refused" in a.message for a in alerts)
    await engine.store.flush()
    stored = await engine.store.run(repo.load_order, order.client_order_id)
    assert stored is not None and stored.status is S.OPEN
    actions = [e.action for e in await engine.store.run(repo.load_audit)]
    assert "order_cancel_refused" in actions

    venue.cancel_order = real_cancel  # type: ignore[method-assign]
    again = await engine.cancel_order(order.client_order_id)
    assert again.status is S.CANCELED
    assert engine.oms.anomalies == 0


async def test_a_refused_cancel_of_a_partly_filled_order_goes_back_to_partly_filled(
    make_engine: MakeEngine,
) -> None:
    engine, _ = await make_engine()
    venue = engine.venues["sim-a"]
    order = await engine.submit_order(limit(qty="0.02"))
    cid = order.client_order_id
    partial = Order(
        **{
            **{f: getattr(order, f) for f in order.__dataclass_fields__},
            "status": S.PARTIALLY_FILLED,
            "filled_qty": D("0.01"),
        }
    )
    engine.oms.apply(partial)

    async def refusing_cancel(cid: str, symbol: str) -> Order:
        raise OrderRejected("injected")

    async def venue_has_nothing_more(cid: str, symbol: str) -> Order | None:
        return engine.oms.orders[cid].transition(S.PARTIALLY_FILLED, 1)

    venue.cancel_order = refusing_cancel  # type: ignore[method-assign]
    venue.fetch_order = venue_has_nothing_more  # type: ignore[method-assign]
    after = await engine.cancel_order(cid)
    assert after.status is S.PARTIALLY_FILLED and after.filled_qty == D("0.01")
    assert engine.oms.anomalies == 0


# -- c) one "not found" rule ---------------------------------------------------------------------


def _unknown(cid: str) -> Order:
    return Order(
        cid, "sim-a", "BTC/USDT", Side.BUY, OrderType.LIMIT, D("0.01"), D("49000"),
        status=S.UNKNOWN,
    )  # fmt: skip


async def test_reconciliation_rejects_an_unknown_order_only_after_the_shared_miss_count(
    make_engine: MakeEngine,
) -> None:
    engine, _ = await make_engine(**FAST)
    venue = engine.venues["sim-a"]
    asked: list[str] = []
    real_fetch = venue.fetch_order

    async def counting_fetch(cid: str, symbol: str) -> Order | None:
        asked.append(cid)
        return await real_fetch(cid, symbol)

    venue.fetch_order = counting_fetch  # type: ignore[method-assign]
    engine.oms._track(_unknown("ADunk1"))
    report = await engine.reconciler.run(["sim-a"])
    assert report.ok
    assert engine.oms.orders["ADunk1"].status is S.REJECTED
    assert asked.count("ADunk1") == NOT_FOUND_TO_REJECT  # as many as the settle loop needs


async def test_reconciliation_keeps_an_unknown_order_that_shows_up_on_a_later_ask(
    make_engine: MakeEngine,
) -> None:
    engine, _ = await make_engine(**FAST)
    venue = engine.venues["sim-a"]
    unknown = _unknown("ADunk2")
    engine.oms._track(unknown)
    answers: list[Order | None] = [None, unknown.transition(S.OPEN, 5)]

    async def late_fetch(cid: str, symbol: str) -> Order | None:
        return answers.pop(0) if cid == "ADunk2" and answers else None

    venue.fetch_order = late_fetch  # type: ignore[method-assign]
    report = await engine.reconciler.run(["sim-a"])
    assert engine.oms.orders["ADunk2"].status is S.OPEN  # one miss was not enough to reject
    assert report.venues[0].rejected_unsent == 0


async def test_misses_from_the_settle_loop_count_for_reconciliation(
    make_engine: MakeEngine,
) -> None:
    engine, _ = await make_engine(**FAST)
    venue = engine.venues["sim-a"]
    engine.oms._track(_unknown("ADunk3"))
    for _ in range(NOT_FOUND_TO_REJECT - 1):  # as the settle loop would have counted them
        assert not engine.oms.note_not_found("ADunk3")
    asked: list[str] = []

    async def empty_fetch(cid: str, symbol: str) -> Order | None:
        asked.append(cid)
        return None

    venue.fetch_order = empty_fetch  # type: ignore[method-assign]
    await engine.reconciler.run(["sim-a"])
    assert engine.oms.orders["ADunk3"].status is S.REJECTED
    assert asked == ["ADunk3"]  # the last miss of the same count


async def test_an_answer_that_finds_the_order_resets_the_miss_count(
    make_engine: MakeEngine,
) -> None:
    engine, _ = await make_engine(**FAST)
    unknown = _unknown("ADunk4")
    engine.oms._track(unknown)
    assert not engine.oms.note_not_found("ADunk4")
    assert not engine.oms.note_not_found("ADunk4")
    engine.oms.apply(unknown.transition(S.OPEN, 5))
    assert not engine.oms.note_not_found("ADunk4")  # counting starts again
