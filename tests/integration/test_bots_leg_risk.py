"""Leg risk of a bot's step on a real engine: the second leg of a spread DCA opening is refused.

The bot sells the perpetual on sim-b and buys spot on sim-a (legs in that order); sim-a sits
behind the fault-injecting venue, which refuses every order sent to it. The perpetual fills, the
spot does not: with ``leg_risk="hedge"`` the missing spot is tried again ``leg_retries`` times
and refused each time, so the bot is PAUSED with a CRITICAL alert naming the short perpetual it
is left with, and it sends nothing more; with ``leg_risk="unwind"`` the perpetual is bought back
(reduce-only), the account is flat and the bot keeps running. The venue's own counters
(``FaultyVenue.create_calls``) and the engine's positions are the proof.
"""

from __future__ import annotations

import asyncio
from decimal import Decimal
from pathlib import Path
from typing import Any

from app.core.events import Alert, AlertLevel
from app.core.orders import OrderStatus, Side
from app.engine.api import BotStatus
from app.engine.engine import Engine
from tests.support.engines import ManualFeed, eventually, make_settings, manual_market
from tests.support.faulty_venue import Fault, FaultyVenue

USDT_ONLY = {"starting_balances": {"USDT": 100_000, "BTC": 0, "ETH": 0}}
RETRIES = 3


def dca_params(**over: Any) -> dict[str, Any]:
    """Spot on sim-a against the perpetual on sim-b; opens at 20 bps (the perpetual rich)."""
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
        "leg_retries": RETRIES,
        "pool": {"sim-a:USDT": "50000", "sim-b:USDT": "50000"},
    }
    params.update(over)
    return params


def quotes(feed: ManualFeed, spot: float, perp: float) -> None:
    feed.push("sim-a", "BTC/USDT", spot - 0.5, spot + 0.5)
    feed.push("sim-b", "BTC/USDT:USDT", perp - 0.5, perp + 0.5)


async def started() -> tuple[Engine, ManualFeed, FaultyVenue, list[Alert]]:
    settings = make_settings(paper=USDT_ONLY)
    market, feed, faulty = manual_market(settings, wrap=["sim-a"])
    engine = Engine(settings, market=market)
    alerts: list[Alert] = []
    engine.subscribe(Alert, alerts.append)
    await engine.start()
    await eventually(lambda: feed.running, what="the feed to start")
    quotes(feed, 50_000, 50_000)
    return engine, feed, faulty["sim-a"], alerts


async def settle(engine: Engine) -> None:
    await asyncio.wait_for(engine.order_gate.idle(), 10)


def critical(alerts: list[Alert]) -> list[str]:
    return [a.message for a in alerts if a.level is AlertLevel.CRITICAL]


async def test_a_refused_second_leg_hedged_in_vain_pauses_the_bot_with_a_critical_alert(
    arbdesk_home: Path,
) -> None:
    engine, feed, spot, alerts = await started()
    try:
        await engine.create_bot("spread_dca", dca_params(leg_risk="hedge"), "dca")
        await engine.start_bot("dca")
        spot.fail_create(*[Fault.REJECT] * 20)  # every spot order, however often it is tried
        quotes(feed, 50_000, 50_150)  # 28 bps: opens
        await settle(engine)

        view = engine.bot("dca")
        assert view.status is BotStatus.PAUSED
        assert view.leg_risk_events == RETRIES
        assert spot.create_calls == 1 + RETRIES  # the leg, then each hedge: within the bound
        assert not spot.inner_creates  # none reached the venue
        (message,) = critical(alerts)
        assert "bot dca paused" in message and "dca:1:1" in message
        assert "sim-b BTC/USDT:USDT short 0.01" in message  # the exposure left, named
        assert view.last_event == message
        (position,) = engine.positions()  # and it is really there
        assert position.instrument_id.venue == "sim-b" and position.qty == Decimal("-0.01")

        orders = await engine.bot_orders("dca")
        assert {o.trace_id for o in orders} == {"dca:1:1"}
        perp = [o for o in orders if o.venue == "sim-b"]
        assert [(o.side, o.status) for o in perp] == [(Side.SELL, OrderStatus.FILLED)]
        assert {o.status for o in orders if o.venue == "sim-a"} == {OrderStatus.REJECTED}

        # paused: quotes that would add, or take profit, send nothing
        quotes(feed, 50_000, 50_300)
        quotes(feed, 50_000, 50_010)
        await settle(engine)
        assert len(await engine.bot_orders("dca")) == len(orders)
        assert spot.create_calls == 1 + RETRIES
        assert engine.bot("dca").status is BotStatus.PAUSED
    finally:
        await engine.stop()


async def test_with_unwind_the_filled_leg_is_reversed_and_the_bot_keeps_running(
    arbdesk_home: Path,
) -> None:
    engine, feed, spot, alerts = await started()
    try:
        await engine.create_bot("spread_dca", dca_params(leg_risk="unwind"), "dca")
        await engine.start_bot("dca")
        spot.fail_create(Fault.REJECT)  # the opening's spot leg only
        quotes(feed, 50_000, 50_150)
        await settle(engine)

        view = engine.bot("dca")
        assert view.status is BotStatus.RUNNING
        assert view.phase == "flat" and view.position == "flat"  # nothing net filled
        assert view.leg_risk_events == 1
        assert engine.positions() == ()  # the perpetual was bought back: flat on the venue
        assert not critical(alerts)
        orders = await engine.bot_orders("dca")
        perp = [
            (o.side, o.reduce_only, o.status, o.filled_qty) for o in orders if o.venue == "sim-b"
        ]
        assert perp == [
            (Side.SELL, False, OrderStatus.FILLED, Decimal("0.01")),
            (Side.BUY, True, OrderStatus.FILLED, Decimal("0.01")),
        ]
        assert spot.create_calls == 1 and not spot.inner_creates

        # still running: the next wide spread opens, both legs this time
        quotes(feed, 50_000, 50_150)
        await settle(engine)
        view = engine.bot("dca")
        assert view.status is BotStatus.RUNNING and view.phase == "open"
        assert {o.trace_id for o in await engine.bot_orders("dca")} == {"dca:1:1", "dca:1:2"}
        assert len(spot.inner_creates) == 1
    finally:
        await engine.stop()
