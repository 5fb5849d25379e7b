"""Two-leg execution on a real engine: paper venues behind the fault-injecting wrapper.

The executor is built from the engine's public calls only (submit, cancel, order, subscribe,
quote, instruments) and a ``Deadlines`` on the feed's market clock, ticked on every quote as the
engine does. Each test drives one way a leg goes wrong: refused by the venue, partly filled
(the quote shows less than the leg needs), or sent and never answered. The venue's own record
(``FaultyVenue.inner_creates``, its positions) is the proof of what really happened.

Prices (``start_manual``): BTC/USDT 50,000 / 50,001 on both venues (tick 0.01 on sim-a, 0.1 on
sim-b), the BTC perpetual 50,010 / 50,010.5 (tick 0.1; sim-a's minimum notional is 100 USDT).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest

from app.core.events import QuoteUpdated
from app.core.orders import Order, OrderStatus, Side, TimeInForce
from app.engine.deadlines import Deadlines
from app.engine.engine import Engine
from app.engine.execution import (
    ExecutionPlan,
    ExecutionResult,
    Executor,
    LegOrder,
    LegRiskPolicy,
)
from tests.support.engines import ManualFeed, eventually, make_settings, manual_market, start_manual
from tests.support.faulty_venue import Fault, FaultyVenue

D = Decimal
S = OrderStatus
ORIGIN = "bot:t1"
SPOT = "BTC/USDT"
PERP = "BTC/USDT:USDT"


@dataclass
class Audit:
    """The audit callable: every step as (actor, action, detail, trace id)."""

    calls: list[tuple[str, str, dict[str, Any], str]] = field(default_factory=list)
    on_action: dict[str, Callable[[dict[str, Any]], None]] = field(default_factory=dict)

    def __call__(self, actor: str, action: str, detail: dict[str, Any], trace_id: str) -> None:
        self.calls.append((actor, action, detail, trace_id))
        hook = self.on_action.get(action)
        if hook is not None:
            hook(detail)

    def actions(self) -> list[str]:
        return [call[1] for call in self.calls]


@dataclass
class Desk:
    engine: Engine
    feed: ManualFeed
    venues: dict[str, FaultyVenue]
    executor: Executor
    audit: Audit

    def order(self, cid: str) -> Order:
        found = self.engine.order(cid)
        assert found is not None, f"the engine does not know {cid}"
        return found

    def created_once(self) -> None:
        """Every client id reached its venue at most once, and no two venues share one."""
        seen: list[str] = []
        for venue in self.venues.values():
            assert all(n == 1 for n in venue.inner_creates.values()), venue.inner_creates
            seen.extend(venue.inner_creates)
        assert len(seen) == len(set(seen))


MakeDesk = Callable[..., Awaitable[Desk]]


@pytest.fixture
async def desk() -> AsyncIterator[MakeDesk]:
    engines: list[Engine] = []
    executors: list[Executor] = []

    async def make(*, drop_reports: bool = False, oms: dict[str, Any] | None = None) -> Desk:
        settings = make_settings(oms={"settle_backoff_s": 0.01, **(oms or {})})
        market, feed, faulty = manual_market(
            settings,
            wrap=["sim-a", "sim-b"],
            factory=lambda v: FaultyVenue(v, drop_reports=drop_reports),
        )
        engine = Engine(settings, market=market)
        engines.append(engine)
        await start_manual(engine, feed)
        deadlines = Deadlines(feed.clock)

        def tick(_event: QuoteUpdated) -> None:  # as the engine does on every quote
            deadlines.tick(engine.now_ns())

        engine.subscribe(QuoteUpdated, tick)
        audit = Audit()
        executor = Executor(
            submit=engine.submit_order,
            cancel=engine.cancel_order,
            order=engine.order,
            subscribe=engine.subscribe,
            quote=engine.quote,
            instruments=engine.instruments(),
            deadlines=deadlines,
            clock=feed.clock,
            audit=audit,
        )
        executors.append(executor)
        return Desk(engine, feed, faulty, executor, audit)

    yield make
    for executor in executors:
        executor.close()
    for engine in engines:
        await engine.stop()


def plan(*legs: LegOrder, **kw: Any) -> ExecutionPlan:
    return ExecutionPlan(origin=ORIGIN, trace_id="t1:1:1", legs=legs, **kw)


def buy(
    venue: str = "sim-a", qty: str = "0.002", symbol: str = SPOT, price: str = "50001"
) -> LegOrder:
    return LegOrder(venue, symbol, Side.BUY, D(qty), D(price))


def sell(
    venue: str = "sim-b", qty: str = "0.002", symbol: str = SPOT, price: str = "50000"
) -> LegOrder:
    return LegOrder(venue, symbol, Side.SELL, D(qty), D(price))


def assert_tagged(d: Desk, result: ExecutionResult) -> None:
    """Every order of the step carries the plan's origin and trace id; so does every audit."""
    for leg in result.legs:
        for cid in leg.client_order_ids:
            order = d.order(cid)
            assert (order.origin, order.trace_id) == (ORIGIN, "t1:1:1")
    assert {(actor, trace) for actor, _, _, trace in d.audit.calls} == {(ORIGIN, "t1:1:1")}
    d.created_once()


async def test_both_legs_fill_as_ioc_limits_within_the_slippage_cap(desk: MakeDesk) -> None:
    d = await desk()
    result = await d.executor.execute(plan(buy(), sell()))
    assert result.complete and result.balanced
    assert result.residual == () and result.unknown == () and result.leg_risk_events == 0
    a, b = result.legs
    assert (a.filled, b.filled) == (D("0.002"), D("0.002"))
    assert (a.avg_price, b.avg_price) == (D("50001"), D("50000"))  # took the quote
    first_a, first_b = d.order(a.client_order_ids[0]), d.order(b.client_order_ids[0])
    assert first_a.time_in_force is TimeInForce.IOC and first_b.time_in_force is TimeInForce.IOC
    # 5 bps against us, rounded to the tick away from the market: 50,026.0005 up, 49,975 down
    assert first_a.price == D("50026.01") and first_b.price == D("49975.0")
    assert d.audit.actions() == [
        "exec_start",
        "exec_send",
        "exec_send",
        "exec_leg_done",
        "exec_leg_done",
        "exec_done",
    ]
    assert_tagged(d, result)


async def test_a_refused_second_leg_is_hedged_on_the_next_attempt(desk: MakeDesk) -> None:
    d = await desk()
    d.venues["sim-b"].fail_create(Fault.REJECT)
    result = await d.executor.execute(plan(buy(), sell()))
    assert result.complete and result.balanced and result.residual == ()
    assert result.leg_risk_events == 1
    rejected, hedge = (d.order(cid) for cid in result.legs[1].client_order_ids)
    assert rejected.status is S.REJECTED and rejected.filled_qty == 0
    assert hedge.status is S.FILLED and hedge.side is Side.SELL
    assert hedge.price == D("49950.0")  # slippage doubled: 10 bps under the bid
    assert "leg_risk_hedge" in d.audit.actions()
    assert d.venues["sim-b"].create_calls == 2
    assert_tagged(d, result)


async def test_a_leg_refused_every_time_leaves_a_residual_after_the_retries(
    desk: MakeDesk,
) -> None:
    d = await desk()
    d.venues["sim-b"].fail_create(*[Fault.REJECT] * 10)
    result = await d.executor.execute(plan(buy(), sell(), retries=3))
    assert not result.complete and not result.balanced
    assert result.leg_risk_events == 3
    assert result.residual == ("sim-a BTC/USDT long 0.002",)
    assert d.venues["sim-b"].create_calls == 4  # the leg, then three hedges: bounded
    prices = [d.order(cid).price for cid in result.legs[1].client_order_ids]
    assert prices == [D("49975.0"), D("49950.0"), D("49900.0"), D("49800.0")]  # widening
    actions = d.audit.actions()
    assert actions.count("leg_risk_hedge") == 3 and "leg_risk_left" in actions
    assert_tagged(d, result)


async def test_unwind_sends_the_filled_leg_back_and_the_venue_ends_flat(desk: MakeDesk) -> None:
    d = await desk()
    d.venues["sim-b"].fail_create(Fault.REJECT)
    steps = plan(
        buy(symbol=PERP, qty="0.003", price="50010.5"),
        sell(symbol=PERP, qty="0.003", price="50010"),
        policy=LegRiskPolicy.UNWIND,
    )
    result = await d.executor.execute(steps)
    assert result.balanced and not result.complete and result.residual == ()
    assert result.leg_risk_events == 1
    leg, unwind = (d.order(cid) for cid in result.legs[0].client_order_ids)
    assert leg.filled_qty == D("0.003") and leg.side is Side.BUY
    assert unwind.side is Side.SELL and unwind.reduce_only and unwind.filled_qty == D("0.003")
    assert result.legs[0].filled == 0 and result.legs[1].filled == 0
    # flat on the venue itself, and in the engine's books
    on_venue = await d.venues["sim-a"].fetch_positions()
    assert all(p.qty == 0 for p in on_venue if p.instrument_id.symbol == PERP)
    await eventually(
        lambda: all(p.qty == 0 for p in d.engine.positions() if p.instrument_id.symbol == PERP),
        what="the engine's positions to be flat",
    )
    assert "leg_risk_unwind" in d.audit.actions()
    assert_tagged(d, result)


async def test_a_partly_filled_leg_is_unwound_down_to_what_both_legs_hold(desk: MakeDesk) -> None:
    d = await desk()
    d.feed.push("sim-b", SPOT, 50_000.0, 50_001.0, qty=0.001)  # only 0.001 shown on sim-b
    btc_before = d.engine.balances()["sim-a"]["BTC"].total
    result = await d.executor.execute(plan(buy(), sell(), policy=LegRiskPolicy.UNWIND))
    assert result.balanced and not result.complete
    assert [leg.filled for leg in result.legs] == [D("0.001"), D("0.001")]
    first_b = d.order(result.legs[1].client_order_ids[0])
    assert first_b.status is S.CANCELED and first_b.filled_qty == D("0.001")  # IOC remainder
    unwind = d.order(result.legs[0].client_order_ids[1])
    assert unwind.side is Side.SELL and unwind.quantity == D("0.001") and not unwind.reduce_only
    await eventually(
        lambda: d.engine.balances()["sim-a"]["BTC"].total == btc_before + D("0.001"),
        what="sim-a to hold the 0.001 BTC both legs traded",
    )
    assert_tagged(d, result)


async def test_a_partly_filled_leg_is_hedged_when_the_book_refills(desk: MakeDesk) -> None:
    d = await desk()
    d.feed.push("sim-b", SPOT, 50_000.0, 50_001.0, qty=0.001)

    def refill(detail: dict[str, Any]) -> None:
        if detail["leg"] == 1:
            d.feed.push("sim-b", SPOT, 49_999.0, 50_000.0)

    # the market moves on between the legs' outcome and the hedge: sim-b shows size again
    d.audit.on_action["exec_leg_done"] = refill
    result = await d.executor.execute(plan(buy(), sell()))
    assert result.complete and result.balanced and result.leg_risk_events == 1
    first, hedge = (d.order(cid) for cid in result.legs[1].client_order_ids)
    assert first.filled_qty == D("0.001") and hedge.filled_qty == D("0.001")
    assert hedge.price == D("49949.0")  # from the new bid 49,999, 10 bps under, tick 0.1 down
    assert_tagged(d, result)


async def test_a_partly_filled_leg_with_no_more_liquidity_reports_the_residual(
    desk: MakeDesk,
) -> None:
    d = await desk()
    d.feed.push("sim-b", SPOT, 50_000.0, 50_001.0, qty=0.001)
    result = await d.executor.execute(plan(buy(), sell(), retries=2))
    assert not result.balanced and result.leg_risk_events == 2
    assert result.residual == ("sim-a BTC/USDT long 0.001",)
    assert "leg_risk_left" in d.audit.actions()
    assert_tagged(d, result)


async def test_a_leg_sent_and_never_answered_is_canceled_at_its_market_time_deadline(
    desk: MakeDesk,
) -> None:
    # the OMS's own settling waits a wall minute: only the executor's cancel settles the order
    d = await desk(drop_reports=True, oms={"settle_backoff_s": 60.0})
    b = d.venues["sim-b"]
    b.fail_create(Fault.TIMEOUT_AFTER_SEND)
    running = asyncio.create_task(d.executor.execute(plan(buy(), sell(), leg_timeout_ms=60_000)))

    def lost() -> list[Order]:
        return [o for o in d.engine.orders() if o.venue == "sim-b" and o.status is S.UNKNOWN]

    await eventually(lambda: bool(lost()), what="the sim-b leg to be UNKNOWN")
    cid = lost()[0].client_order_id
    for _ in range(20):
        await asyncio.sleep(0.01)  # wall time passes, the market stands still: nothing happens
    assert not running.done() and b.cancel_calls == 0
    d.feed.advance(30)
    d.feed.push("sim-a", SPOT, 50_000.0, 50_001.0)
    await asyncio.sleep(0.01)
    assert not running.done() and b.cancel_calls == 0  # 30 s of a 60 s deadline
    d.feed.advance(31)
    d.feed.push("sim-a", SPOT, 50_000.0, 50_001.0)  # the quote that crosses the deadline
    result = await asyncio.wait_for(running, timeout=20)
    assert b.cancel_calls == 1 and b.inner_cancels[cid] == 1
    settled = d.order(cid)
    assert settled.status is S.FILLED and settled.filled_qty == D("0.002")  # the venue's word
    assert result.complete and result.balanced and result.unknown == ()
    assert "exec_cancel" in d.audit.actions()
    assert_tagged(d, result)


async def test_an_order_the_cancel_cannot_settle_is_reported_unknown(desk: MakeDesk) -> None:
    d = await desk(drop_reports=True, oms={"settle_backoff_s": 60.0})
    b = d.venues["sim-b"]
    b.fail_create(Fault.TIMEOUT_AFTER_SEND)
    b.fail_cancel(Fault.LOST_REQUEST, Fault.LOST_REQUEST)
    running = asyncio.create_task(d.executor.execute(plan(buy(), sell(), leg_timeout_ms=1_000)))
    await eventually(lambda: b.create_calls == 1, what="the sim-b leg to be sent")
    for _ in range(100):  # market time passes a second at a time until the executor gives up
        if running.done():
            break
        d.feed.advance(1.1)
        d.feed.push("sim-a", SPOT, 50_000.0, 50_001.0)
        d.feed.push("sim-b", SPOT, 50_000.0, 50_001.0)
        await asyncio.sleep(0.01)
    result = await asyncio.wait_for(running, timeout=20)
    assert len(result.unknown) == 1 and not result.balanced
    assert "exec_unknown" in d.audit.actions()
    assert result.legs[1].filled == 0  # nothing known filled
    assert b.cancel_calls == 2  # bounded
    # leg risk does not act on a guess: no hedge while the outcome is unknown
    assert b.create_calls == 1 and "leg_risk_hedge" not in d.audit.actions()
    assert result.residual == ("sim-a BTC/USDT long 0.002",)
    assert_tagged(d, result)


async def test_maker_first_rests_then_takes_what_is_left_after_the_market_time_timeout(
    desk: MakeDesk,
) -> None:
    d = await desk()
    steps = plan(buy(), sell(), maker_first=True, maker_timeout_ms=2_000)
    running = asyncio.create_task(d.executor.execute(steps))

    def resting() -> list[Order]:
        return [o for o in d.engine.orders() if o.status is S.OPEN and o.trace_id == "t1:1:1"]

    await eventually(lambda: len(resting()) == 2, what="both maker orders to rest")
    prices = {o.venue: (o.time_in_force, o.price) for o in resting()}
    # at the quoted price, but behind the quote: a buy at the bid, a sell at the ask
    assert prices == {
        "sim-a": (TimeInForce.POST_ONLY, D("50000.00")),
        "sim-b": (TimeInForce.POST_ONLY, D("50001.0")),
    }
    d.feed.push("sim-a", SPOT, 49_999.0, 49_999.99)  # a seller reaches our bid: maker fill
    await eventually(lambda: len(resting()) == 1, what="the sim-a maker order to fill")
    assert not running.done() and d.venues["sim-b"].cancel_calls == 0
    d.feed.advance(2)
    d.feed.push("sim-b", SPOT, 50_000.0, 50_001.0)  # past the maker timeout: taker fallback
    result = await asyncio.wait_for(running, timeout=20)
    assert result.complete and result.balanced and result.leg_risk_events == 0
    a, b = result.legs
    assert len(a.client_order_ids) == 1 and a.avg_price == D("50000")
    maker_b, taker_b = (d.order(cid) for cid in b.client_order_ids)
    assert maker_b.status is S.CANCELED and maker_b.filled_qty == 0
    assert taker_b.time_in_force is TimeInForce.IOC and taker_b.filled_qty == D("0.002")
    assert d.audit.actions().count("exec_send_maker") == 2
    assert "exec_send_taker" in d.audit.actions()
    assert_tagged(d, result)


async def test_a_plan_with_a_quantity_off_the_step_is_refused_before_anything_is_sent(
    desk: MakeDesk,
) -> None:
    d = await desk()
    with pytest.raises(ValueError, match="step"):
        await d.executor.execute(plan(buy(qty="0.0020001"), sell()))
    assert d.venues["sim-a"].create_calls == 0 and d.venues["sim-b"].create_calls == 0
