"""Reconciliation at start, the kill switch, leaving HALTED, and automatic halts."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest

from app.core.clock import ManualClock
from app.core.events import VenueState
from app.core.orders import Order, OrderRequest, OrderStatus, OrderType, Side, TimeInForce
from app.core.panic import PanicReport
from app.core.trading_state import TradingState
from app.engine.engine import Engine
from app.engine.market_scope import MarketScope
from app.engine.orders.oms import OrderRefused
from app.engine.orders.risk import DAY_KEY, PEAK_KEY
from app.store import repositories as repo
from app.store.store import Store
from app.venues.base import Venue
from app.venues.paper import PaperVenue
from app.venues.paper_store import PaperStateStore
from tests.support.engines import T0, ManualFeed, make_settings, manual_market, start_manual
from tests.support.stores import engine_store

from .conftest import MakeEngine

D = Decimal
S = OrderStatus


def limit(price: str, venue: str = "sim-a", qty: str = "0.01") -> OrderRequest:
    return OrderRequest(venue, "BTC/USDT", Side.BUY, D(qty), D(price))


@dataclass(frozen=True)
class Built:
    """An engine with the venues and the store the test built for it (the engine's are private)."""

    engine: Engine
    feed: ManualFeed
    venues: Mapping[str, Venue]
    store: Store


MakeBuilt = Callable[..., Awaitable[Built]]


@pytest.fixture
async def make_built(arbdesk_home: Path) -> AsyncIterator[MakeBuilt]:
    """Like ``make_engine``, keeping the venues and the store; all engines stopped after."""
    started: list[Engine] = []

    async def make(**over: object) -> Built:
        settings = make_settings(**over)
        market, feed, _ = manual_market(settings)
        store = engine_store(settings)
        engine = Engine(settings, market=market, store=store)
        started.append(engine)
        await start_manual(engine, feed)
        return Built(engine, feed, market.venues, store)

    yield make
    for engine in started:
        await engine.stop()


def known(engine: Engine, cid: str) -> Order:
    order = engine.order(cid)
    assert order is not None, f"the engine does not know {cid}"
    return order


async def test_panic_cancels_everything_verifies_and_reports(make_built: MakeBuilt) -> None:
    built = await make_built()
    engine = built.engine
    placed = [
        await engine.submit_order(limit(str(49_000 + i), v))
        for v in ("sim-a", "sim-b")
        for i in range(5)
    ]
    reports: list[PanicReport] = []
    engine.subscribe(PanicReport, reports.append)
    report = await engine.panic("test", actor="tester")
    assert report.clean and reports == [report]
    assert sum(v.canceled for v in report.venues) == len(placed) == 10
    assert engine.trading_state is TradingState.HALTED
    assert engine.open_orders() == []
    for name, venue in built.venues.items():
        assert await venue.fetch_open_orders() == [], name
    with pytest.raises(OrderRefused, match="HALTED"):
        await engine.submit_order(limit("48000"))
    await engine.flush_records()
    actions = [e.action for e in await built.store.run(repo.load_audit)]
    for step in ("panic_start", "trading_state", "panic_cancel", "panic_done"):
        assert step in actions
    assert (await built.store.run(repo.verify_audit_chain)).ok


async def test_panic_flatten_closes_derivative_positions(make_built: MakeBuilt) -> None:
    built = await make_built()
    engine = built.engine
    perp = OrderRequest(
        "sim-a", "BTC/USDT:USDT", Side.SELL, D("0.2"), None, OrderType.MARKET, TimeInForce.IOC
    )
    assert (await engine.submit_order(perp)).status is S.FILLED
    report = await engine.panic("flatten test", flatten=True)
    assert report.clean
    (a,) = [v for v in report.venues if v.venue == "sim-a"]
    assert a.closed_positions == ("BTC/USDT:USDT buy 0.2",)
    assert [p for p in await built.venues["sim-a"].fetch_positions() if p.qty] == []


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
        [i for i in engine.instruments().values() if i.venue == "sim-a"],
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
    assert known(again, "EXT1").origin == "external"
    assert [o.client_order_id for o in again.open_orders("sim-a")] == ["EXT1"]


async def test_a_journaled_order_the_venue_never_got_is_rejected_at_start(
    make_engine: MakeEngine, make_built: MakeBuilt
) -> None:
    built = await make_built()
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
    await built.store.run(repo.save_order, ghost)  # journaled, then the process died
    await built.engine.stop()
    again, _ = await make_engine()
    assert known(again, "ADghost1").status is S.REJECTED
    assert "never reached the venue" in (known(again, "ADghost1").reason or "")
    assert again.trading_state is TradingState.ACTIVE


async def test_an_open_order_the_venue_does_not_know_halts_trading(
    make_engine: MakeEngine, make_built: MakeBuilt
) -> None:
    built = await make_built()
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
    await built.store.run(repo.save_order, lost)
    await built.engine.stop()
    again, _ = await make_engine()
    assert again.trading_state is TradingState.HALTED
    assert again.last_reconciliation is not None
    assert any("ADlost1" in p for p in again.last_reconciliation.problems())
    report = await again.reset_halt(confirm=True)
    assert not report.ok
    assert again.trading_state is TradingState.HALTED


async def test_a_storm_of_rejections_runs_the_kill_switch(make_engine: MakeEngine) -> None:
    engine, feed = await make_engine(
        risk={"halts": {"reject_storm_count": 5, "check_interval_ms": 20}}
    )
    await engine.submit_order(limit("49000"))
    for _ in range(5):
        with pytest.raises(OrderRefused):
            await engine.submit_order(limit("60000"))
    feed.advance(0.05)  # the halt check runs on the market clock: time must pass
    for _ in range(100):
        if engine.last_panic is not None:
            break
        await asyncio.sleep(0.02)
    assert engine.last_panic is not None
    assert engine.last_panic.actor == "risk"
    assert "rejection storm" in engine.last_panic.reason
    assert engine.trading_state is TradingState.HALTED
    assert engine.open_orders() == []


async def seed(values: dict[str, object]) -> None:
    """What an earlier run left in the store (the risk engine reads it when it starts)."""
    store = engine_store(make_settings())
    await store.open()
    try:
        for key, value in values.items():
            await store.run(repo.set_setting, key, value)
    finally:
        await store.close()


async def automatic_halt(engine: Engine, feed: ManualFeed, quoted: str = "sim-a") -> PanicReport:
    """Market time passes (quotes of ``quoted`` keep coming) until the halt check pulls the
    kill switch."""
    for _ in range(400):
        if engine.last_panic is not None:
            break
        feed.advance(0.05)
        feed.push(quoted, "BTC/USDT", 50_000.0, 50_001.0)
        await asyncio.sleep(0.005)
    assert engine.last_panic is not None, "no automatic halt"
    return engine.last_panic


TODAY = dt.datetime.fromtimestamp(T0 / 1e9, dt.UTC).date().isoformat()
SIM_A = MarketScope.of("paper", "sim", ["sim-a"])  # the market of make_engine(["sim-a"])


@pytest.mark.parametrize(
    ("saved", "halts", "words"),
    [
        (
            {SIM_A.key(DAY_KEY): {"day": TODAY, "equity": "152000"}},
            {"daily_loss_limit": 1000},
            "daily loss 1,999.50 reached the limit 1,000",
        ),
        (
            {SIM_A.key(PEAK_KEY): "300000"},
            {"max_drawdown_pct": 40},
            "drawdown 50.00% from peak 300,000.00",
        ),
    ],
)
async def test_a_loss_from_the_day_start_or_the_peak_halts_trading(
    make_engine: MakeEngine, saved: dict[str, object], halts: dict[str, object], words: str
) -> None:
    await seed(saved)
    engine, feed = await make_engine(
        ["sim-a"],
        risk={"halts": {**halts, "check_interval_ms": 20}},
        portfolio={"revalue_interval_ms": 20},
        paper={"starting_balances": {"USDT": 100_000, "BTC": 1, "ETH": 0}},  # equity 150,000.50
    )
    report = await automatic_halt(engine, feed)
    assert report.actor == "risk" and words in report.reason, report.reason
    assert engine.trading_state is TradingState.HALTED


async def test_a_venue_down_with_exposure_on_it_halts_trading(make_engine: MakeEngine) -> None:
    engine, feed = await make_engine(
        ("sim-a", "sim-b", "sim-c"),
        risk={"halts": {"venue_down_halt_s": 5, "check_interval_ms": 20}},
    )
    await engine.submit_order(limit("49000", "sim-b"))  # exposure there: an order open
    feed.set_status("sim-a", VenueState.DOWN, "stream lost")  # nothing open there: no halt
    feed.set_status("sim-b", VenueState.DOWN, "stream lost")
    report = await automatic_halt(engine, feed, quoted="sim-c")
    assert report.actor == "risk" and "venue sim-b" in report.reason, report.reason
    assert "with exposure open (limit 5 s)" in report.reason
