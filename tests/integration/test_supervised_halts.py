"""A halt check that raises no longer stops automatic halts silently: each failure is alerted, and
a safety check failing twice in a row halts trading itself.

The fault is a corrupt record an earlier run left (a peak equity that is not a number): every halt
check then raises when it compares today's equity with it.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from app.core.events import Alert, AlertLevel
from app.core.trading_state import TradingState
from app.engine.engine import Engine
from app.engine.market_scope import MarketScope
from app.engine.orders.risk import PEAK_KEY
from app.store import repositories as repo
from tests.support.engines import eventually, make_settings, manual_market, start_manual
from tests.support.stores import engine_store


async def test_a_halt_check_that_keeps_failing_halts_trading_with_alerts(
    arbdesk_home: Path,
) -> None:
    settings = make_settings(
        risk={"halts": {"check_interval_ms": 20}},
        portfolio={"revalue_interval_ms": 20},
        paper={"starting_balances": {"USDT": 100_000, "BTC": 1, "ETH": 0}},
    )
    store = engine_store(settings)
    await store.open()
    await store.run(
        repo.set_setting, MarketScope.of("paper", "sim", ["sim-a"]).key(PEAK_KEY), "NaN"
    )
    await store.close()
    market, feed, _ = manual_market(settings, ["sim-a"])
    engine = Engine(settings, market=market)
    alerts: list[Alert] = []
    engine.subscribe(Alert, alerts.append)
    await start_manual(engine, feed)
    try:
        for _ in range(200):
            if engine.last_panic is not None:
                break
            feed.advance(0.05)
            feed.push("sim-a", "BTC/USDT", 50_000.0, 50_001.0)
            await asyncio.sleep(0.005)
        await eventually(lambda: engine.trading_state is TradingState.HALTED, what="the halt")
        report = engine.last_panic
        assert report is not None and report.actor == "supervisor"
        assert "safety task timer:halts failed 2 times in a row" in report.reason
        failed = [a for a in alerts if a.source == "supervisor"]
        assert len(failed) >= 2 and all(a.level is AlertLevel.CRITICAL for a in failed)
        health = {t.name: t for t in engine.task_health()}
        assert (
            health["timer:halts"].safety and "InvalidOperation" in health["timer:halts"].last_error
        )
        assert engine.summary()["task_failures"] >= 2
    finally:
        await engine.stop()
