"""The daily summary: at the set local time, to the channels that want it, with the day's halts."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

from app.core.events import TradingStateChanged
from app.core.trading_state import TradingState
from app.engine.alerting.summary import seconds_until, summary_text
from tests.support.alert_server import alert_server

from .support import Clock, alerts_settings, running, settle, until


def test_seconds_until_the_next_time_of_day() -> None:
    assert seconds_until("18:00", datetime(2026, 1, 5, 17, 30)) == 1_800
    assert seconds_until("18:00", datetime(2026, 1, 5, 18, 0)) == 86_400
    assert seconds_until("09:15", datetime(2026, 1, 5, 18, 0)) == 15 * 3_600 + 900


def test_summary_text_says_pnl_trades_and_halts() -> None:
    report = {"mode": "paper", "market": "sim", "pnl": {"USDT": "-12.50"}, "orders": 4}
    report |= {"fills": 3, "trading_state": "HALTED", "halts": ["x"]}
    text = summary_text(report, "2026-01-05")
    assert text.splitlines() == [
        "ArbDesk daily summary 2026-01-05 (paper, sim)",
        "PnL since the baseline: -12.50 USDT",
        "orders: 4, fills: 3",
        "trading state: HALTED",
        "halts: 1",
        "- x",
    ]


async def test_the_summary_goes_once_a_day_to_the_channels_that_want_it() -> None:
    report: dict[str, Any] = {"mode": "paper", "market": "sim", "pnl": {"USDT": "5.00"}}
    report["halts"] = ["panic: x"]
    asked: list[str] = []

    async def day_report() -> dict[str, Any]:
        asked.append(datetime.fromtimestamp(clock.wall()).strftime("%H:%M"))
        return report

    async with alert_server() as server:
        settings = alerts_settings(
            {
                "yes": {"kind": "webhook", "url": server.url("/yes")},
                "no": {"kind": "webhook", "url": server.url("/no"), "daily_summary": False},
            },
            daily_summary={"enabled": True, "time": "18:00"},
        )
        clock = Clock()
        clock.days = asyncio.Event()
        async with running(settings, report=day_report, clock=clock) as rig:
            await settle(2)
            rig.service.on_trading_state(TradingStateChanged(TradingState.HALTED, "panic: x"))
            await until(lambda: len(server.received) == 2)  # the halt, to both
            clock.days.set()
            await until(lambda: any(r.json()["source"] == "summary" for r in server.received))
            await settle()
        summaries = [r for r in server.received if r.json()["source"] == "summary"]
        assert [r.path for r in summaries] == ["/yes"]
        text = summaries[0].json()["message"]
        assert "PnL since the baseline: 5.00 USDT" in text and "halts: 1\n- panic: x" in text
        assert datetime.fromtimestamp(clock.wall()).strftime("%H:%M") == "18:01"
        assert asked == ["18:00"]
