"""A halt in a headless engine run reaches a webhook exactly once, signed with the secret the
engine keeps in the keychain."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
from decimal import Decimal
from pathlib import Path

from app.control.offline import panic_offline
from app.core.events import AlertLevel
from app.core.orders import OrderRequest, Side
from app.core.trading_state import TradingState
from app.engine.engine import Engine
from tests.support.alert_server import alert_server
from tests.support.engines import eventually, make_settings, manual_market, start_manual
from tests.support.memory_keyring import MemoryKeyring, installed

SIGNING = "hook-signing-secret-42"


async def test_a_halt_makes_exactly_one_webhook_call(arbdesk_home: Path) -> None:
    with installed(MemoryKeyring()):
        async with alert_server() as server:
            hook = {"kind": "webhook", "url": server.url("/hook")}
            settings = make_settings(alerts={"channels": {"ops": hook}})
            market, feed, _ = manual_market(settings)
            engine = Engine(settings, market=market)
            await engine.set_alert_secret("ops", "signing_secret", SIGNING)
            await start_manual(engine, feed)
            try:
                await engine.panic("test halt", actor="test")
                assert engine.trading_state is TradingState.HALTED
                await eventually(lambda: len(server.received) >= 1, what="the webhook call")
                await asyncio.sleep(0.2)  # time for a second call, were one queued
                statuses = engine.alert_channels()
            finally:
                await engine.stop()
    assert len(server.received) == 1
    got = server.received[0]
    body = got.json()
    assert (body["level"], body["source"]) == ("critical", "halt")
    assert body["message"] == "trading HALTED: panic: test halt"
    expected = hmac.new(SIGNING.encode(), got.body, hashlib.sha256).hexdigest()
    assert got.headers["X-ArbDesk-Signature"] == f"sha256={expected}"
    assert [(s.name, s.sent, s.failed) for s in statuses] == [("ops", 1, 0)]
    assert AlertLevel.CRITICAL.value in got.body.decode()


async def test_a_halt_just_before_stop_still_goes_out(arbdesk_home: Path) -> None:
    with installed(MemoryKeyring()):
        async with alert_server() as server:
            hook = {"kind": "webhook", "url": server.url("/hook")}
            settings = make_settings(alerts={"channels": {"ops": hook}})
            market, feed, _ = manual_market(settings)
            engine = Engine(settings, market=market)
            await start_manual(engine, feed)
            try:
                await engine.panic("last words", actor="test")
            finally:
                await engine.stop()
    assert [r.json()["message"] for r in server.received] == ["trading HALTED: panic: last words"]
    assert "X-ArbDesk-Signature" not in server.received[0].headers  # no secret stored


async def test_a_panic_from_the_shell_with_no_instance_running_alerts_once(
    arbdesk_home: Path,
) -> None:
    with installed(MemoryKeyring()):
        async with alert_server() as server:
            hook = {"kind": "webhook", "url": server.url("/hook")}
            settings = make_settings(alerts={"channels": {"ops": hook}})
            done = await panic_offline(settings, reason="from the shell")
    assert done.trading_state == "HALTED"
    assert [(r.json()["source"], r.json()["message"]) for r in server.received] == [
        ("halt", "trading HALTED: panic: from the shell")
    ]


async def test_the_daily_report_counts_the_days_orders_and_halts_across_a_restart(
    arbdesk_home: Path,
) -> None:
    settings = make_settings()
    market, feed, _ = manual_market(settings)
    engine = Engine(settings, market=market)
    await start_manual(engine, feed)
    try:
        for price in ("49900", "49800"):
            request = OrderRequest("sim-a", "BTC/USDT", Side.BUY, Decimal("0.01"), Decimal(price))
            await engine.submit_manual_order(request)
        await engine.panic("before the restart", actor="test")
    finally:
        await engine.stop()
    market, feed, _ = manual_market(settings)
    again = Engine(settings, market=market)
    await start_manual(again, feed)
    try:
        day = await again.day_report()
        next_day = await again.day_report()
    finally:
        await again.stop()
    assert (day["orders"], day["halts"]) == (2, ["panic: before the restart"])
    assert (next_day["orders"], next_day["fills"], next_day["halts"]) == (0, 0, [])
