"""Bots on a real engine: lifecycle, orders tagged by bot and step, the kill switch, a restart,
and each bot's PnL adding up to the portfolio's.

The market is the manual feed (the test pushes each quote; market time moves only with them) and
paper venues with their books in the test's data folder, as in the app.
"""

from __future__ import annotations

import asyncio
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from app.core.events import Alert, AlertLevel
from app.core.orders import Order
from app.core.trading_state import TradingState
from app.engine.api import BotError, BotStatus, BotUpdated
from app.engine.engine import Engine
from tests.support.engines import ManualFeed, eventually, make_settings, manual_market

USDT_ONLY = {"starting_balances": {"USDT": 100_000, "BTC": 0, "ETH": 0}}


def dca_params(**over: Any) -> dict[str, Any]:
    """Spot on sim-a against the perpetual on sim-b: opens at 20 bps, adds at 40 bps, takes
    profit at 5 bps, stops out at 120 bps."""
    params: dict[str, Any] = {
        "leg_a": "sim-a:BTC/USDT",
        "leg_b": "sim-b:BTC/USDT:USDT",
        "direction": "b_rich",
        "base_qty": "0.01",
        "entry": 20,
        "adds": [40],
        "max_adds": 1,
        "take_profit": 5,
        "stop": 120,
        "cooldown_ms": 0,
        "pool": {"sim-a:USDT": "50000", "sim-b:USDT": "50000"},
    }
    params.update(over)
    return params


def quotes(feed: ManualFeed, spot: float, perp: float) -> None:
    """One quote of each leg: the spot's and the perpetual's mid, 1 USDT wide."""
    feed.push("sim-a", "BTC/USDT", spot - 0.5, spot + 0.5)
    feed.push("sim-b", "BTC/USDT:USDT", perp - 0.5, perp + 0.5)


async def bot_orders(engine: Engine, bot_id: str) -> list[Order]:
    return list(await engine.bot_orders(bot_id))


async def settle(engine: Engine) -> None:
    """Until no bot step is in flight."""
    await asyncio.wait_for(engine.order_gate.idle(), 10)


async def started(
    settings: Any, venues: tuple[str, ...] = ("sim-a", "sim-b")
) -> tuple[Engine, ManualFeed]:
    market, feed, _ = manual_market(settings, venues)
    engine = Engine(settings, market=market)
    await engine.start()
    await eventually(lambda: feed.running, what="the feed to start")
    return engine, feed


async def test_a_spread_dca_bot_opens_adds_and_takes_profit_with_tagged_orders(
    arbdesk_home: Path,
) -> None:
    engine, feed = await started(make_settings(paper=USDT_ONLY))
    try:
        quotes(feed, 50_000, 50_000)
        view = await engine.create_bot("spread_dca", dca_params(), "dca")
        assert view.status is BotStatus.STOPPED and await engine.bot_orders("dca") == ()
        await engine.start_bot("dca")
        quotes(feed, 50_000, 50_000)  # no spread: nothing
        await settle(engine)
        assert await engine.bot_orders("dca") == ()
        quotes(feed, 50_000, 50_150)  # 28 bps: opens
        await settle(engine)
        opened = await bot_orders(engine, "dca")
        assert len(opened) == 2
        assert {o.trace_id for o in opened} == {"dca:1:1"}
        assert {o.origin for o in opened} == {"bot:dca"}
        assert all(o.status.value == "FILLED" for o in opened)
        quotes(feed, 50_000, 50_300)  # 58 bps: adds
        await settle(engine)
        assert {o.trace_id for o in await bot_orders(engine, "dca")} == {"dca:1:1", "dca:1:2"}
        quotes(feed, 50_000, 50_010)  # closing spread ~2 bps: takes profit
        await settle(engine)
        view = engine.bot("dca")
        assert view.cycle == 2 and view.phase == "flat"
        assert len(view.cycles) == 1 and view.cycles[0].adds == 1
        assert view.cycles[0].pnl > 0
        assert view.pnl.trades == 6 and view.orders == 6
        history = await engine.bot_history("dca")
        assert [i.status for i in history] == ["done", "done", "done"]
        assert engine.positions() == ()  # the perpetual is flat again
    finally:
        await engine.stop()


async def test_bots_edit_only_when_stopped_and_bad_parameters_are_refused(
    arbdesk_home: Path,
) -> None:
    engine, _feed = await started(make_settings(paper=USDT_ONLY))
    try:
        with pytest.raises(BotError, match="stop"):
            await engine.create_bot("spread_dca", dca_params(stop=30), "bad")
        with pytest.raises(BotError, match="kind"):
            await engine.create_bot("martingale", {}, "bad")
        await engine.create_bot("spread_dca", dca_params(), "dca")
        await engine.start_bot("dca")
        with pytest.raises(BotError, match="stop it to edit"):
            await engine.edit_bot("dca", dca_params(entry=25))
        with pytest.raises(BotError, match="stop it to delete"):
            await engine.delete_bot("dca")
        await engine.stop_bot("dca")
        edited = await engine.edit_bot("dca", dca_params(entry=25))
        assert edited.params["entry"] == 25
        clone = await engine.clone_bot("dca", "dca2")
        assert clone.params == edited.params and clone.status is BotStatus.STOPPED
        await engine.delete_bot("dca2")
        assert [b.id for b in engine.bots()] == ["dca"]
    finally:
        await engine.stop()


async def test_panic_stops_every_bot_and_no_bot_order_follows(arbdesk_home: Path) -> None:
    engine, feed = await started(make_settings(paper=USDT_ONLY))
    try:
        quotes(feed, 50_000, 50_000)
        for n in range(3):
            await engine.create_bot("spread_dca", dca_params(entry=20 + n, adds=[]), f"b{n}")
            await engine.start_bot(f"b{n}")
        report = await engine.panic("test")
        assert report.bots_stopped == 3
        assert {b.status for b in engine.bots()} == {BotStatus.STOPPED}
        quotes(feed, 50_000, 50_300)  # would open all three
        await settle(engine)
        for n in range(3):
            assert await engine.bot_orders(f"b{n}") == ()
        with pytest.raises(BotError, match="HALTED"):
            await engine.start_bot("b0")
        await engine.reset_halt(confirm=True)
        assert engine.trading_state is TradingState.ACTIVE
        assert {b.status for b in engine.bots()} == {BotStatus.STOPPED}  # until started again
        await engine.start_bot("b0")  # started again by the user: it trades again
        quotes(feed, 50_000, 50_300)
        await settle(engine)
        assert {o.trace_id for o in await engine.bot_orders("b0")} == {"b0:1:1"}
        assert await engine.bot_orders("b1") == ()
    finally:
        await engine.stop()


async def test_a_running_bot_runs_again_after_a_restart_in_the_same_state(
    arbdesk_home: Path,
) -> None:
    settings = make_settings(paper=USDT_ONLY)
    engine, feed = await started(settings)
    try:
        quotes(feed, 50_000, 50_000)
        await engine.create_bot("spread_dca", dca_params(), "dca")
        await engine.start_bot("dca")
        quotes(feed, 50_000, 50_150)
        await settle(engine)
        before = engine.bot("dca")
        assert before.phase == "open"
    finally:
        await engine.stop()
    engine, feed = await started(settings)
    try:
        after = engine.bot("dca")
        assert after.status is BotStatus.RUNNING
        assert (after.phase, after.cycle, after.position) == (
            before.phase,
            before.cycle,
            before.position,
        )
        assert after.pnl.trades == before.pnl.trades == 2
        fills = await engine.bot_fills("dca")  # the earlier run's, from the store
        assert sorted(f.symbol for f in fills) == ["BTC/USDT", "BTC/USDT:USDT"]
        quotes(feed, 50_000, 50_300)  # the add: step 2 of cycle 1, not a second opening
        await settle(engine)
        assert {o.trace_id for o in await bot_orders(engine, "dca")} == {"dca:1:1", "dca:1:2"}
    finally:
        await engine.stop()


async def test_bot_pnl_adds_up_to_the_portfolio_pnl_exactly(arbdesk_home: Path) -> None:
    """Two bots trade (a spread DCA and a cash-and-carry, fees and a perpetual each); nothing else
    does and the account starts in USDT alone, so the portfolio's PnL change is theirs."""
    engine, feed = await started(make_settings(paper=USDT_ONLY))
    try:
        quotes(feed, 50_000, 50_000)
        feed.push("sim-b", "BTC/USDT", 49_999.5, 50_000.5)
        feed.push("sim-a", "BTC/USDT:USDT", 49_999.5, 50_000.5)
        start = engine.valuation().pnl["USDT"]
        await engine.create_bot("spread_dca", dca_params(), "dca")
        carry = {
            "spot": "sim-b:BTC/USDT",
            "perp": "sim-a:BTC/USDT:USDT",
            "base_qty": "0.02",
            "entry_bps": 5,
            "exit_bps": 0,
            "cooldown_ms": 0,
            "pool_share": "0.5",
        }
        await engine.create_bot("cash_carry", carry, "carry")
        await engine.start_bot("dca")
        await engine.start_bot("carry")
        quotes(feed, 50_000, 50_150)
        feed.push("sim-b", "BTC/USDT", 50_099.5, 50_100.5)
        feed.push("sim-a", "BTC/USDT:USDT", 50_499.5, 50_500.5)  # 79 bps gross
        await settle(engine)
        assert engine.bot("dca").pnl.trades == 2 and engine.bot("carry").pnl.trades == 2
        quotes(feed, 50_210, 50_260)  # prices move: unrealized on both
        feed.push("sim-a", "BTC/USDT:USDT", 50_455.5, 50_456.5)
        await settle(engine)
        total = sum((b.pnl.total for b in engine.bots()), Decimal(0))
        change = engine.valuation().pnl["USDT"] - start
        assert total == change
        assert all(b.pnl.fees > 0 for b in engine.bots())
    finally:
        await engine.stop()


async def test_a_bot_whose_capital_is_refused_sends_nothing(arbdesk_home: Path) -> None:
    engine, feed = await started(make_settings(paper=USDT_ONLY))
    alerts: list[Alert] = []
    engine.subscribe(Alert, alerts.append)
    try:
        quotes(feed, 50_000, 50_000)
        await engine.create_bot("spread_dca", dca_params(pool={"sim-a:USDT": "100"}), "poor")
        await engine.start_bot("poor")
        updates: list[BotUpdated] = []
        engine.subscribe(BotUpdated, updates.append)
        for _ in range(5):  # it would open at each of them: refused once, then it waits
            quotes(feed, 50_000, 50_150)
            await settle(engine)
        assert await engine.bot_orders("poor") == ()
        assert "capital refused" in engine.bot("poor").last_event
        assert len(updates) == 1
        assert not [a for a in alerts if a.level is AlertLevel.CRITICAL]
    finally:
        await engine.stop()


async def test_funding_is_attributed_to_the_bot_holding_the_perpetual_and_survives_a_restart(
    arbdesk_home: Path,
) -> None:
    settings = make_settings(paper=USDT_ONLY)
    engine, feed = await started(settings)
    try:
        quotes(feed, 50_000, 50_000)
        await engine.create_bot("spread_dca", dca_params(), "dca")
        await engine.start_bot("dca")
        start = engine.valuation().pnl["USDT"]
        quotes(feed, 50_000, 50_150)  # opens: short 0.01 of the sim-b perpetual
        await settle(engine)
        feed.set_funding_rate("sim-b", "BTC/USDT:USDT", 0.0001)
        feed.advance(8 * 3600)  # past the next funding time
        quotes(feed, 50_000, 50_150)
        await settle(engine)
        await eventually(lambda: engine.bot("dca").pnl.funding > 0, what="the funding")
        funding = engine.bot("dca").pnl.funding
        assert funding == Decimal("0.01") * Decimal("50150") * Decimal("0.0001")  # a short earns
        assert engine.bot("dca").pnl.total == engine.valuation().pnl["USDT"] - start
    finally:
        await engine.stop()
    engine, feed = await started(settings)
    try:
        assert engine.bot("dca").pnl.funding == funding
    finally:
        await engine.stop()


async def test_a_halt_without_the_kill_switch_also_stops_the_bots(arbdesk_home: Path) -> None:
    """HALTED from the risk panel (no cancels): the bots stop all the same, and stay stopped
    when trading resumes, until the user starts them."""
    engine, feed = await started(make_settings(paper=USDT_ONLY))
    try:
        quotes(feed, 50_000, 50_000)
        await engine.create_bot("spread_dca", dca_params(), "dca")
        await engine.start_bot("dca")
        await engine.set_trading_state(TradingState.HALTED, "by hand")
        await eventually(lambda: engine.bot("dca").status is BotStatus.STOPPED, what="the stop")
        await engine.reset_halt(confirm=True)
        quotes(feed, 50_000, 50_150)
        await settle(engine)
        assert engine.bot("dca").status is BotStatus.STOPPED
        assert await engine.bot_orders("dca") == ()
        assert engine.summary()["bots"] == {"stopped": 1}
        await engine.start_bot("dca")
        quotes(feed, 50_000, 50_150)
        await settle(engine)
        assert {o.trace_id for o in await engine.bot_orders("dca")} == {"dca:1:1"}
    finally:
        await engine.stop()
