"""Reconciliation at start, the kill switch, leaving HALTED, and automatic halts."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from pathlib import Path

import pytest

from app.core.clock import ManualClock
from app.core.events import VenueState
from app.core.orders import Order, OrderRequest, OrderStatus, OrderType, Side, TimeInForce
from app.core.panic import PanicReport
from app.core.trading_state import TradingState
from app.engine.health import VenueHealth
from app.engine.orders.oms import OrderRefused
from app.engine.portfolio import Valuation
from app.store import repositories as repo
from app.venues.paper import PaperVenue
from app.venues.paper_store import PaperStateStore

from .conftest import MakeEngine

D = Decimal
S = OrderStatus


def limit(price: str, venue: str = "sim-a", qty: str = "0.01") -> OrderRequest:
    return OrderRequest(venue, "BTC/USDT", Side.BUY, D(qty), D(price))


async def test_panic_cancels_everything_verifies_and_reports(make_engine: MakeEngine) -> None:
    engine, _ = await make_engine()
    placed = [
        await engine.submit_order(limit(str(49_000 + i), v))
        for v in ("sim-a", "sim-b")
        for i in range(5)
    ]
    reports: list[PanicReport] = []
    engine.bus.subscribe(PanicReport, reports.append)
    report = await engine.panic("test", actor="tester")
    assert report.clean and reports == [report]
    assert sum(v.canceled for v in report.venues) == len(placed) == 10
    assert engine.trading_state is TradingState.HALTED
    assert engine.open_orders() == []
    for name, venue in engine.venues.items():
        assert await venue.fetch_open_orders() == [], name
    with pytest.raises(OrderRefused, match="HALTED"):
        await engine.submit_order(limit("48000"))
    await engine.store.flush()
    actions = [e.action for e in await engine.store.run(repo.load_audit)]
    for step in ("panic_start", "trading_state", "panic_cancel", "panic_done"):
        assert step in actions
    assert (await engine.store.run(repo.verify_audit_chain)).ok


async def test_panic_flatten_closes_derivative_positions(make_engine: MakeEngine) -> None:
    engine, _ = await make_engine()
    perp = OrderRequest(
        "sim-a", "BTC/USDT:USDT", Side.SELL, D("0.2"), None, OrderType.MARKET, TimeInForce.IOC
    )
    assert (await engine.submit_order(perp)).status is S.FILLED
    report = await engine.panic("flatten test", flatten=True)
    assert report.clean
    (a,) = [v for v in report.venues if v.venue == "sim-a"]
    assert a.closed_positions == ("BTC/USDT:USDT buy 0.2",)
    assert [p for p in await engine.venues["sim-a"].fetch_positions() if p.qty] == []


async def test_halt_survives_restart_and_reset_needs_confirmation(
    make_engine: MakeEngine,
) -> None:
    engine, _ = await make_engine()
    await engine.panic("before restart")
    await engine.stop()
    again, _ = await make_engine()
    assert again.trading_state is TradingState.HALTED
    with pytest.raises(ValueError, match="confirm"):
        await again.reset_halt(confirm=False)
    report = await again.reset_halt(confirm=True)
    assert report.ok
    assert again.trading_state is TradingState.ACTIVE
    await again.submit_order(limit("49000"))


async def test_restart_adopts_orders_placed_elsewhere(
    make_engine: MakeEngine, arbdesk_home: Path
) -> None:
    engine, feed = await make_engine()
    await engine.stop()
    # an order placed on the venue by someone else while we were not running
    store = PaperStateStore(arbdesk_home / "data" / "paper.sqlite")
    outsider = PaperVenue(
        "sim-a",
        list(engine.venues["sim-a"].instruments()),
        starting_balances={"USDT": D(100_000)},
        store=store,
        clock=ManualClock(feed.clock.now_ns()),
    )
    await outsider.connect()
    external = Order("EXT1", "sim-a", "BTC/USDT", Side.BUY, OrderType.LIMIT, D("0.01"), D("40000"))
    await outsider.create_order(external)
    await outsider.close()
    store.close()
    again, _ = await make_engine()
    report = again.last_reconciliation
    assert report is not None and report.ok
    (a,) = [v for v in report.venues if v.venue == "sim-a"]
    assert a.adopted == 1
    assert again.oms.orders["EXT1"].origin == "external"
    assert [o.client_order_id for o in again.open_orders("sim-a")] == ["EXT1"]


async def test_a_journaled_order_the_venue_never_got_is_rejected_at_start(
    make_engine: MakeEngine,
) -> None:
    engine, _ = await make_engine()
    ghost = Order(
        "ADghost1",
        "sim-a",
        "BTC/USDT",
        Side.BUY,
        OrderType.LIMIT,
        D("0.01"),
        D("49000"),
        status=S.PENDING_SUBMIT,
    )
    await engine.store.run(repo.save_order, ghost)
    await engine.stop()
    again, _ = await make_engine()
    assert again.oms.orders["ADghost1"].status is S.REJECTED
    assert "never reached the venue" in (again.oms.orders["ADghost1"].reason or "")
    assert again.trading_state is TradingState.ACTIVE


async def test_an_open_order_the_venue_does_not_know_halts_trading(
    make_engine: MakeEngine,
) -> None:
    engine, _ = await make_engine()
    lost = Order(
        "ADlost1",
        "sim-a",
        "BTC/USDT",
        Side.BUY,
        OrderType.LIMIT,
        D("0.01"),
        D("49000"),
        status=S.OPEN,
    )
    await engine.store.run(repo.save_order, lost)
    await engine.stop()
    again, _ = await make_engine()
    assert again.trading_state is TradingState.HALTED
    assert again.last_reconciliation is not None
    assert any("ADlost1" in p for p in again.last_reconciliation.problems())
    report = await again.reset_halt(confirm=True)
    assert not report.ok
    assert again.trading_state is TradingState.HALTED


async def test_a_storm_of_rejections_runs_the_kill_switch(make_engine: MakeEngine) -> None:
    engine, _ = await make_engine(
        risk={"halts": {"reject_storm_count": 5, "check_interval_ms": 20}}
    )
    await engine.submit_order(limit("49000"))
    for _ in range(5):
        with pytest.raises(OrderRefused):
            await engine.submit_order(limit("60000"))
    for _ in range(100):
        if engine.last_panic is not None:
            break
        await asyncio.sleep(0.02)
    assert engine.last_panic is not None
    assert engine.last_panic.actor == "risk"
    assert "rejection storm" in engine.last_panic.reason
    assert engine.trading_state is TradingState.HALTED
    assert engine.open_orders() == []


async def test_daily_loss_drawdown_and_venue_down_reasons(make_engine: MakeEngine) -> None:
    engine, feed = await make_engine(
        risk={"halts": {"daily_loss_limit": 1000, "max_drawdown_pct": 50, "venue_down_halt_s": 5}}
    )
    risk = engine.risk

    def valuation(usdt: str) -> Valuation:
        return Valuation(feed.clock.now_ns(), {"USDT": D(usdt), "BTC": D(1)}, {}, True)

    assert risk.halt_reason(valuation("100000"), [], set()) is None
    assert risk.halt_reason(valuation("99500"), [], set()) is None
    reason = risk.halt_reason(valuation("98900"), [], set())
    assert reason is not None and "daily loss 1,100.00" in reason
    down = [VenueHealth("sim-b", VenueState.DOWN, "", None)]
    assert risk.halt_reason(None, down, {"sim-b"}) is None
    feed.advance(6)
    reason = risk.halt_reason(None, down, {"sim-b"})
    assert reason is not None and "venue sim-b down for 6 s" in reason
    assert risk.halt_reason(None, down, set()) is None  # no exposure there: no halt
