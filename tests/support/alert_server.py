"""A loopback HTTP server standing in for a webhook receiver, Telegram, Lark and DingTalk.

It records every request (path, query, headers, body) and answers from a script of statuses
(then 200 with ``answer``), so a test can see what each service would have received.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web


@dataclass(frozen=True)
class Received:
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class AlertServer:
    base_url: str = ""
    received: list[Received] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)  # answered first, in order
    answer: dict[str, Any] = field(default_factory=lambda: {"ok": True})
    hold: asyncio.Event | None = None  # while not set, requests wait
    failing: set[str] = field(default_factory=set)  # paths that always answer 500

    def url(self, path: str = "/hook") -> str:
        return self.base_url + path

    async def handle(self, request: web.Request) -> web.Response:
        self.received.append(
            Received(request.path, dict(request.query), dict(request.headers), await request.read())
        )
        if self.hold is not None:
            await self.hold.wait()
        if request.path in self.failing:
            return web.Response(status=500, text="down")
        status = self.statuses.pop(0) if self.statuses else 200
        if status != 200:
            return web.Response(status=status, text="nope")
        return web.json_response(self.answer)


@asynccontextmanager
async def alert_server() -> AsyncIterator[AlertServer]:
    server = AlertServer()
    app = web.Application()
    app.router.add_route("POST", "/{tail:.*}", server.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    server.base_url = f"http://127.0.0.1:{port}"
    try:
        yield server
    finally:
        await runner.cleanup()
