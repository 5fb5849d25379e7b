"""Each service's request for one message: URL, query, headers and JSON body, and how its
answer says "delivered". Pure: the secrets are passed in and the time is a parameter.

- webhook: ``POST url`` with a JSON body; ``X-ArbDesk-Signature: sha256=<hex>``, the HMAC-SHA256
  of the exact body bytes with the channel's signing secret (when one is stored).
- telegram: ``POST {base}/bot<token>/sendMessage`` with ``chat_id`` and ``text``.
- lark (Feishu): ``POST {base}/open-apis/bot/v2/hook/<token>`` with ``msg_type: text``; with a
  signing secret, ``timestamp`` (s) and ``sign`` = base64(HMAC-SHA256 keyed by
  ``"{timestamp}\\n{secret}"`` over nothing), as Lark's custom robot documents.
- dingtalk: ``POST {base}/robot/send?access_token=<token>`` with ``msgtype`` text or markdown;
  with a signing secret, query ``timestamp`` (ms) and ``sign`` = base64(HMAC-SHA256 keyed by the
  secret over ``"{timestamp}\\n{secret}"``).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from app.core.secrets import Secret
from app.engine.alerting.model import Message
from app.runtime.alert_settings import AlertChannelSettings

SIGNATURE_HEADER = "X-ArbDesk-Signature"
BASE_URLS = {
    "telegram": "https://api.telegram.org",
    "lark": "https://open.feishu.cn",
    "dingtalk": "https://oapi.dingtalk.com",
}
#: The secrets each kind needs (True) or may use (False), by name.
SECRETS: dict[str, dict[str, bool]] = {
    "webhook": {"signing_secret": False},
    "telegram": {"bot_token": True},
    "lark": {"hook_token": True, "signing_secret": False},
    "dingtalk": {"access_token": True, "signing_secret": False},
}


@dataclass(frozen=True, slots=True)
class Request:
    url: str
    body: bytes
    params: Mapping[str, str] = field(default_factory=dict)
    headers: Mapping[str, str] = field(default_factory=dict)


class MissingSecret(Exception):
    """A secret the channel needs is not stored (the message names it, never a value)."""


def secret_name(channel: str, name: str) -> str:
    """The credential store's name of one channel secret."""
    return f"alerts.{channel}.{name}"


def build(
    rules: AlertChannelSettings,
    message: Message,
    secrets: Mapping[str, Secret],
    now_ms: int,
) -> Request:
    """The request that delivers ``message``; ``MissingSecret`` if a required one is absent."""
    for name, required in SECRETS[rules.kind].items():
        if required and not secrets.get(name):
            raise MissingSecret(f"no {name} stored for this channel")
    base = (rules.url or BASE_URLS.get(rules.kind, "")).rstrip("/")
    text = message.line()
    signing = secrets.get("signing_secret")
    if rules.kind == "webhook":
        body = _json(
            {
                "level": message.level.value,
                "source": message.source,
                "message": message.text,
                "count": message.count,
                "ts_ns": message.ts_ns,
                "summary": message.summary,
                "text": text,
            }
        )
        headers = {"Content-Type": "application/json"}
        if signing:
            headers[SIGNATURE_HEADER] = "sha256=" + webhook_signature(signing, body)
        return Request(rules.url, body, headers=headers)
    if rules.kind == "telegram":
        token = secrets["bot_token"].reveal()
        payload = {"chat_id": rules.chat_id, "text": text, "disable_web_page_preview": True}
        return Request(f"{base}/bot{token}/sendMessage", _json(payload), headers=_JSON)
    if rules.kind == "lark":
        lark: dict[str, Any] = {"msg_type": "text", "content": {"text": text}}
        if signing:
            ts = str(now_ms // 1000)
            lark = {"timestamp": ts, "sign": lark_sign(signing, ts), **lark}
        url = f"{base}/open-apis/bot/v2/hook/{secrets['hook_token'].reveal()}"
        return Request(url, _json(lark), headers=_JSON)
    params = {"access_token": secrets["access_token"].reveal()}
    if signing:
        params["timestamp"] = str(now_ms)
        params["sign"] = dingtalk_sign(signing, str(now_ms))
    if rules.markdown:
        ding: dict[str, Any] = {
            "msgtype": "markdown",
            "markdown": {"title": f"ArbDesk {message.level.value}", "text": text},
        }
    else:
        ding = {"msgtype": "text", "text": {"content": text}}
    return Request(f"{base}/robot/send", _json(ding), params=params, headers=_JSON)


def delivered(kind: str, answer: Any) -> str:
    """Empty when a 2xx answer means delivered; else the service's own error (no retry)."""
    if not isinstance(answer, dict):
        return ""
    if kind == "telegram" and answer.get("ok") is False:
        return f"telegram: {answer.get('description', 'not ok')}"
    if kind == "lark" and answer.get("code", answer.get("StatusCode", 0)) not in (0, None):
        return f"lark: code {answer.get('code')} {answer.get('msg', '')}".strip()
    if kind == "dingtalk" and answer.get("errcode", 0) != 0:
        return f"dingtalk: errcode {answer.get('errcode')} {answer.get('errmsg', '')}".strip()
    return ""


def webhook_signature(secret: Secret, body: bytes) -> str:
    return hmac.new(secret.reveal().encode(), body, hashlib.sha256).hexdigest()


def lark_sign(secret: Secret, timestamp: str) -> str:
    key = f"{timestamp}\n{secret.reveal()}".encode()
    return base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()


def dingtalk_sign(secret: Secret, timestamp: str) -> str:
    """Base64 of the HMAC; aiohttp URL-encodes it as a query value."""
    to_sign = f"{timestamp}\n{secret.reveal()}".encode()
    digest = hmac.new(secret.reveal().encode(), to_sign, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


_JSON = {"Content-Type": "application/json"}


def _json(payload: Mapping[str, Any]) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
