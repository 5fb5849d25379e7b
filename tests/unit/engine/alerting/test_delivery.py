"""Retries, rate limiting, de-duplication, the bounded queue and a channel that keeps failing."""

from __future__ import annotations

import asyncio

from app.core.events import Alert, AlertLevel, TradingStateChanged
from app.core.trading_state import TradingState
from app.engine.alerting.queue import AlertQueue
from app.runtime import redaction
from tests.support.alert_server import alert_server

from .support import alerts_settings, running, settle, until

TOKEN = "123456:bot-token-value"


def _hook(url: str, **rules: object) -> dict[str, object]:
    return {"kind": "webhook", "url": url, **rules}


async def test_5xx_is_retried_with_backoff_until_delivered() -> None:
    async with alert_server() as server:
        server.statuses = [502, 503]
        settings = alerts_settings({"ops": _hook(server.url())})
        async with running(settings) as rig:
            result = await rig.service.send_test("ops")
            status = rig.service.statuses()[0]
        assert result.ok and result.attempts == 3 and result.status == 200
        assert len(server.received) == 3
        assert status.sent == 1 and status.failed == 0 and status.last_delivery_s > 0


async def test_4xx_is_not_retried() -> None:
    async with alert_server() as server:
        server.statuses = [400, 400]
        settings = alerts_settings({"ops": _hook(server.url())})
        async with running(settings) as rig:
            result = await rig.service.send_test("ops")
            status = rig.service.statuses()[0]
        assert not result.ok and result.attempts == 1 and result.status == 400
        assert len(server.received) == 1
        assert status.failed == 1 and status.last_error.startswith("HTTP 400")


async def test_rate_limit_folds_the_excess_into_the_next_message() -> None:
    async with alert_server() as server:
        settings = alerts_settings({"ops": _hook(server.url(), max_per_minute=2)})
        async with running(settings, run=False) as rig:
            for i in range(5):
                rig.service.on_alert(Alert(AlertLevel.WARNING, "venue", f"venue {i} down"))
            task = asyncio.create_task(rig.service.run())
            await until(lambda: len(server.received) == 3)
            await settle()
            task.cancel()
        texts = [r.json()["text"] for r in server.received]
        assert len(texts) == 3
        assert texts[0] == "[WARNING] venue: venue 0 down"
        assert texts[1] == "[WARNING] venue: venue 1 down"
        assert texts[2].startswith("[WARNING] venue: 3 alerts:")
        assert all(f"venue {i} down" in texts[2] for i in (2, 3, 4))
        assert rig.clock.t >= 1_000.0 + 60  # it waited for the minute to pass


async def test_repeats_within_the_window_are_folded_into_one_message_with_a_count() -> None:
    async with alert_server() as server:
        settings = alerts_settings({"ops": _hook(server.url())}, dedup_window_s=60)
        async with running(settings) as rig:
            for _ in range(6):
                rig.service.on_alert(Alert(AlertLevel.WARNING, "venue", "binance: stale"))
            rig.service.on_alert(Alert(AlertLevel.WARNING, "venue", "okx: stale"))
            await until(lambda: len(server.received) == 2)
            await settle()
            assert len(server.received) == 2
            rig.clock.t += 61
            await until(lambda: len(server.received) == 3)
            await settle()
        texts = [r.json()["text"] for r in server.received]
        assert texts == [
            "[WARNING] venue: binance: stale",
            "[WARNING] venue: okx: stale",
            "[WARNING] venue: binance: stale (×5 in 60 s)",
        ]
        assert server.received[2].json()["count"] == 5


async def test_rules_pick_severities_and_sources_per_channel() -> None:
    async with alert_server() as server:
        settings = alerts_settings(
            {
                "all": _hook(server.url("/all"), levels=["info", "warning", "critical"]),
                "risk": _hook(server.url("/risk"), levels=["critical"], sources=["risk"]),
            }
        )
        async with running(settings) as rig:
            rig.service.on_alert(Alert(AlertLevel.INFO, "bots", "bot started"))
            rig.service.on_alert(Alert(AlertLevel.CRITICAL, "oms", "overfill"))
            rig.service.on_alert(Alert(AlertLevel.CRITICAL, "risk", "daily loss"))
            await until(lambda: len(server.received) == 4)
            await settle()
        paths = sorted((r.path, r.json()["message"]) for r in server.received)
        assert paths == [
            ("/all", "bot started"),
            ("/all", "daily loss"),
            ("/all", "overfill"),
            ("/risk", "daily loss"),
        ]


def test_a_full_queue_drops_the_oldest_info_first_and_counts_it() -> None:
    queue = AlertQueue(8)
    queue.put(Alert(AlertLevel.CRITICAL, "risk", "first critical"))
    for i in range(7):
        queue.put(Alert(AlertLevel.INFO, "bots", f"info {i}"))
    for i in range(3):
        queue.put(Alert(AlertLevel.WARNING, "venue", f"warning {i}"))
    assert len(queue) == 8 and queue.dropped == 3
    queue.put(Alert(AlertLevel.INFO, "bots", "late info"))
    kept = [a.message for a, _ in queue.take_all()]
    assert queue.dropped == 4
    assert kept == ["first critical", "info 4", "info 5", "info 6"] + [
        f"warning {i}" for i in range(3)
    ] + ["late info"]

    serious = AlertQueue(8)
    for i in range(8):
        serious.put(Alert(AlertLevel.WARNING, "venue", f"warning {i}"))
    serious.put(Alert(AlertLevel.INFO, "bots", "info"))  # no INFO to drop: the new one goes
    serious.put(Alert(AlertLevel.CRITICAL, "risk", "halt"))  # the oldest WARNING goes
    kept = [a.message for a, _ in serious.take_all()]
    assert serious.dropped == 2
    assert kept == [f"warning {i}" for i in range(1, 8)] + ["halt"]


async def test_the_publisher_never_waits_for_a_stuck_channel() -> None:
    async with alert_server() as server:
        server.hold = asyncio.Event()  # the receiver never answers while held
        settings = alerts_settings({"ops": _hook(server.url(), timeout_s=30)}, queue_size=8)
        async with running(settings) as rig:
            for i in range(10_000):
                rig.service.on_alert(Alert(AlertLevel.INFO, "bots", f"info {i}"))
            rig.service.on_alert(Alert(AlertLevel.CRITICAL, "risk", "halt"))
            assert rig.service.dropped >= 10_000 - 8
            server.hold.set()


async def test_a_failing_channel_raises_one_local_warning_and_never_to_itself() -> None:
    async with alert_server() as server:
        server.failing = {"/dead"}
        settings = alerts_settings(
            {
                "dead": _hook(server.url("/dead"), retries=0),
                "tg": {"kind": "telegram", "url": server.base_url, "chat_id": "1"},
            },
            failures_before_warning=2,
            dedup_window_s=0,
        )
        async with running(settings, {"alerts.tg.bot_token": TOKEN}) as rig:
            for i in range(4):
                rig.service.on_alert(Alert(AlertLevel.CRITICAL, "oms", f"problem {i}"))
                await until(lambda i=i: rig.service.statuses()[0].failed == i + 1)
            await until(lambda: any("failed 2 times" in r.body.decode() for r in server.received))
            await settle()
        local = [a for a in rig.published if a.source == "alerts"]
        assert len(local) == 1
        assert local[0].level is AlertLevel.WARNING
        assert "dead" in local[0].message and "HTTP 500" in local[0].message
        to_dead = [r for r in server.received if r.path == "/dead"]
        assert len(to_dead) == 4
        assert all("failed 2 times" not in r.body.decode() for r in to_dead)
        assert TOKEN not in local[0].message


async def test_errors_never_hold_a_secret() -> None:
    settings = alerts_settings(
        {"tg": {"kind": "telegram", "url": "http://127.0.0.1:9", "chat_id": "1", "retries": 1}}
    )
    async with running(settings, {"alerts.tg.bot_token": TOKEN}) as rig:
        result = await rig.service.send_test("tg")
        missing = await rig.service.send_test("nope")
    assert not result.ok and result.attempts == 2
    assert TOKEN not in result.error and "bot-token" not in result.error
    assert not missing.ok and "nope" in missing.error


async def test_a_channel_without_its_token_fails_naming_the_secret_only() -> None:
    settings = alerts_settings({"tg": {"kind": "telegram", "chat_id": "1"}})
    async with running(settings) as rig:
        result = await rig.service.send_test("tg")
    assert not result.ok and result.attempts == 0
    assert result.error == "no bot_token stored for this channel"


async def test_a_halt_is_one_alert_and_an_announced_automatic_halt_is_not_repeated() -> None:
    async with alert_server() as server:
        settings = alerts_settings({"ops": _hook(server.url())})
        async with running(settings) as rig:
            await until(lambda: rig.service.statuses())  # the worker has read the state
            await settle(2)
            service = rig.service
            service.on_trading_state(TradingStateChanged(TradingState.HALTED, "panic: by hand"))
            service.on_trading_state(TradingStateChanged(TradingState.RECONCILING, "rec"))
            service.on_trading_state(TradingStateChanged(TradingState.HALTED, "reconciliation"))
            service.on_trading_state(TradingStateChanged(TradingState.ACTIVE, "reset"))
            service.on_alert(Alert(AlertLevel.CRITICAL, "risk", "automatic halt: daily loss"))
            service.on_trading_state(TradingStateChanged(TradingState.HALTED, "panic: daily loss"))
            await until(lambda: len(server.received) == 2)
            await settle()
        texts = [r.json()["text"] for r in server.received]
        assert texts == [
            "[CRITICAL] halt: trading HALTED: panic: by hand",
            "[CRITICAL] risk: automatic halt: daily loss",
        ]


async def test_a_known_secret_in_an_alerts_text_is_blanked() -> None:
    async with alert_server() as server:
        settings = alerts_settings({"ops": _hook(server.url())})
        async with running(settings) as rig:
            key = "leaked-key-0123456789"
            redaction.register(key)
            rig.service.on_alert(Alert(AlertLevel.CRITICAL, "oms", f"rejected {key}"))
            await until(lambda: server.received)
        assert server.received[0].json()["message"] == "rejected [REDACTED]"
