"""A loopback fake of the part of Binance spot that ccxt 4.5.90 uses, so that an unmodified
``ccxt.pro.binance`` can trade against it with no network.

One aiohttp server on 127.0.0.1 serves, on one port and with ccxt's own paths:

- REST under ``/api/v3/...``: exchangeInfo (the real 2021-10-12 file of ``tests/data``), time,
  ping, bookTicker, order (new, cancel, query), openOrders, allOrders, myTrades, account. Signed
  endpoints check the API key header, the timestamp against ``recvWindow`` and the HMAC-SHA256 of
  the exact query string and body, and answer Binance's own error bodies.
- public streams at ``/ws`` and ``/ws/<anything>``: ccxt dials ``/ws/<stream index>`` and sends
  ``SUBSCRIBE`` frames; ``<symbol>@bookTicker`` streams get ``bookTicker`` frames.
- the ws-api at ``/ws-api/v3``: ``userDataStream.subscribe.signature`` subscribes the connection
  to the account's ``executionReport`` and ``outboundAccountPosition`` events, which is how ccxt's
  spot ``watch_orders``/``watch_my_trades``/``watch_balance`` read the account.

A tiny matching engine fills market and marketable limit orders against the top of book set by
the test (``push_book``), and resting limit orders when a later book update crosses them. The
fault-injection methods (``drop_public``, ``lose_next_create``, ``rate_limit``, ``ban``, ...) let
tests meet each failure the product must survive, deterministically.

Run standalone for benchmarks (prints one JSON line ``{"rest_url": ..., "ws_url": ...}`` on
stdout when ready; keys default to ``DEFAULT_API_KEY``/``DEFAULT_SECRET``)::

    python -m tests.support.fake_binance --port 0 --rate 5000 --symbols BTC/USDT,ETH/USDT \
        [--duration S] [--key K --secret S]

ccxt needs ``CCXT_OPTIONS`` to load markets from it (``FakeBinance.ccxt_config`` has them).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gzip
import hashlib
import hmac
import json
import random
import re
import secrets
import signal
import sys
import time
from collections import Counter, deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from types import TracebackType
from typing import Any, Literal, NamedTuple, TypeVar
from urllib.parse import parse_qsl, urlsplit, urlunsplit

from aiohttp import WSMsgType, web

DEFAULT_API_KEY = "fake-binance-api-key"
DEFAULT_SECRET = "fake-binance-secret"
DEFAULT_BALANCES: Mapping[str, str] = {"USDT": "100000", "BTC": "10", "ETH": "100"}
EXCHANGE_INFO = (
    Path(__file__).resolve().parents[1] / "data" / "binance-exchangeinfo-2021-10-12.json.gz"
)

# ccxt options that load markets from this fake alone (no sapi, no futures, no currencies).
CCXT_OPTIONS: Mapping[str, Any] = {
    "fetchMarkets": {"types": ["spot"]},
    "fetchCurrencies": False,
    "fetchMargins": False,
}

Json = dict[str, Any]
LoseMode = Literal["timeout", "reset", "503"]

_EIGHT = Decimal("0.00000001")
_ZERO = Decimal(0)
_CLIENT_ID = re.compile(r"^[\.A-Z\:/a-z0-9_-]{1,36}$")
_SLOW_CONSUMER_FRAMES = 100_000
_T = TypeVar("_T")


class RecordedRequest(NamedTuple):
    """One REST request as received; ``query`` holds query-string and body parameters."""

    method: str
    path: str
    query: dict[str, str]


class BinanceError(Exception):
    """An answer in Binance's error shape: HTTP status plus ``{"code": ..., "msg": ...}``."""

    def __init__(self, status: int, code: int, msg: str) -> None:
        super().__init__(f"{status} {code} {msg}")
        self.status, self.code, self.msg = status, code, msg

    def body(self) -> Json:
        return {"code": self.code, "msg": self.msg}


def _bad_request(code: int, msg: str) -> BinanceError:
    return BinanceError(400, code, msg)


def _mandatory(name: str) -> BinanceError:
    return _bad_request(
        -1102, f"Mandatory parameter '{name}' was not sent, was empty/null, or malformed."
    )


def _fmt(value: Decimal) -> str:
    """Binance writes every amount with eight decimals."""
    return f"{value.quantize(_EIGHT):f}"


def _dec(value: Decimal | str | float) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


@dataclass(frozen=True)
class SymbolRules:
    """What the matching engine needs of one exchangeInfo symbol."""

    symbol: str
    base: str
    quote: str
    status: str
    order_types: frozenset[str]
    min_price: Decimal
    max_price: Decimal
    tick: Decimal
    min_qty: Decimal
    max_qty: Decimal
    step: Decimal
    market_min_qty: Decimal
    market_max_qty: Decimal
    market_step: Decimal
    min_notional: Decimal
    notional_applies_to_market: bool


@cache
def exchange_info() -> Json:
    """The real exchangeInfo body, read once per process."""
    with gzip.open(EXCHANGE_INFO, "rt", encoding="utf-8") as handle:
        info: Json = json.load(handle)
    return info


@cache
def symbol_rules() -> dict[str, SymbolRules]:
    rules: dict[str, SymbolRules] = {}
    for entry in exchange_info()["symbols"]:
        filters = {f["filterType"]: f for f in entry["filters"]}
        price, lot = filters["PRICE_FILTER"], filters["LOT_SIZE"]
        market_lot = filters.get("MARKET_LOT_SIZE", {})
        notional = filters.get("MIN_NOTIONAL", {})
        rules[entry["symbol"]] = SymbolRules(
            symbol=entry["symbol"],
            base=entry["baseAsset"],
            quote=entry["quoteAsset"],
            status=entry["status"],
            order_types=frozenset(entry["orderTypes"]),
            min_price=Decimal(price["minPrice"]),
            max_price=Decimal(price["maxPrice"]),
            tick=Decimal(price["tickSize"]),
            min_qty=Decimal(lot["minQty"]),
            max_qty=Decimal(lot["maxQty"]),
            step=Decimal(lot["stepSize"]),
            market_min_qty=Decimal(market_lot.get("minQty", "0")),
            market_max_qty=Decimal(market_lot.get("maxQty", "0")),
            market_step=Decimal(market_lot.get("stepSize", "0")),
            min_notional=Decimal(notional.get("minNotional", "0")),
            notional_applies_to_market=bool(notional.get("applyToMarket", False)),
        )
    return rules


@cache
def _ids_by_unified() -> dict[str, str]:
    return {f"{r.base}/{r.quote}": r.symbol for r in symbol_rules().values()}


def symbol_id(symbol: str) -> str:
    """``BTC/USDT`` or ``BTCUSDT`` to Binance's ``BTCUSDT`` (KeyError if unknown)."""
    if symbol in symbol_rules():
        return symbol
    return _ids_by_unified()[symbol]


@dataclass
class Book:
    bid: Decimal
    bid_qty: Decimal
    ask: Decimal
    ask_qty: Decimal
    update_id: int
    frame: str


@dataclass
class _Order:
    symbol: str
    order_id: int
    client_id: str
    side: str
    type: str
    time_in_force: str
    price: Decimal
    orig_qty: Decimal
    orig_quote_qty: Decimal
    created: int
    updated: int
    reserve_asset: str
    reserved: Decimal
    executed: Decimal = _ZERO
    cum_quote: Decimal = _ZERO
    status: str = "NEW"
    fills: list[Json] = field(default_factory=list)

    @property
    def remaining(self) -> Decimal:
        return self.orig_qty - self.executed

    @property
    def is_open(self) -> bool:
        return self.status in ("NEW", "PARTIALLY_FILLED")


@dataclass(eq=False)
class _Client:
    """One websocket connection and its ordered outbound queue."""

    ws: web.WebSocketResponse
    transport: asyncio.Transport | None
    queue: deque[str] = field(default_factory=deque)
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    streams: set[str] = field(default_factory=set)
    user_subscriptions: set[int] = field(default_factory=set)
    next_subscription: int = 0
    closing: asyncio.Task[bool] | None = None

    def send(self, frame: str) -> None:
        if self.closing is not None:
            return
        if len(self.queue) >= _SLOW_CONSUMER_FRAMES:  # Binance drops slow consumers too
            self.queue.clear()
            self.closing = asyncio.get_running_loop().create_task(self.ws.close(code=1008))
            return
        self.queue.append(frame)
        self.wake.set()


class FakeBinance:
    """The fake exchange. Use ``async with FakeBinance() as fake:`` (or ``start``/``close``).

    ``balances`` are the starting free balances (default ``DEFAULT_BALANCES``). Fees are
    ``fee_rate`` of each trade, charged in the quote asset (``fee_in="received"``: in what the
    order receives, as Binance does without BNB). A taker fills its whole quantity at the top of
    book unless ``fill_to_book_size``, which caps it at the top's size and uses that size up.
    Order ids start at 1000, trade ids at 500, both increasing.
    """

    def __init__(
        self,
        *,
        api_key: str = DEFAULT_API_KEY,
        secret: str = DEFAULT_SECRET,
        balances: Mapping[str, Decimal | str | float] | None = None,
        fee_rate: Decimal | str = "0.001",
        fee_in: Literal["quote", "received"] = "quote",
        fill_to_book_size: bool = False,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.api_key = api_key
        self.secret = secret
        self.fee_rate = _dec(fee_rate)
        self.fee_in = fee_in
        self.fill_to_book_size = fill_to_book_size
        self.host, self.port = host, port
        self.rest_url = ""
        self.ws_url = ""
        # fault switches and observations, read and set by tests
        self.silent = False
        self.private_down = False
        self.clock_offset_ms = 0
        self.requests: list[RecordedRequest] = []
        self.public_subscriptions = 0
        self.private_subscriptions = 0
        self._balances: dict[str, list[Decimal]] = {}
        for asset, amount in (DEFAULT_BALANCES if balances is None else balances).items():
            self._balances[asset] = [_dec(amount), _ZERO]
        self._books: dict[str, Book] = {}
        self._orders: dict[int, _Order] = {}
        self._by_client_id: dict[tuple[str, str], _Order] = {}
        self._trades: list[Json] = []
        self._next_order_id = 1_000
        self._next_trade_id = 500
        self._creates: Counter[str] = Counter()
        self._public: set[_Client] = set()
        self._private: set[_Client] = set()
        self._writers: set[asyncio.Task[None]] = set()
        self._changed = asyncio.Event()
        self._released = asyncio.Event()
        self._lose: tuple[LoseMode, float | None] | None = None
        self._reject: tuple[int, str, int] | None = None
        self._limited: tuple[int, float] = (0, 0.0)
        self._banned_until = 0.0
        self._weights: deque[tuple[float, int]] = deque()
        self._runner: web.AppRunner | None = None

    # -- life ---------------------------------------------------------------------------------

    async def start(self) -> FakeBinance:
        app = web.Application()
        app.router.add_get("/ws", self._public_ws)
        app.router.add_get("/ws/{stream:.*}", self._public_ws)
        app.router.add_get("/ws-api/v3", self._private_ws)
        app.router.add_route("*", "/{tail:.*}", self._rest)
        self._runner = web.AppRunner(
            app, handle_signals=False, access_log=None, shutdown_timeout=1.0
        )
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        self.port = self._runner.addresses[0][1]
        self.rest_url = f"http://{self.host}:{self.port}"
        self.ws_url = f"ws://{self.host}:{self.port}"
        return self

    async def close(self) -> None:
        """Release every hanging request, close every socket, stop serving."""
        self._released.set()
        for client in [*self._public, *self._private]:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(client.ws.close(code=1001), 1.0)
        for task in list(self._writers):
            task.cancel()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeBinance:
        return await self.start()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    def point(self, exchange: Any) -> None:
        """Send every REST and ws request of a ccxt exchange here, keeping ccxt's paths."""
        point_at(exchange, self.rest_url, self.ws_url)

    def ccxt_config(self, **overrides: Any) -> Json:
        """A ``ccxt.pro.binance(...)`` config with this fake's keys and the options it needs."""
        config: Json = {
            "apiKey": self.api_key,
            "secret": self.secret,
            "enableRateLimit": False,
            "options": dict(CCXT_OPTIONS),
        }
        config.update(overrides)
        return config

    # -- test controls ------------------------------------------------------------------------

    def now_ms(self) -> int:
        """The server's clock (shifted by ``clock_offset_ms``)."""
        return int(time.time() * 1000) + self.clock_offset_ms

    def push_book(
        self,
        symbol: str,
        bid: Decimal | str | float,
        bid_qty: Decimal | str | float,
        ask: Decimal | str | float,
        ask_qty: Decimal | str | float,
        *,
        event_ms: int | None = None,
    ) -> int:
        """Set the top of book, fill resting orders it crosses, stream it; returns its ``u``.
        ``event_ms`` adds an event time ``E`` (Binance's futures frames have one, spot's not;
        ccxt reads it as the ticker's timestamp: benchmarks stamp the send time there)."""
        sid = symbol_id(symbol)
        previous = self._books.get(sid)
        update_id = previous.update_id + 1 if previous else 1
        b, bq, a, aq = _dec(bid), _dec(bid_qty), _dec(ask), _dec(ask_qty)
        body: Json = {"u": update_id, "s": sid, "b": _fmt(b), "B": _fmt(bq), "a": _fmt(a)}
        body["A"] = _fmt(aq)
        if event_ms is not None:
            body["E"] = event_ms
        frame = json.dumps(body, separators=(",", ":"))
        self._books[sid] = Book(b, bq, a, aq, update_id, frame)
        self._match_resting(sid)
        self._broadcast(sid, frame)
        return update_id

    def resend_last(self, symbol: str) -> None:
        """Send the last book frame again with the same ``u``, as after a reconnect."""
        sid = symbol_id(symbol)
        self._broadcast(sid, self._books[sid].frame)

    async def drop_public(self, *, abort: bool = False) -> None:
        """Close every public stream connection (``abort``: cut the TCP link, no close frame)."""
        await self._drop(self._public, abort)

    async def drop_private(self, *, abort: bool = False) -> None:
        """Close the ws-api connections and keep the account stream down (``private_down``)
        until a test sets ``private_down = False``: fills still happen, unpushed."""
        self.private_down = True
        await self._drop(self._private, abort)

    def lose_next_create(self, mode: LoseMode, *, hold_s: float | None = None) -> None:
        """Process the next POST /api/v3/order but lose its answer: ``timeout`` holds it for
        ``hold_s`` (default: until the fake closes), ``reset`` cuts the connection, ``503``
        answers Binance's "execution status unknown"."""
        self._lose = (mode, hold_s)

    def reject_next_create(self, code: int, msg: str, status: int = 400) -> None:
        """Answer the next POST /api/v3/order with this error, without processing it."""
        self._reject = (code, msg, status)

    def rate_limit(self, count: int, retry_after_s: float) -> None:
        """Answer the next ``count`` REST requests 429 with ``Retry-After`` and code -1003."""
        self._limited = (count, retry_after_s)

    def ban(self, retry_after_s: float) -> None:
        """Answer every REST request 418 (an IP ban) until ``retry_after_s`` have passed."""
        self._banned_until = time.monotonic() + retry_after_s

    def creates_by_client_id(self) -> Counter[str]:
        """Every POST /api/v3/order received, failing ones included, by newClientOrderId."""
        return Counter(self._creates)

    def balances(self) -> dict[str, tuple[Decimal, Decimal]]:
        """(free, locked) by asset."""
        return {asset: (free, locked) for asset, (free, locked) in self._balances.items()}

    def set_balance(self, asset: str, free: Decimal | str | float) -> None:
        self._balances[asset] = [_dec(free), self._balances.get(asset, [_ZERO, _ZERO])[1]]

    def order(self, symbol: str, client_id: str) -> Json | None:
        """The order as GET /api/v3/order shows it, or None."""
        order = self._by_client_id.get((symbol_id(symbol), client_id))
        return None if order is None else self._order_json(order)

    def open_orders(self) -> list[Json]:
        return [self._order_json(o) for o in self._orders.values() if o.is_open]

    def trades(self) -> list[Json]:
        """Every fill as GET /api/v3/myTrades shows it, oldest first."""
        return list(self._trades)

    async def wait_public_subscribed(self, symbol: str, within: float = 5.0) -> None:
        """Until some public connection has subscribed to ``symbol``'s bookTicker."""
        stream = f"{symbol_id(symbol).lower()}@bookticker"
        await self.until(lambda: any(stream in c.streams for c in self._public), within)

    async def wait_private_subscribed(self, count: int = 1, within: float = 5.0) -> None:
        """Until ``count`` user data stream subscriptions are live."""
        await self.until(
            lambda: sum(len(c.user_subscriptions) for c in self._private) >= count, within
        )

    async def until(self, ready: Callable[[], bool], within: float = 5.0) -> None:
        """Until ``ready()`` holds; it is checked after every request, subscription and
        disconnection (TimeoutError after ``within`` seconds)."""
        async with asyncio.timeout(within):
            while not ready():
                self._changed.clear()
                await self._changed.wait()

    # -- plumbing -----------------------------------------------------------------------------

    def _notify(self) -> None:
        self._changed.set()

    async def _drop(self, clients: set[_Client], abort: bool) -> None:
        for client in list(clients):
            clients.discard(client)
            if abort:
                # the peer sees the TCP link die, as on a network failure
                if client.transport is not None:
                    client.transport.abort()
            else:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(client.ws.close(code=1001), 1.0)
        self._notify()

    async def _hang(self, hold_s: float | None = None) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._released.wait(), hold_s)

    def _broadcast(self, sid: str, frame: str) -> None:
        if self.silent:
            return
        stream = f"{sid.lower()}@bookticker"
        for client in self._public:
            if stream in client.streams:
                client.send(frame)

    def _push_private(self, event: Json) -> None:
        if self.private_down or self.silent:
            return
        for client in self._private:
            for sub in client.user_subscriptions:
                client.send(json.dumps({"subscriptionId": sub, "event": event}))

    async def _writer(self, client: _Client) -> None:
        """Sends a connection's queued frames in order, all that are ready per wake-up."""
        try:
            while not client.ws.closed:
                await client.wake.wait()
                client.wake.clear()
                while client.queue and not client.ws.closed:
                    await client.ws.send_str(client.queue.popleft())
        except (ConnectionError, RuntimeError):
            pass

    async def _serve_ws(
        self, request: web.Request, pool: set[_Client]
    ) -> tuple[web.WebSocketResponse, _Client]:
        ws = web.WebSocketResponse(compress=False, autoping=True)
        await ws.prepare(request)
        client = _Client(ws, request.transport)
        pool.add(client)
        task = asyncio.get_running_loop().create_task(self._writer(client))
        self._writers.add(task)
        task.add_done_callback(self._writers.discard)
        return ws, client

    # -- public streams -----------------------------------------------------------------------

    async def _public_ws(self, request: web.Request) -> web.WebSocketResponse:
        ws, client = await self._serve_ws(request, self._public)
        stream = request.match_info.get("stream", "")
        if "@" in stream:  # /ws/<streamName>: Binance's raw stream form
            client.streams.add(stream.lower())
            self._notify()
        try:
            async for message in ws:
                if message.type == WSMsgType.TEXT:
                    self._public_request(client, message.data)
        finally:
            self._public.discard(client)
            client.wake.set()
            self._notify()
        return ws

    def _public_request(self, client: _Client, text: str) -> None:
        try:
            request = json.loads(text)
            method, request_id = request["method"], request.get("id")
        except (ValueError, KeyError, TypeError):
            client.send(json.dumps({"error": {"code": 3, "msg": "Invalid JSON"}, "id": None}))
            return
        params = [str(p).lower() for p in request.get("params") or []]
        if method == "SUBSCRIBE":
            self.public_subscriptions += 1
            self._notify()
        if self.silent:
            return
        if method == "SUBSCRIBE":
            client.streams.update(params)
        elif method == "UNSUBSCRIBE":
            client.streams.difference_update(params)
        elif method == "LIST_SUBSCRIPTIONS":
            client.send(json.dumps({"result": sorted(client.streams), "id": request_id}))
            return
        else:
            error = {"code": 2, "msg": f"Invalid request: unknown method {method}"}
            client.send(json.dumps({"error": error, "id": request_id}))
            return
        client.send(json.dumps({"result": None, "id": request_id}))
        self._notify()

    # -- ws-api (user data stream) ------------------------------------------------------------

    async def _private_ws(self, request: web.Request) -> web.StreamResponse:
        if self.private_down:
            return web.json_response({"code": -1001, "msg": "private stream down"}, status=503)
        ws, client = await self._serve_ws(request, self._private)
        try:
            async for message in ws:
                if message.type == WSMsgType.TEXT:
                    answer = self._ws_api_request(client, message.data)
                    if answer is not None:
                        client.send(json.dumps(answer))
        finally:
            self._private.discard(client)
            client.wake.set()
            self._notify()
        return ws

    def _ws_api_request(self, client: _Client, text: str) -> Json | None:
        request_id: Any = None
        try:
            request = json.loads(text)
            request_id, method = request.get("id"), request["method"]
            params = request.get("params") or {}
            if method == "userDataStream.subscribe.signature":
                self.private_subscriptions += 1
                self._notify()
            if self.silent:
                return None
            if method == "userDataStream.subscribe.signature":
                self._check_ws_signature(params)
                sub = client.next_subscription
                client.next_subscription += 1
                client.user_subscriptions.add(sub)
                self._notify()
                return {"id": request_id, "status": 200, "result": {"subscriptionId": sub}}
            if method == "userDataStream.unsubscribe":
                wanted = params.get("subscriptionId")
                if wanted is None:
                    client.user_subscriptions.clear()
                else:
                    client.user_subscriptions.discard(int(wanted))
                return {"id": request_id, "status": 200, "result": {}}
            if method == "ping":
                return {"id": request_id, "status": 200, "result": {}}
            if method == "time":
                return {"id": request_id, "status": 200, "result": {"serverTime": self.now_ms()}}
            raise _bad_request(-1020, "Unsupported operation.")
        except (ValueError, KeyError, TypeError, AttributeError):
            error = BinanceError(400, -1100, "Invalid request.")
        except BinanceError as exc:
            error = exc
        return {"id": request_id, "status": error.status, "error": error.body()}

    def _check_ws_signature(self, params: Mapping[str, Any]) -> None:
        if params.get("apiKey") != self.api_key:
            raise BinanceError(401, -2015, "Invalid API-key, IP, or permissions for action.")
        self._check_timestamp(params)
        payload = "&".join(f"{k}={params[k]}" for k in sorted(params) if k != "signature")
        self._check_hmac(payload, str(params.get("signature", "")))

    # -- REST ---------------------------------------------------------------------------------

    async def _rest(self, request: web.Request) -> web.StreamResponse:
        raw_query = request.rel_url.raw_query_string
        raw_body = await request.text() if request.can_read_body else ""
        params = dict(parse_qsl(raw_query, keep_blank_values=True))
        params.update(parse_qsl(raw_body, keep_blank_values=True))
        method, path = request.method, request.path
        self.requests.append(RecordedRequest(method, path, params))
        self._notify()
        is_create = (method, path) == ("POST", "/api/v3/order")
        if is_create:
            self._creates[params.get("newClientOrderId", "")] += 1
        if self.silent:
            await self._hang()
            return web.Response(status=503)
        weight = self._add_weight(path)
        headers = {"x-mbx-used-weight-1m": str(weight), "x-mbx-used-weight": str(weight)}
        banned_for = self._banned_until - time.monotonic()
        if banned_for > 0:
            until = self.now_ms() + int(banned_for * 1000)
            headers["Retry-After"] = str(max(1, round(banned_for)))
            body = {
                "code": -1003,
                "msg": f"Way too many requests; IP(127.0.0.1) banned until {until}. "
                "Please use WebSocket Streams for live updates to avoid bans.",
            }
            return web.json_response(body, status=418, headers=headers)
        count, retry_after = self._limited
        if count > 0:
            self._limited = (count - 1, retry_after)
            headers["Retry-After"] = str(max(1, round(retry_after)))
            body = {
                "code": -1003,
                "msg": "Too many requests; current limit of IP(127.0.0.1) is 6000 requests per "
                "minute. Please use WebSocket Streams for live updates to avoid polling the API.",
            }
            return web.json_response(body, status=429, headers=headers)
        route = _ROUTES.get((method, path))
        if route is None:
            return web.json_response(
                {"code": -1, "msg": f"fake_binance: no route {method} {path}"}, status=404
            )
        handler, signed = route
        try:
            if signed:
                self._check_signed(request, raw_query, raw_body, params)
            if is_create and self._reject is not None:
                (code, msg, status), self._reject = self._reject, None
                raise BinanceError(status, code, msg)
            answer = web.json_response(handler(self, params), headers=headers)
        except BinanceError as exc:
            answer = web.json_response(exc.body(), status=exc.status, headers=headers)
        if is_create and self._lose is not None:  # whatever the outcome, the answer is lost
            (mode, hold_s), self._lose = self._lose, None
            if mode == "timeout":
                await self._hang(hold_s)
            elif mode == "reset":
                if request.transport is not None:
                    request.transport.abort()
                return web.Response(status=500)
            body = {
                "code": -1007,
                "msg": "Timeout waiting for response from backend server. "
                "Send status unknown; execution status unknown.",
            }
            return web.json_response(body, status=503, headers=headers)
        return answer

    def _add_weight(self, path: str) -> int:
        now = time.monotonic()
        self._weights.append((now, 20 if path.endswith("exchangeInfo") else 1))
        while self._weights and self._weights[0][0] < now - 60:
            self._weights.popleft()
        return sum(w for _, w in self._weights)

    def _check_signed(
        self, request: web.Request, raw_query: str, raw_body: str, params: Mapping[str, str]
    ) -> None:
        key = request.headers.get("X-MBX-APIKEY")
        if not key:
            raise BinanceError(401, -2014, "API-key format invalid.")
        if key != self.api_key:
            raise BinanceError(401, -2015, "Invalid API-key, IP, or permissions for action.")
        self._check_timestamp(params)
        signature = params.get("signature", "")
        payload = _without_signature(raw_query) + _without_signature(raw_body)
        self._check_hmac(payload, signature)

    def _check_timestamp(self, params: Mapping[str, Any]) -> None:
        try:
            stamp = int(params["timestamp"])
            window = int(params.get("recvWindow", 5000))
        except (KeyError, ValueError, TypeError):
            raise _mandatory("timestamp") from None
        now = self.now_ms()
        if stamp >= now + 1000:
            raise _bad_request(
                -1021, "Timestamp for this request was 1000ms ahead of the server's time."
            )
        if now - stamp > window:
            raise _bad_request(-1021, "Timestamp for this request is outside of the recvWindow.")

    def _check_hmac(self, payload: str, signature: str) -> None:
        expected = hmac.new(self.secret.encode(), payload.encode(), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, signature.lower()):
            raise _bad_request(-1022, "Signature for this request is not valid.")

    # -- endpoints ----------------------------------------------------------------------------

    def _ping(self, params: Mapping[str, str]) -> Any:
        return {}

    def _time(self, params: Mapping[str, str]) -> Any:
        return {"serverTime": self.now_ms()}

    def _exchange_info(self, params: Mapping[str, str]) -> Any:
        return {**exchange_info(), "serverTime": self.now_ms()}

    def _book_ticker(self, params: Mapping[str, str]) -> Any:
        if "symbol" in params:
            return self._ticker_json(self._rules(params["symbol"]).symbol)
        if "symbols" in params:
            try:
                wanted = json.loads(params["symbols"])
            except ValueError:
                raise _bad_request(
                    -1100, "Illegal characters found in parameter 'symbols'."
                ) from None
            return [self._ticker_json(self._rules(s).symbol) for s in wanted]
        return [self._ticker_json(s) for s in self._books]

    def _ticker_json(self, sid: str) -> Json:
        book = self._books.get(sid)
        if book is None:
            return {
                "symbol": sid,
                "bidPrice": _fmt(_ZERO),
                "bidQty": _fmt(_ZERO),
                "askPrice": _fmt(_ZERO),
                "askQty": _fmt(_ZERO),
            }
        return {
            "symbol": sid,
            "bidPrice": _fmt(book.bid),
            "bidQty": _fmt(book.bid_qty),
            "askPrice": _fmt(book.ask),
            "askQty": _fmt(book.ask_qty),
        }

    def _account(self, params: Mapping[str, str]) -> Any:
        rates = {
            "maker": _fmt(self.fee_rate),
            "taker": _fmt(self.fee_rate),
            "buyer": "0.00000000",
            "seller": "0.00000000",
        }
        bps = int(self.fee_rate * 10_000)
        return {
            "makerCommission": bps,
            "takerCommission": bps,
            "buyerCommission": 0,
            "sellerCommission": 0,
            "commissionRates": rates,
            "canTrade": True,
            "canWithdraw": False,
            "canDeposit": True,
            "brokered": False,
            "requireSelfTradePrevention": False,
            "preventSor": False,
            "updateTime": self.now_ms(),
            "accountType": "SPOT",
            "balances": [
                {"asset": a, "free": _fmt(f), "locked": _fmt(lk)}
                for a, (f, lk) in sorted(self._balances.items())
            ],
            "permissions": ["SPOT"],
            "uid": 1,
        }

    def _rules(self, sid: str) -> SymbolRules:
        rules = symbol_rules().get(sid)
        if rules is None:
            raise _bad_request(-1121, "Invalid symbol.")
        return rules

    def _new_order(self, params: Mapping[str, str]) -> Any:
        rules = self._rules(_required(params, "symbol"))
        side = _required(params, "side")
        kind = _required(params, "type")
        if side not in ("BUY", "SELL"):
            raise _bad_request(-1117, "Invalid side.")
        if kind not in ("LIMIT", "MARKET", "LIMIT_MAKER"):
            raise _bad_request(-1116, "Invalid orderType.")
        if kind not in rules.order_types:
            raise _bad_request(-1013, "Unsupported order combination")
        if rules.status != "TRADING":
            raise _bad_request(-1013, "Market is closed.")
        client_id = params.get("newClientOrderId") or "web_" + secrets.token_hex(12)
        if not _CLIENT_ID.match(client_id):
            raise _bad_request(
                -1100,
                "Illegal characters found in parameter 'newClientOrderId'; legal range is "
                "'^[\\.A-Z\\:/a-z0-9_-]{1,36}$'.",
            )
        existing = self._by_client_id.get((rules.symbol, client_id))
        if existing is not None and existing.is_open:
            raise _bad_request(-2010, "Duplicate order sent.")
        resp_type = params.get("newOrderRespType", "FULL")
        book = self._books.get(rules.symbol)
        if kind == "MARKET":
            order = self._market_order(rules, side, client_id, params, book)
        else:
            order = self._limit_order(rules, side, kind, client_id, params, book)
        return self._create_json(order, resp_type)

    def _limit_order(
        self,
        rules: SymbolRules,
        side: str,
        kind: str,
        client_id: str,
        params: Mapping[str, str],
        book: Book | None,
    ) -> _Order:
        price = _decimal_param(params, "price")
        qty = _decimal_param(params, "quantity")
        tif = "GTC" if kind == "LIMIT_MAKER" else _required(params, "timeInForce")
        if tif not in ("GTC", "IOC", "FOK"):
            raise _bad_request(-1115, "Invalid timeInForce.")
        _check_price(rules, price)
        _check_lot(rules, qty, market=False)
        if price * qty < rules.min_notional:
            raise _bad_request(-1013, "Filter failure: MIN_NOTIONAL")
        marketable = book is not None and _crosses(side, price, book)
        if kind == "LIMIT_MAKER" and marketable:
            raise _bad_request(-2010, "Order would immediately match and take.")
        order = self._open(rules, side, kind, tif, client_id, price, qty, _ZERO)
        if marketable and book is not None:
            self._take(order, rules, book)
        if order.is_open and tif in ("IOC", "FOK"):
            self._finish(order, "EXPIRED")
        return order

    def _market_order(
        self,
        rules: SymbolRules,
        side: str,
        client_id: str,
        params: Mapping[str, str],
        book: Book | None,
    ) -> _Order:
        top = None if book is None else (book.ask if side == "BUY" else book.bid)
        quote_qty = _ZERO
        if "quoteOrderQty" in params:
            quote_qty = _decimal_param(params, "quoteOrderQty")
            step = rules.market_step or rules.step
            qty = (quote_qty / top).quantize(step, ROUND_DOWN) if top else _ZERO
            if top:
                _check_lot(rules, qty, market=True)
        else:
            qty = _decimal_param(params, "quantity")
            _check_lot(rules, qty, market=True)
        if top and rules.notional_applies_to_market and qty * top < rules.min_notional:
            raise _bad_request(-1013, "Filter failure: MIN_NOTIONAL")
        order = self._open(rules, side, "MARKET", "GTC", client_id, _ZERO, qty, quote_qty, top)
        if book is not None and top:
            self._take(order, rules, book)
        if order.is_open:  # no liquidity left: Binance expires the rest
            self._finish(order, "EXPIRED")
        return order

    def _open(
        self,
        rules: SymbolRules,
        side: str,
        kind: str,
        tif: str,
        client_id: str,
        price: Decimal,
        qty: Decimal,
        quote_qty: Decimal,
        reserve_price: Decimal | None = None,
    ) -> _Order:
        """Reserves the funds and records the order as NEW (and pushes it)."""
        if side == "BUY":
            asset = rules.quote
            cost = qty * (reserve_price if reserve_price is not None else price)
            amount = cost * (1 + self.fee_rate) if self.fee_in == "quote" else cost
        else:
            asset, amount = rules.base, qty
        free, locked = self._balances.get(asset, [_ZERO, _ZERO])
        if amount > free:
            raise _bad_request(-2010, "Account has insufficient balance for requested action.")
        self._balances[asset] = [free - amount, locked + amount]
        now = self.now_ms()
        order = _Order(
            symbol=rules.symbol,
            order_id=self._next_order_id,
            client_id=client_id,
            side=side,
            type=kind,
            time_in_force=tif,
            price=price,
            orig_qty=qty,
            orig_quote_qty=quote_qty,
            created=now,
            updated=now,
            reserve_asset=asset,
            reserved=amount,
        )
        self._next_order_id += 1
        self._orders[order.order_id] = order
        self._by_client_id[(rules.symbol, client_id)] = order
        self._push_private(self._report(order, "NEW"))
        self._push_balances(asset)
        return order

    def _take(self, order: _Order, rules: SymbolRules, book: Book) -> None:
        """Fills a marketable order against the top of book as taker."""
        if order.side == "BUY":
            price, available = book.ask, book.ask_qty
        else:
            price, available = book.bid, book.bid_qty
        qty = order.remaining
        if self.fill_to_book_size:
            qty = min(qty, available)
            if order.time_in_force == "FOK" and qty < order.remaining:
                return
            if order.side == "BUY":
                book.ask_qty -= qty
            else:
                book.bid_qty -= qty
        if qty > 0:
            self._fill(order, rules, qty, price, maker=False)

    def _match_resting(self, sid: str) -> None:
        book = self._books[sid]
        rules = symbol_rules()[sid]
        for order in [o for o in self._orders.values() if o.symbol == sid and o.is_open]:
            if _crosses(order.side, order.price, book):
                self._fill(order, rules, order.remaining, order.price, maker=True)

    def _fill(
        self, order: _Order, rules: SymbolRules, qty: Decimal, price: Decimal, *, maker: bool
    ) -> None:
        """Moves the funds of one trade, charges the fee, records and pushes it."""
        quote = qty * price
        if self.fee_in == "received" and order.side == "BUY":
            fee, fee_asset = (qty * self.fee_rate).quantize(_EIGHT), rules.base
        else:
            fee, fee_asset = (quote * self.fee_rate).quantize(_EIGHT), rules.quote
        release = (
            order.reserved if qty == order.remaining else order.reserved * qty / order.remaining
        )
        order.reserved -= release
        reserve = self._balances[order.reserve_asset]
        reserve[1] -= release
        reserve[0] += release
        base = self._balances.setdefault(rules.base, [_ZERO, _ZERO])
        quoted = self._balances.setdefault(rules.quote, [_ZERO, _ZERO])
        if order.side == "BUY":
            quoted[0] -= quote
            base[0] += qty
        else:
            base[0] -= qty
            quoted[0] += quote
        self._balances[fee_asset][0] -= fee
        order.executed += qty
        order.cum_quote += quote
        now = self.now_ms()
        order.updated = now
        trade_id = self._next_trade_id
        self._next_trade_id += 1
        order.fills.append(
            {
                "price": _fmt(price),
                "qty": _fmt(qty),
                "commission": _fmt(fee),
                "commissionAsset": fee_asset,
                "tradeId": trade_id,
            }
        )
        self._trades.append(
            {
                "symbol": order.symbol,
                "id": trade_id,
                "orderId": order.order_id,
                "orderListId": -1,
                "price": _fmt(price),
                "qty": _fmt(qty),
                "quoteQty": _fmt(quote),
                "commission": _fmt(fee),
                "commissionAsset": fee_asset,
                "time": now,
                "isBuyer": order.side == "BUY",
                "isMaker": maker,
                "isBestMatch": True,
            }
        )
        order.status = "FILLED" if order.remaining == 0 else "PARTIALLY_FILLED"
        if order.status == "FILLED" and order.reserved:
            self._unreserve(order)
        last = {
            "l": _fmt(qty),
            "L": _fmt(price),
            "n": _fmt(fee),
            "N": fee_asset,
            "t": trade_id,
            "m": maker,
            "Y": _fmt(quote),
        }
        self._push_private(self._report(order, "TRADE", last=last))
        self._push_balances(rules.base, rules.quote)

    def _unreserve(self, order: _Order) -> None:
        reserve = self._balances[order.reserve_asset]
        reserve[1] -= order.reserved
        reserve[0] += order.reserved
        order.reserved = _ZERO

    def _finish(self, order: _Order, status: str, cancel_id: str | None = None) -> None:
        order.status = status
        order.updated = self.now_ms()
        self._unreserve(order)
        self._push_private(self._report(order, status, cancel_id=cancel_id))
        self._push_balances(order.reserve_asset)

    def _find(self, params: Mapping[str, str]) -> _Order | None:
        sid = self._rules(_required(params, "symbol")).symbol
        if "orderId" in params:
            try:
                order = self._orders.get(int(params["orderId"]))
            except ValueError:
                raise _bad_request(
                    -1100, "Illegal characters found in parameter 'orderId'."
                ) from None
            return order if order is not None and order.symbol == sid else None
        if "origClientOrderId" in params:
            return self._by_client_id.get((sid, params["origClientOrderId"]))
        raise _bad_request(
            -1102, "Param 'origClientOrderId' or 'orderId' must be sent, but both were empty/null!"
        )

    def _query_order(self, params: Mapping[str, str]) -> Any:
        order = self._find(params)
        if order is None:
            raise _bad_request(-2013, "Order does not exist.")
        return self._order_json(order)

    def _cancel_order(self, params: Mapping[str, str]) -> Any:
        order = self._find(params)
        if order is None or not order.is_open:
            raise _bad_request(-2011, "Unknown order sent.")
        return self._cancel(order, params.get("newClientOrderId"))

    def _cancel(self, order: _Order, cancel_id: str | None) -> Json:
        cancel_id = cancel_id or "web_" + secrets.token_hex(12)
        self._finish(order, "CANCELED", cancel_id=cancel_id)
        body = self._order_json(order)
        for key in ("stopPrice", "icebergQty", "time", "updateTime", "isWorking", "workingTime"):
            body.pop(key)
        return {
            "symbol": order.symbol,
            "origClientOrderId": order.client_id,
            **body,
            "clientOrderId": cancel_id,
            "transactTime": order.updated,
        }

    def _open_orders(self, params: Mapping[str, str]) -> Any:
        sid = self._rules(params["symbol"]).symbol if "symbol" in params else None
        return [
            self._order_json(o)
            for o in self._orders.values()
            if o.is_open and (sid is None or o.symbol == sid)
        ]

    def _cancel_open_orders(self, params: Mapping[str, str]) -> Any:
        sid = self._rules(_required(params, "symbol")).symbol
        orders = [o for o in self._orders.values() if o.is_open and o.symbol == sid]
        if not orders:
            raise _bad_request(-2011, "Unknown order sent.")
        return [self._cancel(o, None) for o in orders]

    def _all_orders(self, params: Mapping[str, str]) -> Any:
        sid = self._rules(_required(params, "symbol")).symbol
        orders = [o for o in self._orders.values() if o.symbol == sid]
        if "orderId" in params:
            orders = [o for o in orders if o.order_id >= int(params["orderId"])]
        orders = _in_time(orders, params, lambda o: o.created)
        limit = min(int(params.get("limit", 500)), 1000)
        return [self._order_json(o) for o in orders[:limit]]

    def _my_trades(self, params: Mapping[str, str]) -> Any:
        sid = self._rules(_required(params, "symbol")).symbol
        trades = [t for t in self._trades if t["symbol"] == sid]
        if "orderId" in params:
            trades = [t for t in trades if t["orderId"] == int(params["orderId"])]
        if "fromId" in params:
            trades = [t for t in trades if t["id"] >= int(params["fromId"])]
        else:
            trades = _in_time(trades, params, lambda t: int(t["time"]))
        limit = min(int(params.get("limit", 500)), 1000)
        return trades[:limit] if "fromId" in params or "startTime" in params else trades[-limit:]

    # -- shapes -------------------------------------------------------------------------------

    def _order_json(self, order: _Order) -> Json:
        return {
            "symbol": order.symbol,
            "orderId": order.order_id,
            "orderListId": -1,
            "clientOrderId": order.client_id,
            "price": _fmt(order.price),
            "origQty": _fmt(order.orig_qty),
            "executedQty": _fmt(order.executed),
            "cummulativeQuoteQty": _fmt(order.cum_quote),
            "status": order.status,
            "timeInForce": order.time_in_force,
            "type": order.type,
            "side": order.side,
            "stopPrice": _fmt(_ZERO),
            "icebergQty": _fmt(_ZERO),
            "time": order.created,
            "updateTime": order.updated,
            "isWorking": True,
            "workingTime": order.created,
            "origQuoteOrderQty": _fmt(order.orig_quote_qty),
            "selfTradePreventionMode": "EXPIRE_MAKER",
        }

    def _create_json(self, order: _Order, resp_type: str) -> Json:
        ack = {
            "symbol": order.symbol,
            "orderId": order.order_id,
            "orderListId": -1,
            "clientOrderId": order.client_id,
            "transactTime": order.updated,
        }
        if resp_type == "ACK":
            return ack
        body = self._order_json(order)
        result = {
            **ack,
            **{
                k: body[k]
                for k in (
                    "price",
                    "origQty",
                    "executedQty",
                    "origQuoteOrderQty",
                    "cummulativeQuoteQty",
                    "status",
                    "timeInForce",
                    "type",
                    "side",
                    "workingTime",
                    "selfTradePreventionMode",
                )
            },
        }
        if resp_type == "FULL":
            result["fills"] = list(order.fills)
        return result

    def _report(
        self,
        order: _Order,
        execution: str,
        cancel_id: str | None = None,
        last: Json | None = None,
    ) -> Json:
        last = last or {}
        now = self.now_ms()
        return {
            "e": "executionReport",
            "E": now,
            "s": order.symbol,
            "c": cancel_id or order.client_id,
            "S": order.side,
            "o": order.type,
            "f": order.time_in_force,
            "q": _fmt(order.orig_qty),
            "p": _fmt(order.price),
            "P": _fmt(_ZERO),
            "F": _fmt(_ZERO),
            "g": -1,
            "C": order.client_id if cancel_id else "",
            "x": execution,
            "X": order.status,
            "r": "NONE",
            "i": order.order_id,
            "l": last.get("l", _fmt(_ZERO)),
            "z": _fmt(order.executed),
            "L": last.get("L", _fmt(_ZERO)),
            "n": last.get("n", "0"),
            "N": last.get("N"),
            "T": order.updated,
            "t": last.get("t", -1),
            "v": 0,
            "I": order.order_id * 2,
            "w": order.is_open,
            "m": last.get("m", False),
            "M": False,
            "O": order.created,
            "Z": _fmt(order.cum_quote),
            "Y": last.get("Y", _fmt(_ZERO)),
            "Q": _fmt(order.orig_quote_qty),
            "W": order.created,
            "V": "EXPIRE_MAKER",
        }

    def _push_balances(self, *assets: str) -> None:
        now = self.now_ms()
        changed = [
            {"a": a, "f": _fmt(self._balances[a][0]), "l": _fmt(self._balances[a][1])}
            for a in dict.fromkeys(assets)
            if a in self._balances
        ]
        self._push_private({"e": "outboundAccountPosition", "E": now, "u": now, "B": changed})


_Handler = Callable[[FakeBinance, Mapping[str, str]], Any]
_ROUTES: dict[tuple[str, str], tuple[_Handler, bool]] = {
    ("GET", "/api/v3/ping"): (FakeBinance._ping, False),
    ("GET", "/api/v3/time"): (FakeBinance._time, False),
    ("GET", "/api/v3/exchangeInfo"): (FakeBinance._exchange_info, False),
    ("GET", "/api/v3/ticker/bookTicker"): (FakeBinance._book_ticker, False),
    ("GET", "/api/v3/account"): (FakeBinance._account, True),
    ("POST", "/api/v3/order"): (FakeBinance._new_order, True),
    ("GET", "/api/v3/order"): (FakeBinance._query_order, True),
    ("DELETE", "/api/v3/order"): (FakeBinance._cancel_order, True),
    ("GET", "/api/v3/openOrders"): (FakeBinance._open_orders, True),
    ("DELETE", "/api/v3/openOrders"): (FakeBinance._cancel_open_orders, True),
    ("GET", "/api/v3/allOrders"): (FakeBinance._all_orders, True),
    ("GET", "/api/v3/myTrades"): (FakeBinance._my_trades, True),
}


def _crosses(side: str, price: Decimal, book: Book) -> bool:
    """Whether a limit order at ``price`` is marketable against ``book``."""
    if side == "BUY":
        return book.ask > 0 and price >= book.ask
    return book.bid > 0 and price <= book.bid


def _required(params: Mapping[str, str], name: str) -> str:
    value = params.get(name)
    if not value:
        raise _mandatory(name)
    return value


def _decimal_param(params: Mapping[str, str], name: str) -> Decimal:
    try:
        value = Decimal(_required(params, name))
    except InvalidOperation:
        raise _bad_request(
            -1100,
            f"Illegal characters found in parameter '{name}'; "
            "legal range is '^([0-9]{1,20})(\\.[0-9]{1,20})?$'.",
        ) from None
    if not value.is_finite() or value <= 0:
        raise _bad_request(-1013, f"Invalid {name}.")
    return value


def _check_price(rules: SymbolRules, price: Decimal) -> None:
    if (
        (rules.min_price and price < rules.min_price)
        or (rules.max_price and price > rules.max_price)
        or (rules.tick and (price - rules.min_price) % rules.tick != 0)
    ):
        raise _bad_request(-1013, "Filter failure: PRICE_FILTER")


def _check_lot(rules: SymbolRules, qty: Decimal, *, market: bool) -> None:
    if (
        qty < rules.min_qty
        or (rules.max_qty and qty > rules.max_qty)
        or (rules.step and (qty - rules.min_qty) % rules.step != 0)
    ):
        raise _bad_request(-1013, "Filter failure: LOT_SIZE")
    if market and (
        (rules.market_min_qty and qty < rules.market_min_qty)
        or (rules.market_max_qty and qty > rules.market_max_qty)
        or (rules.market_step and (qty - rules.market_min_qty) % rules.market_step != 0)
    ):
        raise _bad_request(-1013, "Filter failure: MARKET_LOT_SIZE")


def _in_time(items: list[_T], params: Mapping[str, str], stamp: Callable[[_T], int]) -> list[_T]:
    start = int(params.get("startTime", 0))
    end = int(params.get("endTime", 2**62))
    return [item for item in items if start <= stamp(item) <= end]


def _without_signature(raw: str) -> str:
    return "&".join(p for p in raw.split("&") if p and not p.startswith("signature="))


def point_at(exchange: Any, rest_url: str, ws_url: str) -> None:
    """Rewrite every URL of a ccxt exchange's ``urls['api']`` to these bases (ws URLs to
    ``ws_url``), keeping the paths; for a fake served by another process."""
    exchange.urls["api"] = _rewrite(exchange.urls["api"], rest_url, ws_url)


def _rewrite(urls: Any, rest_base: str, ws_base: str) -> Any:
    if isinstance(urls, str):
        parts = urlsplit(urls)
        target = urlsplit(ws_base if parts.scheme in ("ws", "wss") else rest_base)
        return urlunsplit((target.scheme, target.netloc, parts.path, parts.query, ""))
    if isinstance(urls, Mapping):
        return {key: _rewrite(value, rest_base, ws_base) for key, value in urls.items()}
    return urls


# -- standalone generator for benchmarks ------------------------------------------------------

_START_PRICES: Mapping[str, str] = {"BTC": "30000", "ETH": "2000", "BNB": "300"}


async def generate(
    fake: FakeBinance,
    symbols: list[str],
    rate: float,
    duration: float | None,
    *,
    stamp: bool = False,
) -> int:
    """Pushes random-walk book tickers at ``rate`` per second in total, a batch per loop tick
    (so the rate does not depend on the sleep granularity); returns how many were pushed."""
    rng = random.Random(7)
    markets = [symbol_rules()[symbol_id(symbol)] for symbol in symbols]
    mids = [Decimal(_START_PRICES.get(r.base, "100")).quantize(r.tick) for r in markets]
    loop = asyncio.get_running_loop()
    start = loop.time()
    sent = 0
    while duration is None or loop.time() - start < duration:
        due = int((loop.time() - start) * rate) - sent
        for i in range(due):
            k = (sent + i) % len(markets)
            rules = markets[k]
            mids[k] = mid = max(rules.tick * 2, mids[k] + rules.tick * rng.choice((-1, 0, 1)))
            qty_b = rules.step * rng.randint(1, 10_000)
            qty_a = rules.step * rng.randint(1, 10_000)
            event_ms = fake.now_ms() if stamp else None
            fake.push_book(rules.symbol, mid - rules.tick, qty_b, mid, qty_a, event_ms=event_ms)
        sent += max(due, 0)
        await asyncio.sleep(0.001)
    return sent


async def _main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m tests.support.fake_binance",
        description="Serve the fake Binance spot and stream random-walk book tickers.",
    )
    parser.add_argument("--port", type=int, default=0, help="0: any free port (default)")
    parser.add_argument("--rate", type=float, default=1000.0, help="book updates per second")
    parser.add_argument("--symbols", default="BTC/USDT,ETH/USDT")
    parser.add_argument("--duration", type=float, default=None, help="seconds (default: forever)")
    parser.add_argument("--key", default=DEFAULT_API_KEY, help=f"API key ({DEFAULT_API_KEY})")
    parser.add_argument("--secret", default=DEFAULT_SECRET, help=f"secret ({DEFAULT_SECRET})")
    parser.add_argument(
        "--stamp", action="store_true", help="send time (ms) as each frame's event time E"
    )
    args = parser.parse_args(argv)
    symbols = [s.strip() for s in args.symbols.split(",") if s.strip()]
    async with FakeBinance(api_key=args.key, secret=args.secret, port=args.port) as fake:
        print(json.dumps({"rest_url": fake.rest_url, "ws_url": fake.ws_url}), flush=True)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError):
                loop.add_signal_handler(sig, stop.set)
        generator = loop.create_task(
            generate(fake, symbols, args.rate, args.duration, stamp=args.stamp)
        )
        stopped = loop.create_task(stop.wait())
        await asyncio.wait({generator, stopped}, return_when=asyncio.FIRST_COMPLETED)
        for task in (generator, stopped):
            task.cancel()
        if generator.done() and not generator.cancelled():
            print(json.dumps({"pushed": generator.result()}), file=sys.stderr, flush=True)


if __name__ == "__main__":
    asyncio.run(_main())
