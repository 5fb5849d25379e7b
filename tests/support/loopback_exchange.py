"""A loopback HTTP server that plays an exchange's REST API for ccxt, with no network.

Routes map a path to a JSON body (and optionally a status); every request is recorded, and an
unknown path answers 404 so a test fails loudly instead of hanging. ``point`` rewrites every URL
of an exchange's ``urls['api']`` to the server, keeping the path (DESIGN.md: ccxt pitfalls).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from aiohttp import web


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]


@dataclass
class LoopbackExchange:
    routes: dict[str, Any] = field(default_factory=dict)
    statuses: dict[str, int] = field(default_factory=dict)
    delays: dict[str, float] = field(default_factory=dict)
    requests: list[Request] = field(default_factory=list)
    base_url: str = ""

    def answer(self, path: str, body: Any, status: int = 200) -> None:
        self.routes[path] = body
        self.statuses[path] = status

    def paths(self) -> list[str]:
        return [r.path for r in self.requests]

    def point(self, exchange: Any) -> None:
        """Send every request of ``exchange`` here (call after ``set_sandbox_mode``)."""
        exchange.urls["api"] = _rewrite(exchange.urls["api"], self.base_url)

    async def _handle(self, request: web.Request) -> web.Response:
        self.requests.append(
            Request(request.method, request.path, dict(request.query), dict(request.headers))
        )
        if request.path in self.delays:
            await asyncio.sleep(self.delays[request.path])
        if request.path not in self.routes:
            return web.json_response({"code": -1, "msg": f"no route {request.path}"}, status=404)
        return web.json_response(self.routes[request.path], status=self.statuses[request.path])


def _rewrite(urls: Any, base: str) -> Any:
    if isinstance(urls, str):
        parts, target = urlsplit(urls), urlsplit(base)
        return urlunsplit((target.scheme, target.netloc, parts.path, parts.query, ""))
    if isinstance(urls, Mapping):
        return {key: _rewrite(value, base) for key, value in urls.items()}
    return urls


@asynccontextmanager
async def serving(exchange: LoopbackExchange | None = None) -> AsyncIterator[LoopbackExchange]:
    server = exchange or LoopbackExchange()
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", server._handle)
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


def binance_routes(
    server: LoopbackExchange,
    *,
    balances: list[dict[str, str]] | None = None,
    restrictions: dict[str, Any] | None = None,
) -> None:
    """What ccxt's binance asks for to load markets and read a spot balance, and the key's
    API restrictions."""
    for path in ("/api/v3/exchangeInfo", "/fapi/v1/exchangeInfo", "/dapi/v1/exchangeInfo"):
        server.answer(path, {"timezone": "UTC", "serverTime": 1, "symbols": []})
    for path in (
        "/sapi/v1/capital/config/getall",
        "/sapi/v1/margin/allPairs",
        "/sapi/v1/margin/isolated/allPairs",
    ):
        server.answer(path, [])
    server.answer(
        "/api/v3/account",
        {
            "accountType": "SPOT",
            "canTrade": True,
            "updateTime": 1,
            "balances": balances
            if balances is not None
            else [
                {"asset": "BTC", "free": "0.5", "locked": "0"},
                {"asset": "USDT", "free": "1000", "locked": "250"},
                {"asset": "ETH", "free": "0", "locked": "0"},
            ],
        },
    )
    server.answer(
        "/sapi/v1/account/apiRestrictions",
        restrictions
        if restrictions is not None
        else {
            "ipRestrict": True,
            "createTime": 1,
            "enableReading": True,
            "enableSpotAndMarginTrading": True,
            "enableWithdrawals": False,
            "enableFutures": False,
        },
    )
