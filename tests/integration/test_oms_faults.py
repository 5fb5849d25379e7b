"""The OMS down its ambiguous paths, driven by a venue that times out, loses requests, refuses,
fails transiently, disconnects on cancels and delivers fills late.

The venue behind the faults is the real paper venue with its own persisted books, so "the venue's
truth" is what it really did; ``FaultyVenue.inner_creates`` proves what reached it, and the engine's
journal in the store is read back to check it agrees.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from dataclasses import replace
from decimal import Decimal
from itertools import pairwise
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.core.bus import EventBus
from app.core.clock import ManualClock
from app.core.events import FillReceived, OrderAnomaly
from app.core.orders import (
    Fill,
    Liquidity,
    Order,
    OrderRequest,
    OrderStatus,
    OrderType,
    Side,
    TimeInForce,
    can_transition,
)
from app.engine.engine import Engine
from app.engine.orders import writes as order_writes
from app.engine.orders.oms import OrderManager
from app.runtime.risk_settings import OmsSettings
from app.store import repositories as repo
from app.store.store import Store
from tests.support.engines import (
    T0,
    ManualFeed,
    eventually,
    make_settings,
    manual_market,
    start_manual,
)
from tests.support.faulty_venue import Fault, FaultyVenue
from tests.support.stores import engine_store

D = Decimal
S = OrderStatus
VENUE = "sim-a"
RESTING = "49900"  # below the ask of 50,001: rests
CROSSING = "50100"  # above the ask: takes at once

Harness = tuple[Engine, ManualFeed, FaultyVenue, Store]
MakeHarness = Callable[..., Awaitable[Harness]]


@pytest.fixture
async def harness() -> AsyncIterator[MakeHarness]:
    engines: list[Engine] = []

    async def make(
        *,
        drop_reports: bool = True,
        oms: dict[str, Any] | None = None,
        paper: dict[str, Any] | None = None,
    ) -> Harness:
        settings = make_settings(
            oms={
                "settle_backoff_s": 0.01,
                "settle_attempts": 6,
                "submit_retries": 3,
                "venue_timeout_s": 5.0,
                **(oms or {}),
            },
            risk={"limits": {"duplicate_window_ms": 0}},
            paper=paper or {},
        )
        market, feed, faulty = manual_market(
            settings,
            wrap=[VENUE],
            factory=lambda v: FaultyVenue(v, drop_reports=drop_reports),
        )
        store = engine_store(settings)
        engine = Engine(settings, market=market, store=store)
        engines.append(engine)
        await start_manual(engine, feed)
        return engine, feed, faulty[VENUE], store

    yield make
    for engine in engines:
        await engine.stop()


def buy(price: str | None = RESTING, qty: str = "0.01", **kw: Any) -> OrderRequest:
    return OrderRequest(
        VENUE, "BTC/USDT", Side.BUY, D(qty), None if price is None else D(price), **kw
    )


def known(engine: Engine, cid: str) -> Order:
    found = engine.order(cid)
    assert found is not None, f"the engine does not know {cid}"
    return found


async def settled(engine: Engine, cid: str, timeout_s: float = 10.0) -> Order:
    """The order once nothing is pending about it any more."""
    pending = (S.UNKNOWN, S.PENDING_SUBMIT, S.PENDING_CANCEL)
    await eventually(
        lambda: known(engine, cid).status not in pending, timeout_s, what=f"{cid} to settle"
    )
    return known(engine, cid)


async def journal(store: Store, cid: str) -> Order:
    """The order as the store has it (after every queued write of the OMS)."""
    stored = await store.run(repo.load_order, cid)
    assert stored is not None, f"{cid} is not in the journal"
    return stored


async def journal_fills(store: Store, cid: str) -> list[str]:
    fills = await store.run(lambda c: repo.load_fills(c, client_order_id=cid))
    return [f.trade_id for f in fills]


async def venue_truth(venue: FaultyVenue, cid: str) -> Order | None:
    return await venue.inner.fetch_order(cid, "BTC/USDT")


def anomalies(engine: Engine) -> list[OrderAnomaly]:
    seen: list[OrderAnomaly] = []
    engine.subscribe(OrderAnomaly, seen.append)
    return seen


# -- create: timeouts after the venue got the order ---------------------------------------------


@pytest.mark.parametrize(("price", "final"), [(RESTING, S.OPEN), (CROSSING, S.FILLED)])
async def test_a_timeout_after_send_is_unknown_then_settled_by_asking_never_resent(
    harness: MakeHarness, price: str, final: OrderStatus
) -> None:
    engine, _, venue, store = await harness(drop_reports=True)
    seen = anomalies(engine)
    venue.fail_create(Fault.TIMEOUT_AFTER_SEND)
    order = await engine.submit_order(buy(price))
    cid = order.client_order_id
    assert order.status is S.UNKNOWN
    assert order.reason is not None and "outcome unknown" in order.reason
    assert await settled(engine, cid) == known(engine, cid)
    assert known(engine, cid).status is final
    truth = await venue_truth(venue, cid)
    assert truth is not None and truth.status is final
    assert venue.inner_creates[cid] == 1 and venue.create_calls == 1  # asked, never re-sent
    assert (await journal(store, cid)).status is final
    assert engine.order_stats().anomalies == 0 and seen == []


async def test_a_fill_lost_with_the_answer_is_recorded_once_by_the_next_reconciliation(
    harness: MakeHarness,
) -> None:
    engine, _, venue, store = await harness(drop_reports=True)
    venue.fail_create(Fault.TIMEOUT_AFTER_SEND)
    cid = (await engine.submit_order(buy(CROSSING))).client_order_id
    assert (await settled(engine, cid)).status is S.FILLED
    assert await journal_fills(store, cid) == []  # the fill report was lost with the answer
    report = await engine.reconcile([VENUE])
    assert report.ok
    (result,) = report.venues
    assert result.fills_added == 1
    on_venue = [f.trade_id for f in await venue.fetch_fills() if f.client_order_id == cid]
    assert await journal_fills(store, cid) == on_venue and len(on_venue) == 1
    again = await engine.reconcile([VENUE])
    assert again.venues[0].fills_added == 0  # nothing counted twice


@pytest.mark.parametrize(("price", "final"), [(RESTING, S.OPEN), (CROSSING, S.FILLED)])
async def test_a_timeout_after_the_venue_already_reported_the_order_keeps_what_it_said(
    harness: MakeHarness, price: str, final: OrderStatus
) -> None:
    """The stream told us the order's state before the answer timed out: that is no news to
    forget, and a FILLED order must not be pushed back to UNKNOWN (an anomaly)."""
    engine, _, venue, store = await harness(drop_reports=False)
    seen = anomalies(engine)
    venue.fail_create(Fault.TIMEOUT_AFTER_SEND)
    order = await engine.submit_order(buy(price))
    cid = order.client_order_id
    assert (await settled(engine, cid)).status is final
    assert venue.inner_creates[cid] == 1
    assert engine.order_stats().anomalies == 0 and seen == []
    assert (await journal(store, cid)).status is final


# -- create: requests that never reached the venue ----------------------------------------------


async def test_a_lost_request_is_unknown_then_rejected_when_the_venue_never_heard_of_it(
    harness: MakeHarness,
) -> None:
    engine, _, venue, store = await harness()
    venue.fail_create(Fault.LOST_REQUEST)
    order = await engine.submit_order(buy())
    cid = order.client_order_id
    assert order.status is S.UNKNOWN
    final = await settled(engine, cid)
    assert final.status is S.REJECTED
    assert final.reason == "never reached the venue"
    assert venue.inner_creates[cid] == 0 and venue.create_calls == 1
    assert await venue_truth(venue, cid) is None
    assert await venue.fetch_open_orders() == []
    assert (await journal(store, cid)).status is S.REJECTED
    assert engine.open_orders() == []


async def test_a_definitive_rejection_is_recorded_with_its_reason_and_counted(
    harness: MakeHarness,
) -> None:
    engine, _, venue, store = await harness()
    venue.fail_create(Fault.REJECT)
    order = await engine.submit_order(buy())
    assert order.status is S.REJECTED
    assert order.reason is not None and "injected rejection" in order.reason
    assert engine.risk_stats()["venue_rejected"] == 1
    assert venue.inner_creates[order.client_order_id] == 0
    assert venue.create_calls == 1  # a rejection is never retried
    assert (await journal(store, order.client_order_id)).status is S.REJECTED


async def test_transient_failures_are_retried_and_the_order_is_sent_once(
    harness: MakeHarness,
) -> None:
    engine, _, venue, store = await harness()
    venue.fail_create(Fault.TRANSIENT, Fault.TRANSIENT)
    order = await engine.submit_order(buy())
    cid = order.client_order_id
    assert order.status is S.OPEN
    assert venue.create_calls == 3
    assert venue.inner_creates[cid] == 1
    assert [o.client_order_id for o in await venue.fetch_open_orders()] == [cid]
    assert (await journal(store, cid)).status is S.OPEN


async def test_transient_failures_beyond_the_retries_reject_without_sending(
    harness: MakeHarness,
) -> None:
    engine, _, venue, _ = await harness()
    venue.fail_create(*[Fault.TRANSIENT] * 4)  # submit_retries = 3: four tries in all
    order = await engine.submit_order(buy())
    assert order.status is S.REJECTED
    assert order.reason is not None and "after 4 tries" in order.reason
    assert venue.create_calls == 4 and sum(venue.inner_creates.values()) == 0
    assert await venue.fetch_open_orders() == []


# -- cancels that lose the connection -----------------------------------------------------------


async def test_a_cancel_lost_before_the_venue_read_it_settles_back_to_open(
    harness: MakeHarness,
) -> None:
    engine, _, venue, store = await harness()
    cid = (await engine.submit_order(buy())).client_order_id
    venue.fail_cancel(Fault.LOST_REQUEST)
    assert (await engine.cancel_order(cid)).status is S.PENDING_CANCEL
    assert (await settled(engine, cid)).status is S.OPEN  # the venue's truth: still open
    assert venue.inner_cancels[cid] == 0
    assert (await journal(store, cid)).status is S.OPEN
    assert (await engine.cancel_order(cid)).status is S.CANCELED  # and it can be canceled again
    assert await venue.fetch_open_orders() == []
    assert engine.order_stats().anomalies == 0


async def test_a_cancel_whose_answer_is_lost_settles_to_canceled(harness: MakeHarness) -> None:
    engine, _, venue, store = await harness(drop_reports=True)
    cid = (await engine.submit_order(buy())).client_order_id
    venue.fail_cancel(Fault.TIMEOUT_AFTER_SEND)
    assert (await engine.cancel_order(cid)).status is S.PENDING_CANCEL
    assert (await settled(engine, cid)).status is S.CANCELED
    assert venue.inner_cancels[cid] == 1
    assert await venue.fetch_open_orders() == []
    assert (await journal(store, cid)).status is S.CANCELED
    assert engine.open_orders() == [] and engine.order_stats().anomalies == 0


# -- fills that arrive after the cancel ---------------------------------------------------------


@pytest.mark.parametrize(("crossed", "final"), [("0.01", S.CANCELED), ("0.02", S.FILLED)])
async def test_a_fill_delivered_after_the_cancel_ack_is_counted_once(
    harness: MakeHarness, crossed: str, final: OrderStatus
) -> None:
    engine, feed, venue, store = await harness()
    seen = anomalies(engine)
    cid = (await engine.submit_order(buy(qty="0.02"))).client_order_id
    btc_before = engine.balances()[VENUE]["BTC"].total
    venue.hold_reports()
    feed.push(VENUE, "BTC/USDT", 49_850.0, 49_900.0, qty=float(crossed))  # reaches the order
    assert known(engine, cid).filled_qty == 0  # the engine has not heard yet
    fills_before = engine.order_stats().fills_total
    venue.fail_cancel(Fault.LATE_FILLS)
    ack = await engine.cancel_order(cid)
    assert ack.status is final and ack.filled_qty == D(crossed)
    await eventually(
        lambda: engine.order_stats().fills_total == fills_before + 1, what="the late fill"
    )
    order = known(engine, cid)
    assert order.status is final and order.filled_qty == D(crossed)
    trades = [f.trade_id for f in await venue.fetch_fills() if f.client_order_id == cid]
    assert len(trades) == 1
    assert await journal_fills(store, cid) == trades
    stored = await journal(store, cid)
    assert stored.status is final and stored.filled_qty == D(crossed)
    assert engine.balances()[VENUE]["BTC"].total == btc_before + D(crossed)
    for fill in await venue.fetch_fills():  # the venue repeating itself is not news
        venue.inject_fill(fill)
    assert engine.order_stats().fills_total == fills_before + 1
    assert engine.order_stats().duplicate_fills >= 1
    assert engine.order_stats().anomalies == 0 and seen == []


async def test_a_market_order_timing_out_is_never_sent_again(harness: MakeHarness) -> None:
    engine, _, venue, _ = await harness(drop_reports=True)
    venue.fail_create(Fault.TIMEOUT_AFTER_SEND)
    request = buy(None, type=OrderType.MARKET, time_in_force=TimeInForce.IOC)
    order = await engine.submit_order(request)
    final = await settled(engine, order.client_order_id)
    assert final.status is S.FILLED
    assert venue.create_calls == 1 and sum(venue.inner_creates.values()) == 1


async def test_a_retry_waiting_when_trading_halts_is_never_sent(harness: MakeHarness) -> None:
    """A request that failed transiently and waits for its retry must not leave after a halt:
    the kill switch may already have verified the venue empty."""
    engine, _, venue, _ = await harness(oms={"settle_backoff_s": 0.5})
    venue.fail_create(Fault.TRANSIENT)
    task = asyncio.create_task(engine.submit_order(buy()))
    await eventually(lambda: venue.create_calls == 1, what="the first try")
    report = await engine.panic("halt while a retry waits")
    assert report.clean
    order = await asyncio.wait_for(task, 10)
    assert order.status is S.REJECTED
    assert order.reason is not None and "before sending" in order.reason
    assert venue.create_calls == 1 and sum(venue.inner_creates.values()) == 0
    assert await venue.fetch_open_orders() == []


async def test_a_lost_fill_is_recovered_even_after_later_fills_were_recorded(
    harness: MakeHarness,
) -> None:
    engine, feed, venue, store = await harness(drop_reports=True)
    venue.fail_create(Fault.TIMEOUT_AFTER_SEND)
    lost = (await engine.submit_order(buy(CROSSING))).client_order_id
    assert (await settled(engine, lost)).status is S.FILLED
    feed.push(VENUE, "BTC/USDT", 50_000.0, 50_001.0)  # market time moves on
    later = await engine.submit_order(buy(CROSSING))
    assert later.status is S.FILLED
    assert len(await journal_fills(store, later.client_order_id)) == 1
    report = await engine.reconcile([VENUE])
    assert report.ok and report.venues[0].fills_added == 1
    on_venue = [f.trade_id for f in await venue.fetch_fills() if f.client_order_id == lost]
    assert await journal_fills(store, lost) == on_venue and len(on_venue) == 1


async def test_a_reconciliation_while_an_order_is_on_its_way_leaves_it_to_its_answer(
    harness: MakeHarness,
) -> None:
    """An order sent but not yet arrived (a slow link) is unknown to the venue for a moment: a
    reconciliation then (after a reconnect) must not call it never sent, or the venue ends up
    with a live order that our journal calls REJECTED."""
    engine, _, venue, store = await harness(paper={"latency_ms": 300})
    task = asyncio.create_task(engine.submit_order(buy()))
    await eventually(lambda: venue.create_calls == 1, what="the order to leave")
    report = await engine.reconcile([VENUE])
    order = await asyncio.wait_for(task, 10)
    assert order.status is S.OPEN
    assert report.ok and report.venues[0].rejected_unsent == 0
    assert engine.order_stats().anomalies == 0
    assert [o.client_order_id for o in await venue.fetch_open_orders()] == [order.client_order_id]
    assert (await journal(store, order.client_order_id)).status is S.OPEN


@pytest.mark.parametrize(
    "faults",
    [
        (Fault.LOST_REQUEST, Fault.TRANSIENT),
        (Fault.TIMEOUT_AFTER_SEND,),
    ],
    ids=["lost-then-busy", "answer-lost"],
)
async def test_panic_retries_a_failing_cancel_all_and_reports_what_it_canceled(
    harness: MakeHarness, faults: tuple[Fault, ...]
) -> None:
    engine, _, venue, store = await harness(drop_reports=True)
    placed = [(await engine.submit_order(buy(str(49_000 + i)))).client_order_id for i in range(5)]
    venue.fail_cancel_all(*faults)
    report = await engine.panic("cancel-all fails")
    assert report.clean, report.summary()
    (result,) = [v for v in report.venues if v.venue == VENUE]
    assert result.canceled == len(placed)
    assert len(result.errors) == len(faults)
    assert await venue.fetch_open_orders() == []
    assert {known(engine, cid).status for cid in placed} == {S.CANCELED}
    for cid in placed:
        assert (await journal(store, cid)).status is S.CANCELED


async def test_an_order_waiting_for_its_journal_write_when_trading_halts_is_never_sent(
    harness: MakeHarness,
) -> None:
    engine, _, venue, store = await harness()
    task = asyncio.create_task(engine.submit_order(buy()))
    await asyncio.sleep(0)  # it passed risk and waits on the store
    assert venue.create_calls == 0
    report = await engine.panic("halt during the journal write")
    order = await asyncio.wait_for(task, 10)
    assert order.status is S.REJECTED
    assert order.reason is not None and "before sending" in order.reason
    assert venue.create_calls == 0 and report.clean
    assert (await journal(store, order.client_order_id)).status is S.REJECTED


# -- properties: whatever order, repetition or interleaving the venue delivers --------------------
#
# A bare OrderManager (no store thread, no venue): what it hands the store and the bus is recorded,
# so each example runs in microseconds and hypothesis can try thousands of delivery orders.


class _Recorder:
    """Stands in for the store, the audit log and risk: records what the OMS hands them."""

    def __init__(self) -> None:
        self.saved_fills: list[Fill] = []
        self.saved_orders: list[Order] = []

    def submit(self, fn: Callable[..., object], *args: object) -> None:
        if fn is repo.save_fill:
            self.saved_fills.append(args[0])  # type: ignore[arg-type]
        elif fn is repo.save_order:
            self.saved_orders.append(args[0])  # type: ignore[arg-type]
        elif fn is order_writes.write_batch:  # the writes after the journal, as one job
            self.saved_orders.extend(args[0])  # type: ignore[arg-type]
            self.saved_fills.extend(args[1])  # type: ignore[arg-type]

    def record(self, *args: object, **kwargs: object) -> None:
        pass

    def spawn(self, name: str, coro: Coroutine[Any, Any, None], **kwargs: object) -> None:
        coro.close()  # no loop here: the settle tasks a bare OMS would start are not run


def bare_oms() -> tuple[OrderManager, _Recorder, EventBus]:
    recorder, bus = _Recorder(), EventBus()
    oms = OrderManager(
        bus=bus,
        clock=ManualClock(T0),
        store=recorder,  # type: ignore[arg-type]
        audit=recorder,  # type: ignore[arg-type]
        risk=recorder,  # type: ignore[arg-type]
        venues={},
        instruments={},
        settings=OmsSettings(),
        leverage=D(10),
        spawn=recorder.spawn,
        accounts=recorder,  # type: ignore[arg-type]
    )
    return oms, recorder, bus


UNIT = D("0.001")


def tracked_order(oms: OrderManager, units: int, status: OrderStatus = S.OPEN) -> Order:
    order = Order(
        "ADprop1", VENUE, "BTC/USDT", Side.BUY, OrderType.LIMIT, units * UNIT, D("50000"),
        status=status,
    )  # fmt: skip
    oms.apply(order)  # unknown to it: adopted, and tracked from here on
    return oms.orders[order.client_order_id]


fill_specs = st.lists(
    st.tuples(st.sampled_from(["sim-a", "sim-b"]), st.integers(1, 6), st.integers(1, 8)),
    min_size=1,
    max_size=12,
    unique_by=lambda t: (t[0], t[1]),
)


@given(
    order_units=st.integers(1, 30),
    specs=fill_specs,
    data=st.data(),
)
@settings(max_examples=400, deadline=None)
def test_any_delivery_of_fills_counts_each_once_and_never_overfills(
    order_units: int, specs: list[tuple[str, int, int]], data: st.DataObject
) -> None:
    oms, recorder, bus = bare_oms()
    order = tracked_order(oms, order_units)
    published: list[FillReceived] = []
    bus.subscribe(FillReceived, published.append)
    fills = [
        Fill(venue, f"t{trade}", order.client_order_id, "BTC/USDT", Side.BUY, D("50000"),
             units * UNIT, D(0), "USDT", Liquidity.MAKER, T0)
        for venue, trade, units in specs
    ]  # fmt: skip
    # every fill delivered one to three times, in any order
    deliveries = data.draw(
        st.permutations([f for f in fills for _ in range(data.draw(st.integers(1, 3)))])
    )
    # the model: first come, first counted, as long as it fits the order
    counted: dict[tuple[str, str], Fill] = {}
    total, duplicates, refused = D(0), 0, 0
    for fill in deliveries:
        oms.on_fill(fill)
        if fill.key in counted:
            duplicates += 1
        elif total + fill.qty > order.quantity:
            refused += 1
        else:
            counted[fill.key] = fill
            total += fill.qty
    assert [p.fill for p in published] == list(counted.values())
    assert recorder.saved_fills == list(counted.values())
    assert len({f.key for f in recorder.saved_fills}) == len(recorder.saved_fills)
    assert sum((f.qty for f in recorder.saved_fills), D(0)) <= order.quantity
    assert oms.fills_total == len(counted)
    assert oms.duplicate_fills == duplicates
    assert oms.overfills == refused
    if sum(f.qty for f in fills) <= order.quantity:  # all fit: all counted, whatever the order
        assert set(counted) == {f.key for f in fills} and refused == 0


reports = st.lists(
    st.tuples(st.sampled_from(list(OrderStatus)), st.integers(0, 10)), min_size=1, max_size=15
)


@given(start=st.sampled_from([S.PENDING_SUBMIT, S.OPEN, S.UNKNOWN]), sequence=reports)
@settings(max_examples=400, deadline=None)
def test_any_sequence_of_venue_reports_moves_the_order_only_along_the_table(
    start: OrderStatus, sequence: list[tuple[OrderStatus, int]]
) -> None:
    oms, recorder, _ = bare_oms()
    order = tracked_order(oms, 10, start)
    recorder.saved_orders.clear()  # the adoption's own write
    cid = order.client_order_id
    path = [order]
    for status, units in sequence:
        before = oms.orders[cid]
        anomalies_before = oms.anomalies
        report = replace(before, status=status, filled_qty=units * UNIT)
        oms.apply(report)  # never raises
        after = oms.orders[cid]
        if after.status is not before.status:
            assert can_transition(before.status, after.status), (before.status, after.status)
        assert after.filled_qty >= before.filled_qty  # an older report never undoes a fill
        if before.status.is_terminal:
            assert after.status.is_terminal  # a closed order never looks live again
        if oms.anomalies > anomalies_before:
            assert after == before  # a refused report changes nothing
        assert (oms.view.open_count() == 0) == after.status.is_terminal
        assert oms.view.open_count_for(VENUE, "BTC/USDT") == oms.view.open_count()
        path.append(after)
    assert recorder.saved_orders == [new for old, new in pairwise(path) if new is not old]
