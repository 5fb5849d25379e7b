"""OMS edge cases: a cancel asked while the order is in flight, a cancel the venue refuses, and
one "not found" rule for the settle loop and reconciliation.

The venue's behaviour comes from ``FaultyVenue`` (a slow or refusing create, a refused cancel, a
venue that does not know an order yet), around the real paper venue.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from decimal import Decimal

import pytest

from app.core.events import Alert, AlertLevel
from app.core.orders import OrderRequest, OrderStatus, Side
from app.engine.engine import Engine
from app.engine.orders.oms import NOT_FOUND_TO_REJECT
from app.store import repositories as repo
from tests.support.engines import eventually
from tests.support.faulty_venue import Fault

from .conftest import MakeHarness

D = Decimal
S = OrderStatus
FAST = {"oms": {"settle_backoff_s": 0.01}}


def limit(price: str = "49900", qty: str = "0.01") -> OrderRequest:
    return OrderRequest("sim-a", "BTC/USDT", Side.BUY, D(qty), D(price))


def status(engine: Engine, cid: str) -> OrderStatus:
    order = engine.order(cid)
    assert order is not None, f"the engine does not know {cid}"
    return order.status


# -- a) a cancel asked while the order is in flight ----------------------------------------------


async def test_a_cancel_asked_in_flight_is_sent_once_the_venue_acks(
    make_harness: MakeHarness,
) -> None:
    h = await make_harness()
    engine, venue = h.engine, h.venue
    venue.fail_create(Fault.SLOW_SEND)  # on its way: the venue has not answered yet
    submitting = asyncio.create_task(engine.submit_order(limit()))
    await eventually(lambda: venue.create_calls == 1, what="the request to reach the venue")
    (cid,) = venue.on_sent

    asked = await engine.cancel_order(cid)
    assert asked.status is S.PENDING_SUBMIT  # nothing to cancel at the venue yet
    assert venue.cancel_calls == 0  # and nothing was sent that the venue would not know
    assert engine.order_stats().cancels_deferred == 1

    venue.answer()
    await submitting
    await eventually(lambda: status(engine, cid) is S.CANCELED, what="the deferred cancel")
    assert venue.inner_cancels == Counter({cid: 1})  # sent once, after the ack
    assert await venue.fetch_open_orders() == []
    assert engine.open_orders() == []
    await engine.flush_records()
    stored = await h.store.run(repo.load_order, cid)
    assert stored is not None and stored.status is S.CANCELED
    actions = [e.action for e in await h.store.run(repo.load_audit)]
    assert actions.count("order_cancel") == 2  # asked (deferred), then sent


async def test_a_cancel_asked_in_flight_is_dropped_if_the_order_ends_first(
    make_harness: MakeHarness,
) -> None:
    h = await make_harness()
    engine, venue = h.engine, h.venue
    venue.fail_create(Fault.SLOW_REJECT)  # takes its time, then refuses
    submitting = asyncio.create_task(engine.submit_order(limit()))
    await eventually(lambda: venue.create_calls == 1, what="the request to reach the venue")
    (pending,) = engine.orders()
    await engine.cancel_order(pending.client_order_id)
    venue.answer()
    order = await submitting
    assert order.status is S.REJECTED
    await engine.flush_records()  # whatever the OMS had left to do for it is done
    assert venue.cancel_calls == 0  # a rejected order is never canceled
    assert status(engine, order.client_order_id) is S.REJECTED


# -- b) a cancel the venue refuses ----------------------------------------------------------------


async def test_a_refused_cancel_puts_the_order_back_open(make_harness: MakeHarness) -> None:
    h = await make_harness()
    engine, venue = h.engine, h.venue
    order = await engine.submit_order(limit())
    cid = order.client_order_id
    alerts: list[Alert] = []
    engine.subscribe(Alert, alerts.append)

    venue.fail_cancel(Fault.REJECT)  # e.g. the order is being matched
    after = await engine.cancel_order(cid)
    assert after.status is S.OPEN  # not stuck in PENDING_CANCEL
    assert engine.order_stats().cancels_refused == 1
    assert [o.client_order_id for o in engine.open_orders()] == [cid]
    assert any("refused" in a.message for a in alerts)
    await engine.flush_records()
    stored = await h.store.run(repo.load_order, cid)
    assert stored is not None and stored.status is S.OPEN
    actions = [e.action for e in await h.store.run(repo.load_audit)]
    assert "order_cancel_refused" in actions

    again = await engine.cancel_order(cid)  # nothing injected any more
    assert again.status is S.CANCELED
    assert engine.order_stats().anomalies == 0


async def test_a_refused_cancel_of_a_partly_filled_order_goes_back_to_partly_filled(
    make_harness: MakeHarness,
) -> None:
    h = await make_harness()
    engine, venue = h.engine, h.venue
    order = await engine.submit_order(limit(qty="0.02"))
    cid = order.client_order_id
    h.feed.push("sim-a", "BTC/USDT", 49_899.0, 49_900.0, qty=0.01)  # half of it trades
    await eventually(lambda: status(engine, cid) is S.PARTIALLY_FILLED, what="the partial fill")

    venue.fail_cancel(Fault.REJECT)
    after = await engine.cancel_order(cid)
    assert after.status is S.PARTIALLY_FILLED and after.filled_qty == D("0.01")
    assert engine.order_stats().anomalies == 0


# -- c) one "not found" rule ---------------------------------------------------------------------


async def test_reconciliation_rejects_an_unknown_order_only_after_the_shared_miss_count(
    make_harness: MakeHarness,
) -> None:
    h = await make_harness(**FAST)
    h.venue.fail_create(Fault.LOST_REQUEST)  # never reached the venue: its outcome is unknown
    order = await h.engine.submit_order(limit())
    cid = order.client_order_id
    assert order.status is S.UNKNOWN
    report = await h.engine.reconcile(["sim-a"])  # while the settle loop asks as well
    assert report.ok
    assert status(h.engine, cid) is S.REJECTED
    # every "not found", the settle loop's and reconciliation's, counted once toward one limit
    assert h.venue.fetch_calls[cid] == NOT_FOUND_TO_REJECT


@pytest.mark.parametrize("misses", [1, NOT_FOUND_TO_REJECT - 1])
async def test_reconciliation_keeps_an_unknown_order_that_shows_up_on_a_later_ask(
    make_harness: MakeHarness, misses: int
) -> None:
    h = await make_harness(drop_reports=True, **FAST)
    h.venue.fail_create(Fault.TIMEOUT_AFTER_SEND)  # it reached the venue; the answer was lost
    order = await h.engine.submit_order(limit())
    cid = order.client_order_id
    assert order.status is S.UNKNOWN
    h.venue.fail_fetch_open(Fault.NOT_FOUND)  # the venue's books lag behind at first
    h.venue.fail_fetch(*[Fault.NOT_FOUND] * misses)
    report = await h.engine.reconcile(["sim-a"])
    assert status(h.engine, cid) is S.OPEN  # fewer misses than the limit: not rejected
    assert report.venues[0].rejected_unsent == 0
    assert h.venue.fetch_calls[cid] == misses + 1


async def test_misses_from_the_settle_loop_count_for_reconciliation(
    make_harness: MakeHarness,
) -> None:
    attempts = NOT_FOUND_TO_REJECT - 1
    h = await make_harness(oms={"settle_backoff_s": 0.01, "settle_attempts": attempts})
    alerts: list[Alert] = []
    h.engine.subscribe(Alert, alerts.append)
    h.venue.fail_create(Fault.LOST_REQUEST)
    order = await h.engine.submit_order(limit())
    cid = order.client_order_id
    await eventually(
        lambda: any(a.level is AlertLevel.CRITICAL and cid in a.message for a in alerts),
        what="the settle loop to give up",
    )
    assert h.venue.fetch_calls[cid] == attempts and status(h.engine, cid) is S.UNKNOWN
    await h.engine.reconcile(["sim-a"])
    assert status(h.engine, cid) is S.REJECTED
    assert h.venue.fetch_calls[cid] == NOT_FOUND_TO_REJECT  # reconciliation asked once: the last
