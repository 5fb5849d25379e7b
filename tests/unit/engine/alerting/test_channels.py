"""What each service receives: the loopback server stands in for it."""

from __future__ import annotations

import base64
import hashlib
import hmac

from app.core.events import Alert, AlertLevel
from tests.support.alert_server import alert_server

from .support import alerts_settings, running, until

SIGNING = "s1gning-secret-value"
TOKEN = "123456:bot-token-value"


async def test_webhook_posts_json_signed_with_hmac_sha256_of_the_body() -> None:
    async with alert_server() as server:
        settings = alerts_settings({"ops": {"kind": "webhook", "url": server.url("/hook")}})
        secrets = {"alerts.ops.signing_secret": SIGNING}
        async with running(settings, secrets) as rig:
            rig.service.on_alert(Alert(AlertLevel.CRITICAL, "risk", "daily loss", 7))
            await until(lambda: server.received)
        got = server.received[0]
        assert got.path == "/hook"
        body = got.json()
        assert body["level"] == "critical"
        assert body["source"] == "risk"
        assert body["message"] == "daily loss"
        assert body["count"] == 1
        assert body["ts_ns"] == 7
        assert body["text"] == "[CRITICAL] risk: daily loss"
        expected = hmac.new(SIGNING.encode(), got.body, hashlib.sha256).hexdigest()
        assert got.headers["X-ArbDesk-Signature"] == f"sha256={expected}"
        assert SIGNING not in got.body.decode()


async def test_telegram_send_message_with_chat_id_and_text() -> None:
    async with alert_server() as server:
        rules = {"kind": "telegram", "url": server.base_url, "chat_id": "-1001"}
        settings = alerts_settings({"tg": rules})
        async with running(settings, {"alerts.tg.bot_token": TOKEN}) as rig:
            rig.service.on_alert(Alert(AlertLevel.WARNING, "venue", "okx: stream down"))
            await until(lambda: server.received)
        got = server.received[0]
        assert got.path == f"/bot{TOKEN}/sendMessage"
        assert got.json() == {
            "chat_id": "-1001",
            "text": "[WARNING] venue: okx: stream down",
            "disable_web_page_preview": True,
        }


async def test_lark_text_message_with_timestamp_and_sign() -> None:
    async with alert_server() as server:
        server.answer = {"code": 0, "msg": "success"}
        settings = alerts_settings({"lark": {"kind": "lark", "url": server.base_url}})
        secrets = {"alerts.lark.hook_token": "hook-abc-123", "alerts.lark.signing_secret": SIGNING}
        async with running(settings, secrets) as rig:
            rig.service.on_alert(Alert(AlertLevel.CRITICAL, "oms", "one leg filled"))
            await until(lambda: rig.service.statuses()[0].sent == 1)
        got = server.received[0]
        assert got.path == "/open-apis/bot/v2/hook/hook-abc-123"
        body = got.json()
        assert body["msg_type"] == "text"
        assert body["content"] == {"text": "[CRITICAL] oms: one leg filled"}
        key = f"{body['timestamp']}\n{SIGNING}".encode()
        sign = base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()
        assert body["sign"] == sign
        assert body["timestamp"].isdigit() and len(body["timestamp"]) == 10  # seconds


async def test_dingtalk_text_and_markdown_with_timestamp_and_sign_query() -> None:
    async with alert_server() as server:
        server.answer = {"errcode": 0, "errmsg": "ok"}
        settings = alerts_settings(
            {
                "ding": {"kind": "dingtalk", "url": server.base_url},
                "dingmd": {"kind": "dingtalk", "url": server.base_url, "markdown": True},
            }
        )
        secrets = {
            "alerts.ding.access_token": "tok-ding",
            "alerts.ding.signing_secret": SIGNING,
            "alerts.dingmd.access_token": "tok-md",
        }
        async with running(settings, secrets) as rig:
            rig.service.on_alert(Alert(AlertLevel.CRITICAL, "risk", "halt"))
            await until(lambda: len(server.received) == 2)
        by_token = {r.query["access_token"]: r for r in server.received}
        text = by_token["tok-ding"]
        assert text.path == "/robot/send"
        assert text.json() == {"msgtype": "text", "text": {"content": "[CRITICAL] risk: halt"}}
        ts = text.query["timestamp"]
        assert len(ts) == 13  # milliseconds
        digest = hmac.new(SIGNING.encode(), f"{ts}\n{SIGNING}".encode(), hashlib.sha256).digest()
        assert text.query["sign"] == base64.b64encode(digest).decode()
        md = by_token["tok-md"].json()
        assert md["msgtype"] == "markdown"
        assert md["markdown"]["text"] == "[CRITICAL] risk: halt"
        assert "sign" not in by_token["tok-md"].query


async def test_a_service_error_answer_is_a_failed_delivery() -> None:
    async with alert_server() as server:
        server.answer = {"errcode": 310000, "errmsg": "sign not match"}
        settings = alerts_settings({"ding": {"kind": "dingtalk", "url": server.base_url}})
        async with running(settings, {"alerts.ding.access_token": "tok-ding"}) as rig:
            result = await rig.service.send_test("ding")
        assert not result.ok
        assert result.attempts == 1
        assert "310000" in result.error
