"""A loopback fake of the part of OKX's v5 API that ccxt 4.5.90 uses, so that an unmodified
``ccxt.pro.okx`` can trade spot (and linear SWAP) against it with no network.

One aiohttp server on 127.0.0.1 serves, on one port and with ccxt's own paths (ccxt's REST URL
is ``https://{hostname}`` plus ``/api/v5/...``; its ws URL ``wss://ws.okx.com:443/ws/v5`` plus
``/public`` or ``/private``, so both bases keep working after the host is replaced):

- REST ``/api/v5/...``: public time, instruments (a small realistic list: ``INSTRUMENTS``), market
  tickers, ticker and books; asset currencies (ccxt's ``load_markets`` reads them, signed, when
  it has keys); trade order (POST a dict, or ccxt's default ``batch-orders``, a list;
  GET by ``ordId`` or ``clOrdId``), cancel-order, orders-pending, fills and fills-history; account
  balance and positions. Every private request is checked as OKX does: ``OK-ACCESS-KEY``,
  ``OK-ACCESS-PASSPHRASE``, ``OK-ACCESS-TIMESTAMP`` (ISO 8601, within 30 s of the server's clock)
  and ``OK-ACCESS-SIGN``, the base64 HMAC-SHA256 of timestamp + method + path with query + body;
  failures answer OKX's error JSON (``{"code": "50113", "msg": "Invalid Sign"}``, ...). Orders
  refused one by one answer ``code "1"`` with the order's ``sCode``/``sMsg`` (51008 insufficient
  balance, 51121 lot size, 51016 duplicate clOrdId, ...), as OKX does.
- ws ``/ws/v5/public``: ``subscribe`` to ``bbo-tbt`` (ccxt's ``watch_bids_asks``) or ``tickers``
  (``watch_tickers``) per ``instId``; the current top of book is pushed on subscribe (as OKX does)
  and on every ``push_book``, with its ``seqId``. Text ``ping`` gets ``pong``.
- ws ``/ws/v5/private``: ``login`` (signature of timestamp + ``GET/users/self/verify``, checked),
  then ``orders`` (ccxt's ``watch_orders`` and ``watch_my_trades``, which reads fills from it)
  pushes every order update; an update that carries a fill has its ``tradeId``, ``fillPx``,
  ``fillSz``, ``fillFee`` (negative: charged), ``execType``. One push per connection however many
  times ccxt subscribes to the same channel.

A small matching engine fills market and marketable limit orders against the top of book set by
the test (``push_book``), and resting limit orders when a later book update crosses them. Spot
fees are charged in what the order receives (base on a buy, quote on a sell), as OKX does;
``taker_rate`` 0.1 %, ``maker_rate`` 0.08 % (OKX's base tier). SWAP orders are in contracts
(``ctVal`` base each), pay their fee in the settle currency and move a net position; no margin.
Order ids are 18-digit strings from 600000000000000001 on, trade ids from 300000001 on.

Fault injection (``lose_next_create``, ``reject_next_create``, ``rate_limit``, ``drop_public``,
``drop_private``, ``hold_polls``, ``silent``, ``clock_offset_ms``) lets tests meet each failure
deterministically.

ccxt needs ``CCXT_OPTIONS`` to load markets from it alone (``FakeOkx.ccxt_config`` has them).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import hmac
import json
import secrets
import time
from collections import Counter, deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from types import TracebackType
from typing import Any, Literal, NamedTuple
from urllib.parse import parse_qsl

from aiohttp import WSMsgType, web

DEFAULT_API_KEY = "fake-okx-api-key"
DEFAULT_SECRET = "fake-okx-secret"
DEFAULT_PASSPHRASE = "fake-okx-passphrase"
DEFAULT_BALANCES: Mapping[str, str] = {"USDT": "100000", "BTC": "10", "ETH": "100"}

# ccxt options that load markets from this fake alone (no options, futures or currencies).
CCXT_OPTIONS: Mapping[str, Any] = {
    "fetchMarkets": {"types": ["spot", "swap"]},
    "fetchCurrencies": False,
    "fetchMargins": False,
}

Json = dict[str, Any]
LoseMode = Literal["timeout", "reset", "503"]

_ZERO = Decimal(0)
_CLIENT_ID_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
_CLOCK_WINDOW_MS = 30_000
_BELOW_MIN = "Your order should meet or exceed the minimum order amount."
_ORDER_TYPES = frozenset({"market", "limit", "post_only", "fok", "ioc"})


@dataclass(frozen=True)
class Rules:
    """One instrument as ``/api/v5/public/instruments`` describes it."""

    inst_id: str
    inst_type: Literal["SPOT", "SWAP"]
    base: str
    quote: str
    tick: Decimal
    lot: Decimal
    min_sz: Decimal
    max_lmt_sz: Decimal
    max_mkt_sz: Decimal
    lever: str
    list_time: str
    ct_val: Decimal | None = None  # SWAP: base per contract

    @property
    def symbol(self) -> str:
        """ccxt's unified symbol."""
        unified = f"{self.base}/{self.quote}"
        return unified if self.inst_type == "SPOT" else f"{unified}:{self.quote}"

    def json(self) -> Json:
        swap = self.inst_type == "SWAP"
        return {
            "alias": "",
            "auctionEndTime": "",
            "baseCcy": "" if swap else self.base,
            "category": "1",
            "ctMult": "1" if swap else "",
            "ctType": "linear" if swap else "",
            "ctVal": str(self.ct_val) if swap else "",
            "ctValCcy": self.base if swap else "",
            "expTime": "",
            "instFamily": f"{self.base}-{self.quote}" if swap else "",
            "instId": self.inst_id,
            "instType": self.inst_type,
            "lever": self.lever,
            "listTime": self.list_time,
            "lotSz": str(self.lot),
            "maxIcebergSz": str(self.max_lmt_sz),
            "maxLmtAmt": "20000000",
            "maxLmtSz": str(self.max_lmt_sz),
            "maxMktAmt": "" if swap else "1000000",
            "maxMktSz": str(self.max_mkt_sz),
            "maxStopSz": str(self.max_mkt_sz),
            "maxTriggerSz": str(self.max_lmt_sz),
            "maxTwapSz": str(self.max_lmt_sz),
            "minSz": str(self.min_sz),
            "optType": "",
            "quoteCcy": "" if swap else self.quote,
            "ruleType": "normal",
            "settleCcy": self.quote if swap else "",
            "state": "live",
            "stk": "",
            "tickSz": str(self.tick),
            "uly": f"{self.base}-{self.quote}" if swap else "",
        }


def _rules(
    inst_id: str, tick: str, lot: str, min_sz: str, max_lmt: str, max_mkt: str, lever: str,
    listed: str, ct_val: str | None = None,
) -> Rules:  # fmt: skip
    base, quote, *swap = inst_id.split("-")
    return Rules(
        inst_id, "SWAP" if swap else "SPOT", base, quote, Decimal(tick), Decimal(lot),
        Decimal(min_sz), Decimal(max_lmt), Decimal(max_mkt), lever, listed,
        Decimal(ct_val) if ct_val else None,
    )  # fmt: skip


#: OKX's own rules for these instruments (2025), cut to what the fake serves.
INSTRUMENTS: tuple[Rules, ...] = (
    _rules(
        "BTC-USDT", "0.1", "0.00000001", "0.00001", "9999999999", "1000000", "10", "1548133413000"
    ),
    _rules(
        "ETH-USDT", "0.01", "0.000001", "0.0001", "9999999999", "1000000", "10", "1548133413000"
    ),
    _rules(
        "BTC-USDT-SWAP", "0.1", "0.01", "0.01", "100000000", "12000", "100", "1573557408000", "0.01"
    ),
)
_BY_ID = {r.inst_id: r for r in INSTRUMENTS}
_BY_SYMBOL = {r.symbol: r for r in INSTRUMENTS}


def rules_of(symbol: str) -> Rules:
    """``BTC/USDT``, ``BTC/USDT:USDT`` or an instId to its rules (KeyError if unknown)."""
    return _BY_ID.get(symbol) or _BY_SYMBOL[symbol]


def _dec(value: Decimal | str | float) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(str(value))


def _fmt(value: Decimal) -> str:
    """OKX writes numbers as short decimal strings, no exponent, no trailing zeros."""
    text = f"{value.normalize():f}"
    return "0" if text in ("-0", "") else text


class RecordedRequest(NamedTuple):
    """One REST request as received: ``query`` has the query string, ``body`` the parsed JSON."""

    method: str
    path: str
    query: dict[str, str]
    body: Any


class OkxError(Exception):
    """A whole-request failure in OKX's shape: HTTP status plus ``{"code", "msg", "data"}``."""

    def __init__(self, status: int, code: str, msg: str) -> None:
        super().__init__(f"{status} {code} {msg}")
        self.status, self.code, self.msg = status, code, msg

    def body(self) -> Json:
        return {"code": self.code, "msg": self.msg, "data": []}


class OrderFailed(Exception):
    """One order refused: its ``sCode`` and ``sMsg``."""

    def __init__(self, s_code: str, s_msg: str) -> None:
        super().__init__(f"{s_code} {s_msg}")
        self.s_code, self.s_msg = s_code, s_msg


def _param_error(name: str) -> OrderFailed:
    return OrderFailed("51000", f"Parameter {name} error")


@dataclass
class Book:
    bid: Decimal
    bid_qty: Decimal
    ask: Decimal
    ask_qty: Decimal
    seq_id: int
    ts: int


@dataclass
class _Fill:
    trade_id: str
    px: Decimal
    sz: Decimal
    fee: Decimal  # negative: charged
    fee_ccy: str
    exec_type: str  # "T" taker, "M" maker
    ts: int


@dataclass
class _Order:
    rules: Rules
    ord_id: str
    cl_ord_id: str
    side: str
    ord_type: str
    px: Decimal | None
    sz: Decimal
    td_mode: str
    tgt_ccy: str
    created: int
    updated: int
    reserve_ccy: str = ""
    reserved: Decimal = _ZERO
    state: str = "live"
    acc_fill: Decimal = _ZERO
    notional: Decimal = _ZERO
    fee: Decimal = _ZERO
    fee_ccy: str = ""
    last: _Fill | None = None
    fills: list[_Fill] = field(default_factory=list)

    @property
    def remaining(self) -> Decimal:
        return self.sz - self.acc_fill

    @property
    def is_open(self) -> bool:
        return self.state in ("live", "partially_filled")


@dataclass(eq=False)
class _Client:
    """One websocket connection, its ordered outbound queue and its subscriptions."""

    ws: web.WebSocketResponse
    transport: asyncio.Transport | None
    conn_id: str = field(default_factory=lambda: secrets.token_hex(4))
    queue: deque[str] = field(default_factory=deque)
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    channels: set[tuple[str, str]] = field(default_factory=set)  # (channel, instId or instType)
    logged_in: bool = False

    def send(self, message: Json | str) -> None:
        self.queue.append(message if isinstance(message, str) else json.dumps(message))
        self.wake.set()


class FakeOkx:
    """The fake exchange. Use ``async with FakeOkx() as fake:`` (or ``start``/``close``)."""

    def __init__(
        self,
        *,
        api_key: str = DEFAULT_API_KEY,
        secret: str = DEFAULT_SECRET,
        passphrase: str = DEFAULT_PASSPHRASE,
        balances: Mapping[str, Decimal | str | float] | None = None,
        taker_rate: Decimal | str = "0.001",
        maker_rate: Decimal | str = "0.0008",
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.api_key, self.secret, self.passphrase = api_key, secret, passphrase
        self.taker_rate, self.maker_rate = _dec(taker_rate), _dec(maker_rate)
        self.host, self.port = host, port
        self.rest_url = ""
        self.ws_url = ""
        # fault switches and observations, read and set by tests
        self.silent = False
        self.private_down = False
        self.clock_offset_ms = 0
        self.requests: list[RecordedRequest] = []
        self.public_subscriptions = 0
        self.private_logins = 0
        self.private_subscriptions = 0
        self._balances: dict[str, list[Decimal]] = {}  # ccy -> [available, frozen]
        for ccy, amount in (DEFAULT_BALANCES if balances is None else balances).items():
            self._balances[ccy] = [_dec(amount), _ZERO]
        self._positions: dict[str, list[Decimal]] = {}  # instId -> [contracts, avg px]
        self._books: dict[str, Book] = {}
        self._orders: dict[str, _Order] = {}
        self._next_order_id = 600_000_000_000_000_001
        self._next_trade_id = 300_000_001
        self._creates: Counter[str] = Counter()
        self._public: set[_Client] = set()
        self._private: set[_Client] = set()
        self._writers: set[asyncio.Task[None]] = set()
        self._changed = asyncio.Event()
        self._released = asyncio.Event()
        self._lose: tuple[LoseMode, float | None] | None = None
        self._reject: tuple[str, str] | None = None
        self._limited: tuple[int, float] = (0, 0.0)
        self._polls_held: asyncio.Event | None = None
        self._runner: web.AppRunner | None = None

    # -- life ---------------------------------------------------------------------------------

    async def start(self) -> FakeOkx:
        app = web.Application()
        app.router.add_get("/ws/v5/public", self._public_ws)
        app.router.add_get("/ws/v5/private", self._private_ws)
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
        self.release_polls()
        for client in [*self._public, *self._private]:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(client.ws.close(code=1001), 1.0)
        for task in list(self._writers):
            task.cancel()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeOkx:
        return await self.start()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    def ccxt_config(self, **overrides: Any) -> Json:
        """A ``ccxt.pro.okx(...)`` config with this fake's keys and the options it needs (point
        its ``urls['api']`` here too: ``{"rest": rest_url, "ws": ws_url + "/ws/v5"}``)."""
        config: Json = {
            "apiKey": self.api_key,
            "secret": self.secret,
            "password": self.passphrase,
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
    ) -> int:
        """Set the top of book, fill resting orders it crosses, stream it; returns its seqId."""
        rules = rules_of(symbol)
        previous = self._books.get(rules.inst_id)
        seq_id = previous.seq_id + 1 if previous else 1
        ts = max(self.now_ms(), previous.ts + 1) if previous else self.now_ms()  # ordered
        book = Book(_dec(bid), _dec(bid_qty), _dec(ask), _dec(ask_qty), seq_id, ts)
        self._books[rules.inst_id] = book
        self._match_resting(rules)
        self._broadcast(rules.inst_id)
        return seq_id

    def resend_last(self, symbol: str) -> None:
        """Push the last book again with the same seqId, as OKX may after a reconnect."""
        self._broadcast(rules_of(symbol).inst_id)

    async def drop_public(self, *, abort: bool = False) -> None:
        """Close every public connection (``abort``: cut the TCP link, no close frame)."""
        await self._drop(self._public, abort)

    async def drop_private(self, *, abort: bool = False) -> None:
        """Close every private connection; while ``private_down`` new ones are refused (fills
        still happen, unpushed)."""
        await self._drop(self._private, abort)

    def lose_next_create(self, mode: LoseMode, *, hold_s: float | None = None) -> None:
        """Process the next order placement but lose its answer: ``timeout`` holds it for
        ``hold_s`` (default: until the fake closes), ``reset`` cuts the connection, ``503``
        answers OKX's ``50001`` "Service temporarily unavailable"."""
        self._lose = (mode, hold_s)

    def reject_next_create(self, s_code: str, s_msg: str) -> None:
        """Refuse the next order placement with this ``sCode``/``sMsg``, without processing it."""
        self._reject = (s_code, s_msg)

    def hold_polls(self) -> None:
        """Answer GET /api/v5/market/tickers with the book as of the request, but only at
        ``release_polls``: a poll whose answer arrives after newer streamed updates."""
        self._polls_held = asyncio.Event()

    def release_polls(self) -> None:
        if self._polls_held is not None:
            self._polls_held.set()
            self._polls_held = None

    def rate_limit(self, count: int, retry_after_s: float) -> None:
        """Answer the next ``count`` REST requests 429, code 50011, with ``Retry-After``."""
        self._limited = (count, retry_after_s)

    def creates_by_client_id(self) -> Counter[str]:
        """Every order placement received, failing ones included, by clOrdId."""
        return Counter(self._creates)

    def balances(self) -> dict[str, tuple[Decimal, Decimal]]:
        """(available, frozen) by currency."""
        return {ccy: (avail, frozen) for ccy, (avail, frozen) in self._balances.items()}

    def set_balance(self, ccy: str, available: Decimal | str | float) -> None:
        self._balances[ccy] = [_dec(available), self._balances.get(ccy, [_ZERO, _ZERO])[1]]

    def position(self, symbol: str) -> Decimal:
        """The net position in contracts of a SWAP instrument."""
        return self._positions.get(rules_of(symbol).inst_id, [_ZERO, _ZERO])[0]

    def order(self, symbol: str, cl_ord_id: str) -> Json | None:
        """The order as GET /api/v5/trade/order shows it, or None."""
        found = self._by_client_id(rules_of(symbol).inst_id, cl_ord_id)
        return None if found is None else self._order_json(found)

    def open_orders(self) -> list[Json]:
        return [self._order_json(o) for o in self._orders.values() if o.is_open]

    def trades(self) -> list[Json]:
        """Every fill as GET /api/v5/trade/fills shows it, oldest first."""
        return [self._fill_json(o, f) for o in self._orders.values() for f in o.fills]

    def place(
        self, symbol: str, side: str, px: Decimal | str, sz: Decimal | str, cl_ord_id: str = ""
    ) -> str:
        """A limit order placed some other way (OKX's website, another program): its ordId."""
        params = {"instId": rules_of(symbol).inst_id, "side": side, "ordType": "limit"}
        params |= {"px": str(px), "sz": str(sz), "tdMode": "cash", "clOrdId": cl_ord_id}
        return self._place(params).ord_id

    async def wait_public_subscribed(self, symbol: str, within: float = 5.0) -> None:
        """Until some public connection has subscribed to ``symbol``'s bbo-tbt or tickers."""
        inst_id = rules_of(symbol).inst_id
        await self.until(
            lambda: any(key[1] == inst_id for c in self._public for key in c.channels), within
        )

    async def wait_private_subscribed(self, within: float = 5.0) -> None:
        """Until some logged-in private connection has subscribed to ``orders``."""
        await self.until(
            lambda: any(key[0] == "orders" for c in self._private for key in c.channels), within
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
                if client.transport is not None:
                    client.transport.abort()
            else:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(client.ws.close(code=1001), 1.0)
        self._notify()

    async def _hang(self, hold_s: float | None = None) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._released.wait(), hold_s)

    def _broadcast(self, inst_id: str) -> None:
        if self.silent:
            return
        for client in self._public:
            for channel in ("bbo-tbt", "tickers"):
                if (channel, inst_id) in client.channels:
                    client.send(self._book_push(channel, inst_id))

    def _book_push(self, channel: str, inst_id: str) -> Json:
        book = self._books[inst_id]
        if channel == "bbo-tbt":
            data: Json = {
                "asks": [[_fmt(book.ask), _fmt(book.ask_qty), "0", "1"]],
                "bids": [[_fmt(book.bid), _fmt(book.bid_qty), "0", "1"]],
                "ts": str(book.ts),
                "seqId": book.seq_id,
            }
        else:
            data = self._ticker_json(inst_id)
        return {"arg": {"channel": channel, "instId": inst_id}, "data": [data]}

    def _push_order(self, order: _Order, fill: _Fill | None = None) -> None:
        if self.private_down or self.silent:
            return
        data = self._order_json(order, fill, ws=True)
        for client in self._private:
            if client.logged_in and (
                ("orders", "ANY") in client.channels
                or ("orders", order.rules.inst_type) in client.channels
            ):
                arg = {"channel": "orders", "instType": "ANY", "uid": "1"}
                client.send({"arg": arg, "data": [data]})

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

    async def _serve_frames(
        self, ws: web.WebSocketResponse, client: _Client, pool: set[_Client], private: bool
    ) -> None:
        try:
            async for message in ws:
                if message.type != WSMsgType.TEXT:
                    continue
                if message.data == "ping":
                    client.send("pong")
                    continue
                answers = self._ws_request(client, message.data, private)
                if not self.silent:
                    for answer in answers:
                        client.send(answer)
        finally:
            pool.discard(client)
            client.wake.set()
            self._notify()

    # -- websockets ---------------------------------------------------------------------------

    async def _public_ws(self, request: web.Request) -> web.WebSocketResponse:
        ws, client = await self._serve_ws(request, self._public)
        await self._serve_frames(ws, client, self._public, private=False)
        return ws

    async def _private_ws(self, request: web.Request) -> web.StreamResponse:
        if self.private_down:
            return web.json_response({"code": "50001", "msg": "private down"}, status=503)
        ws, client = await self._serve_ws(request, self._private)
        await self._serve_frames(ws, client, self._private, private=True)
        return ws

    def _ws_request(self, client: _Client, text: str, private: bool) -> list[Json]:
        try:
            request = json.loads(text)
            op, args = request["op"], request.get("args") or []
            if not isinstance(args, list):
                raise TypeError("args")
        except (ValueError, KeyError, TypeError):
            return [_ws_error("60012", f"Illegal request: {text}", client)]
        if op == "login":
            self.private_logins += 1
            self._notify()
            if self.silent:
                return []
            return [self._login(client, args, private)]
        if op not in ("subscribe", "unsubscribe"):
            return [_ws_error("60012", f"Illegal request: {text}", client)]
        answers: list[Json] = []
        for arg in args:
            answers += self._subscription(client, op, arg, private)
        self._notify()
        return answers

    def _login(self, client: _Client, args: list[Any], private: bool) -> Json:
        if not private:
            return _ws_error("60008", "Login is not supported for public channels", client)
        try:
            arg = args[0]
            key, passphrase = arg["apiKey"], arg["passphrase"]
            stamp, sign = str(arg["timestamp"]), str(arg["sign"])
        except (IndexError, KeyError, TypeError):
            return _ws_error("60009", "Login failed.", client)
        if key != self.api_key:
            return _ws_error("60005", "Invalid OK-ACCESS-KEY", client)
        if passphrase != self.passphrase:
            return _ws_error("60024", "Wrong passphrase", client)
        try:
            skew_ms = abs(float(stamp) * 1000 - self.now_ms())
        except ValueError:
            return _ws_error("60009", "Login failed.", client)
        if skew_ms > _CLOCK_WINDOW_MS:
            return _ws_error("60006", "Timestamp request expired", client)
        if not hmac.compare_digest(sign, self._sign(stamp + "GET/users/self/verify")):
            return _ws_error("60007", "Invalid sign", client)
        client.logged_in = True
        return {"event": "login", "code": "0", "msg": "", "connId": client.conn_id}

    def _subscription(self, client: _Client, op: str, arg: Any, private: bool) -> list[Json]:
        channel = arg.get("channel") if isinstance(arg, Mapping) else None
        if private:
            valid = channel == "orders" and arg.get("instType") in ("ANY", "SPOT", "SWAP")
            key = (str(channel), str(arg.get("instType"))) if valid else None
            if valid and not client.logged_in:
                return [_ws_error("60011", "Please log in", client)]
        else:
            valid = channel in ("bbo-tbt", "tickers") and arg.get("instId") in _BY_ID
            key = (str(channel), str(arg.get("instId"))) if valid else None
        if key is None:
            return [
                _ws_error(
                    "60018",
                    f"Wrong URL or channel:{channel},instId:{arg.get('instId')} doesn't exist. "
                    "Please use the correct URL, channel and parameters referring to API "
                    "document.",
                    client,
                )
            ]
        if op == "unsubscribe":
            client.channels.discard(key)
            return [{"event": "unsubscribe", "arg": arg, "connId": client.conn_id}]
        client.channels.add(key)
        if private:
            self.private_subscriptions += 1
        else:
            self.public_subscriptions += 1
        answers: list[Json] = [{"event": "subscribe", "arg": arg, "connId": client.conn_id}]
        if not private and key[1] in self._books:  # OKX pushes the current state at once
            answers.append(self._book_push(key[0], key[1]))
        return answers

    # -- REST ---------------------------------------------------------------------------------

    async def _rest(self, request: web.Request) -> web.StreamResponse:
        raw_body = await request.text() if request.can_read_body else ""
        query = dict(parse_qsl(request.rel_url.raw_query_string, keep_blank_values=True))
        method, path = request.method, request.path
        try:
            body = json.loads(raw_body) if raw_body else None
        except ValueError:
            body = raw_body
        self.requests.append(RecordedRequest(method, path, query, body))
        self._notify()
        creates = _create_params(path, body) if method == "POST" else None
        for params in creates or []:
            self._creates[str(params.get("clOrdId", ""))] += 1
        if self.silent:
            await self._hang()
            return web.Response(status=503)
        count, retry_after = self._limited
        if count > 0:
            self._limited = (count - 1, retry_after)
            headers = {"Retry-After": str(max(1, round(retry_after)))}
            body_429 = {"msg": "Too Many Requests", "code": "50011", "data": []}
            return web.json_response(body_429, status=429, headers=headers)
        route = _ROUTES.get((method, path))
        if route is None:
            return web.json_response(
                {"code": "50000", "msg": f"fake_okx: no route {method} {path}", "data": []},
                status=404,
            )
        handler, signed = route
        try:
            if signed:
                self._check_signed(request, raw_body)
            data = handler(self, query, body)
            answer = web.json_response(_envelope(data))
        except OkxError as exc:
            answer = web.json_response(exc.body(), status=exc.status)
        held = self._polls_held
        if held is not None and path == "/api/v5/market/tickers":
            await held.wait()
        if creates is not None and self._lose is not None:  # whatever the outcome: lost
            (mode, hold_s), self._lose = self._lose, None
            if mode == "timeout":
                await self._hang(hold_s)
            elif mode == "reset":
                if request.transport is not None:
                    request.transport.abort()
                return web.Response(status=500)
            lost = {"code": "50001", "msg": "Service temporarily unavailable. Try again later"}
            return web.json_response({**lost, "data": []}, status=503)
        return answer

    def _check_signed(self, request: web.Request, raw_body: str) -> None:
        headers = request.headers
        key = headers.get("OK-ACCESS-KEY")
        if not key:
            raise OkxError(401, "50103", 'Request header "OK-ACCESS-KEY" cannot be empty.')
        if key != self.api_key:
            raise OkxError(401, "50111", "Invalid OK-ACCESS-KEY.")
        passphrase = headers.get("OK-ACCESS-PASSPHRASE")
        if not passphrase:
            raise OkxError(401, "50104", 'Request header "OK-ACCESS-PASSPHRASE" cannot be empty.')
        if passphrase != self.passphrase:
            raise OkxError(401, "50105", 'Request header "OK-ACCESS-PASSPHRASE" incorrect.')
        stamp = headers.get("OK-ACCESS-TIMESTAMP", "")
        try:
            stamp_ms = datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
        except ValueError:
            raise OkxError(401, "50112", "Invalid OK-ACCESS-TIMESTAMP.") from None
        if abs(stamp_ms.timestamp() * 1000 - self.now_ms()) > _CLOCK_WINDOW_MS:
            raise OkxError(401, "50102", "Timestamp request expired.")
        payload = stamp + request.method + request.raw_path + raw_body
        if not hmac.compare_digest(headers.get("OK-ACCESS-SIGN", ""), self._sign(payload)):
            raise OkxError(401, "50113", "Invalid Sign")

    def _sign(self, payload: str) -> str:
        digest = hmac.new(self.secret.encode(), payload.encode(), hashlib.sha256).digest()
        return base64.b64encode(digest).decode()

    # -- public endpoints ---------------------------------------------------------------------

    def _time(self, query: Mapping[str, str], body: Any) -> list[Json]:
        return [{"ts": str(self.now_ms())}]

    def _instruments(self, query: Mapping[str, str], body: Any) -> list[Json]:
        kind = query.get("instType")
        if kind not in ("SPOT", "MARGIN", "SWAP", "FUTURES", "OPTION"):
            raise OkxError(400, "51000", "Parameter instType error")
        wanted = query.get("instId")
        return [
            r.json()
            for r in INSTRUMENTS
            if r.inst_type == kind and (wanted is None or r.inst_id == wanted)
        ]

    def _tickers(self, query: Mapping[str, str], body: Any) -> list[Json]:
        kind = query.get("instType")
        return [
            self._ticker_json(inst_id)
            for inst_id in self._books
            if _BY_ID[inst_id].inst_type == kind
        ]

    def _ticker(self, query: Mapping[str, str], body: Any) -> list[Json]:
        rules = self._rules(query.get("instId"))
        return [self._ticker_json(rules.inst_id)] if rules.inst_id in self._books else []

    def _books_endpoint(self, query: Mapping[str, str], body: Any) -> list[Json]:
        rules = self._rules(query.get("instId"))
        book = self._books.get(rules.inst_id)
        if book is None:
            return [{"asks": [], "bids": [], "ts": str(self.now_ms())}]
        return [
            {
                "asks": [[_fmt(book.ask), _fmt(book.ask_qty), "0", "1"]],
                "bids": [[_fmt(book.bid), _fmt(book.bid_qty), "0", "1"]],
                "ts": str(book.ts),
            }
        ]

    def _ticker_json(self, inst_id: str) -> Json:
        book = self._books[inst_id]
        mid = _fmt((book.bid + book.ask) / 2)
        return {
            "instType": _BY_ID[inst_id].inst_type,
            "instId": inst_id,
            "last": mid,
            "lastSz": "0",
            "askPx": _fmt(book.ask),
            "askSz": _fmt(book.ask_qty),
            "bidPx": _fmt(book.bid),
            "bidSz": _fmt(book.bid_qty),
            "open24h": mid,
            "high24h": mid,
            "low24h": mid,
            "volCcy24h": "0",
            "vol24h": "0",
            "sodUtc0": mid,
            "sodUtc8": mid,
            "ts": str(book.ts),
        }

    def _rules(self, inst_id: str | None) -> Rules:
        rules = _BY_ID.get(inst_id or "")
        if rules is None:
            raise OkxError(400, "51001", "Instrument ID does not exist.")
        return rules

    # -- account endpoints --------------------------------------------------------------------

    def _currencies(self, query: Mapping[str, str], body: Any) -> list[Json]:
        """ccxt's ``load_markets`` asks for these (signed) whenever it has keys: its
        ``has['fetchCurrencies']`` is True for OKX whatever ``options['fetchCurrencies']`` says."""
        return [
            {
                "canDep": True,
                "canInternal": True,
                "canWd": True,
                "ccy": ccy,
                "chain": chain,
                "mainNet": main,
                "maxFee": fee,
                "maxWd": "10000000",
                "minFee": fee,
                "minWd": min_wd,
                "name": name,
                "wdTickSz": tick,
            }
            for ccy, chain, main, fee, min_wd, name, tick in _CURRENCIES
        ]

    def _balance(self, query: Mapping[str, str], body: Any) -> list[Json]:
        now = str(self.now_ms())
        wanted = set(query["ccy"].split(",")) if query.get("ccy") else None
        details = [
            {
                "availBal": _fmt(avail),
                "availEq": "",
                "cashBal": _fmt(avail + frozen),
                "ccy": ccy,
                "eq": _fmt(avail + frozen),
                "frozenBal": _fmt(frozen),
                "ordFrozen": _fmt(frozen),
                "upl": "0",
                "uTime": now,
            }
            for ccy, (avail, frozen) in sorted(self._balances.items())
            if wanted is None or ccy in wanted
        ]
        return [{"adjEq": "", "details": details, "totalEq": "", "uTime": now}]

    def _positions_endpoint(self, query: Mapping[str, str], body: Any) -> list[Json]:
        wanted = set(query["instId"].split(",")) if query.get("instId") else None
        out = []
        for inst_id, (pos, avg) in self._positions.items():
            if pos == 0 or (wanted is not None and inst_id not in wanted):
                continue
            book = self._books.get(inst_id)
            mark = (book.bid + book.ask) / 2 if book else avg
            ct_val = _BY_ID[inst_id].ct_val or _ZERO
            out.append(
                {
                    "instType": "SWAP",
                    "instId": inst_id,
                    "mgnMode": "cross",
                    "posSide": "net",
                    "pos": _fmt(pos),
                    "avgPx": _fmt(avg),
                    "markPx": _fmt(mark),
                    "upl": _fmt((mark - avg) * pos * ct_val),
                    "lever": "3",
                    "ccy": _BY_ID[inst_id].quote,
                    "notionalUsd": _fmt(abs(pos) * ct_val * mark),
                    "cTime": str(self.now_ms()),
                    "uTime": str(self.now_ms()),
                }
            )
        return out

    # -- trade endpoints ----------------------------------------------------------------------

    def _order_one(self, query: Mapping[str, str], body: Any) -> list[Json]:
        if not isinstance(body, Mapping):
            raise OkxError(400, "50014", "Parameter body can not be empty.")
        return self._creates_of([body])

    def _batch_orders(self, query: Mapping[str, str], body: Any) -> list[Json]:
        if not isinstance(body, list) or not body:
            raise OkxError(400, "50014", "Parameter body can not be empty.")
        if len(body) > 20:
            raise OkxError(400, "51000", "Parameter body error")
        return self._creates_of(body)

    def _creates_of(self, entries: list[Any]) -> list[Json]:
        results: list[Json] = []
        for entry in entries:
            cl_ord_id = str(entry.get("clOrdId", "")) if isinstance(entry, Mapping) else ""
            stamp = str(self.now_ms())
            try:
                if self._reject is not None:
                    (s_code, s_msg), self._reject = self._reject, None
                    raise OrderFailed(s_code, s_msg)
                if not isinstance(entry, Mapping):
                    raise _param_error("body")
                order = self._place(entry)
                results.append(
                    {"clOrdId": cl_ord_id, "ordId": order.ord_id, "tag": "", "ts": stamp}
                    | {"sCode": "0", "sMsg": "Order placed"}
                )
            except OrderFailed as exc:
                results.append(
                    {"clOrdId": cl_ord_id, "ordId": "", "tag": "", "ts": stamp}
                    | {"sCode": exc.s_code, "sMsg": exc.s_msg}
                )
        failed = sum(1 for r in results if r["sCode"] != "0")
        if failed == len(results):
            raise _BatchFailed("1", "All operations failed", results)
        if failed:
            raise _BatchFailed("2", "Batch operation partially succeeded", results)
        return results

    def _get_order(self, query: Mapping[str, str], body: Any) -> list[Json]:
        found = self._find(query)
        if found is None:
            raise OkxError(200, "51603", "Order does not exist")
        return [self._order_json(found)]

    def _cancel_order(self, query: Mapping[str, str], body: Any) -> list[Json]:
        params: Mapping[str, Any] = body if isinstance(body, Mapping) else {}
        stamp = str(self.now_ms())
        found = self._find(params)
        if found is None or not found.is_open:
            ids = {"clOrdId": params.get("clOrdId", ""), "ordId": params.get("ordId", "")}
            fail = {"sCode": "51400", "sMsg": "Order cancellation failed as the order has been "}
            fail["sMsg"] += "filled, canceled or does not exist."
            raise _BatchFailed("1", "All operations failed", [ids | fail | {"ts": stamp}])
        self._finish(found, "canceled")
        ids = {"clOrdId": found.cl_ord_id, "ordId": found.ord_id}
        return [ids | {"sCode": "0", "sMsg": "", "ts": stamp}]

    def _orders_pending(self, query: Mapping[str, str], body: Any) -> list[Json]:
        orders = [
            o
            for o in self._orders.values()
            if o.is_open
            and query.get("instType") in (None, o.rules.inst_type)
            and query.get("instId") in (None, o.rules.inst_id)
        ]
        limit = min(int(query.get("limit", 100)), 100)
        return [self._order_json(o) for o in reversed(orders)][:limit]  # newest first

    def _fills(self, query: Mapping[str, str], body: Any) -> list[Json]:
        begin, end = int(query.get("begin", 0)), int(query.get("end", 2**62))
        rows = [
            self._fill_json(o, f)
            for o in self._orders.values()
            for f in o.fills
            if query.get("instType") in (None, o.rules.inst_type)
            and query.get("instId") in (None, o.rules.inst_id)
            and begin <= f.ts <= end
        ]
        rows.sort(key=lambda r: int(r["tradeId"]), reverse=True)  # newest first
        return rows[: min(int(query.get("limit", 100)), 100)]

    def _find(self, params: Mapping[str, Any]) -> _Order | None:
        rules = self._rules(params.get("instId"))
        if params.get("ordId"):
            found = self._orders.get(str(params["ordId"]))
            return found if found is not None and found.rules is rules else None
        if params.get("clOrdId"):
            return self._by_client_id(rules.inst_id, str(params["clOrdId"]))
        raise OkxError(200, "51000", "Parameter ordId or clOrdId error")

    def _by_client_id(self, inst_id: str, cl_ord_id: str) -> _Order | None:
        for order in reversed(self._orders.values()):
            if order.rules.inst_id == inst_id and order.cl_ord_id == cl_ord_id:
                return order
        return None

    # -- the matching engine ------------------------------------------------------------------

    def _place(self, params: Mapping[str, Any]) -> _Order:
        """Validates one order as OKX does, reserves its funds, records it, matches it."""
        rules = _BY_ID.get(str(params.get("instId", "")))
        if rules is None:
            raise OrderFailed("51001", "Instrument ID does not exist.")
        side, ord_type = params.get("side"), params.get("ordType")
        if side not in ("buy", "sell"):
            raise _param_error("side")
        if ord_type not in _ORDER_TYPES:
            raise _param_error("ordType")
        td_mode = str(params.get("tdMode", ""))
        if td_mode != ("cash" if rules.inst_type == "SPOT" else "cross"):
            raise _param_error("tdMode")
        cl_ord_id = str(params.get("clOrdId", ""))
        if len(cl_ord_id) > 32 or not set(cl_ord_id) <= _CLIENT_ID_CHARS:
            raise _param_error("clOrdId")
        existing = self._by_client_id(rules.inst_id, cl_ord_id) if cl_ord_id else None
        if existing is not None and existing.is_open:
            raise OrderFailed("51016", "Duplicated clOrdId")
        sz = _positive(params.get("sz"), "sz")
        tgt_ccy = str(params.get("tgtCcy") or "base_ccy")
        if rules.inst_type == "SPOT" and tgt_ccy != "base_ccy":
            raise _param_error("tgtCcy")  # quote-sized market buys are not modelled
        lot = rules.lot
        if sz % lot != 0:
            raise OrderFailed("51121", f"Order quantity must be a multiple of the lot size {lot}.")
        if sz < rules.min_sz:
            raise OrderFailed("51020", _BELOW_MIN)
        px: Decimal | None = None
        book = self._books.get(rules.inst_id)
        if ord_type == "market":
            if sz > rules.max_mkt_sz:
                raise OrderFailed("51202", "Market order amount exceeds the maximum amount.")
            if book is None:
                raise OrderFailed("51000", "No liquidity: market order failed")
            reserve_px = book.ask if side == "buy" else book.bid
        else:
            px = _positive(params.get("px"), "px")
            if px % rules.tick != 0:
                raise _param_error("px")
            if sz > rules.max_lmt_sz:
                raise OrderFailed("51201", "Limit order amount exceeds the maximum amount.")
            reserve_px = px
        now = self.now_ms()
        order = _Order(
            rules, str(self._next_order_id), cl_ord_id, str(side), str(ord_type), px, sz,
            td_mode, tgt_ccy if rules.inst_type == "SPOT" else "", now, now,
        )  # fmt: skip
        if rules.inst_type == "SPOT":
            order.reserve_ccy = rules.quote if side == "buy" else rules.base
            order.reserved = sz * reserve_px if side == "buy" else sz
            avail, frozen = self._balances.get(order.reserve_ccy, [_ZERO, _ZERO])
            if order.reserved > avail:
                raise OrderFailed(
                    "51008", f"Order failed. Insufficient {order.reserve_ccy} balance in account."
                )
            self._balances[order.reserve_ccy] = [avail - order.reserved, frozen + order.reserved]
        self._next_order_id += 1
        self._orders[order.ord_id] = order
        self._push_order(order)
        if book is not None:
            self._take(order, book)
        if order.is_open and ord_type in ("market", "ioc", "fok", "post_only"):
            self._finish(order, "canceled")  # nothing left to take, or a post-only would take
        return order

    def _take(self, order: _Order, book: Book) -> None:
        """Fills a marketable order against the top of book as taker (a post-only never)."""
        top = book.ask if order.side == "buy" else book.bid
        marketable = order.px is None or (
            order.px >= top if order.side == "buy" else order.px <= top
        )
        if top > 0 and marketable and order.ord_type != "post_only":
            self._fill(order, order.remaining, top, maker=False)

    def _match_resting(self, rules: Rules) -> None:
        book = self._books[rules.inst_id]
        for order in [o for o in self._orders.values() if o.rules is rules and o.is_open]:
            px = order.px or _ZERO
            if (order.side == "buy" and book.ask <= px) or (
                order.side == "sell" and book.bid >= px
            ):
                self._fill(order, order.remaining, px, maker=True)

    def _fill(self, order: _Order, qty: Decimal, px: Decimal, *, maker: bool) -> None:
        """Moves the funds of one trade, charges the fee, records and pushes it."""
        rules = order.rules
        rate = self.maker_rate if maker else self.taker_rate
        if rules.inst_type == "SPOT":
            quote = qty * px
            received, fee_ccy = (qty, rules.base) if order.side == "buy" else (quote, rules.quote)
            fee = received * rate
            release = order.reserved * qty / order.remaining
            order.reserved -= release
            spent = quote if order.side == "buy" else qty
            reserve = self._balances[order.reserve_ccy]
            reserve[1] -= release
            reserve[0] += release - spent
            self._balances.setdefault(fee_ccy, [_ZERO, _ZERO])[0] += received - fee
        else:
            ct_val = rules.ct_val or _ZERO
            fee, fee_ccy = qty * ct_val * px * rate, rules.quote
            self._balances.setdefault(fee_ccy, [_ZERO, _ZERO])[0] -= fee
            self._move_position(rules.inst_id, qty if order.side == "buy" else -qty, px)
        now = self.now_ms()
        fill = _Fill(str(self._next_trade_id), px, qty, -fee, fee_ccy, "M" if maker else "T", now)
        self._next_trade_id += 1
        order.fills.append(fill)
        order.last = fill
        order.acc_fill += qty
        order.notional += qty * px
        order.fee -= fee
        order.fee_ccy = fee_ccy
        order.updated = now
        order.state = "filled" if order.remaining == 0 else "partially_filled"
        if order.state == "filled" and order.reserved:
            self._unreserve(order)
        self._push_order(order, fill)

    def _move_position(self, inst_id: str, delta: Decimal, px: Decimal) -> None:
        pos, avg = self._positions.get(inst_id, [_ZERO, _ZERO])
        new = pos + delta
        if pos == 0 or (pos > 0) != (delta > 0):
            avg = px if new != 0 and (pos == 0 or (new > 0) != (pos > 0)) else avg
        else:
            avg = (pos * avg + delta * px) / new
        self._positions[inst_id] = [new, avg]

    def _unreserve(self, order: _Order) -> None:
        reserve = self._balances[order.reserve_ccy]
        reserve[1] -= order.reserved
        reserve[0] += order.reserved
        order.reserved = _ZERO

    def _finish(self, order: _Order, state: str) -> None:
        order.state = state
        order.updated = self.now_ms()
        if order.reserved:
            self._unreserve(order)
        self._push_order(order)

    # -- shapes -------------------------------------------------------------------------------

    def _order_json(self, order: _Order, fill: _Fill | None = None, *, ws: bool = False) -> Json:
        """An order as REST shows it (last fill fields from its latest fill), or as the
        ``orders`` channel pushes it (fill fields only on the update that carries one)."""
        last = fill if ws else order.last
        avg = order.notional / order.acc_fill if order.acc_fill else None
        body: Json = {
            "accFillSz": _fmt(order.acc_fill),
            "algoClOrdId": "",
            "algoId": "",
            "attachAlgoOrds": [],
            "avgPx": _fmt(avg) if avg is not None else "",
            "cTime": str(order.created),
            "cancelSource": "1" if order.state == "canceled" else "",
            "category": "normal",
            "ccy": "",
            "clOrdId": order.cl_ord_id,
            "fee": _fmt(order.fee),
            "feeCcy": order.fee_ccy or _fee_ccy(order),
            "fillPx": _fmt(last.px) if last else "",
            "fillSz": _fmt(last.sz) if last else "0",
            "fillTime": str(last.ts) if last else "",
            "instId": order.rules.inst_id,
            "instType": order.rules.inst_type,
            "lever": "" if order.rules.inst_type == "SPOT" else "3",
            "ordId": order.ord_id,
            "ordType": order.ord_type,
            "pnl": "0",
            "posSide": "net",
            "px": _fmt(order.px) if order.px is not None else "",
            "rebate": "0",
            "rebateCcy": order.rules.quote,
            "reduceOnly": "false",
            "side": order.side,
            "slOrdPx": "",
            "slTriggerPx": "",
            "source": "",
            "state": order.state,
            "stpMode": "cancel_maker",
            "sz": _fmt(order.sz),
            "tag": "",
            "tdMode": order.td_mode,
            "tgtCcy": order.tgt_ccy,
            "tpOrdPx": "",
            "tpTriggerPx": "",
            "tradeId": last.trade_id if last else "",
            "uTime": str(order.updated),
        }
        if ws:
            body |= {
                "amendResult": "",
                "code": "0",
                "execType": last.exec_type if last else "",
                "fillFee": _fmt(last.fee) if last else "0",
                "fillFeeCcy": last.fee_ccy if last else "",
                "fillNotionalUsd": _fmt(last.px * last.sz) if last else "",
                "msg": "",
                "notionalUsd": _fmt(order.sz * (order.px or _ZERO)),
                "reqId": "",
            }
        return body

    def _fill_json(self, order: _Order, fill: _Fill) -> Json:
        return {
            "instType": order.rules.inst_type,
            "instId": order.rules.inst_id,
            "tradeId": fill.trade_id,
            "ordId": order.ord_id,
            "clOrdId": order.cl_ord_id,
            "billId": str(int(fill.trade_id) * 7),
            "subType": "1",
            "tag": "",
            "fillPx": _fmt(fill.px),
            "fillSz": _fmt(fill.sz),
            "fillIdxPx": "",
            "fillPnl": "0",
            "side": order.side,
            "posSide": "net",
            "execType": fill.exec_type,
            "feeCcy": fill.fee_ccy,
            "fee": _fmt(fill.fee),
            "ts": str(fill.ts),
            "fillTime": str(fill.ts),
        }


class _BatchFailed(OkxError):
    """Some or all orders of a request refused: HTTP 200, ``code`` 1 or 2, each order's
    ``sCode``/``sMsg`` in ``data``."""

    def __init__(self, code: str, msg: str, data: list[Json]) -> None:
        super().__init__(200, code, msg)
        self.data = data

    def body(self) -> Json:
        return {"code": self.code, "msg": self.msg, "data": self.data}


_CURRENCIES: tuple[tuple[str, str, bool, str, str, str, str], ...] = (
    ("BTC", "BTC-Bitcoin", True, "0.0001", "0.0005", "Bitcoin", "8"),
    ("ETH", "ETH-ERC20", True, "0.0012", "0.001", "Ethereum", "8"),
    ("USDT", "USDT-TRC20", False, "1.5", "2", "Tether", "6"),
    ("USDT", "USDT-ERC20", False, "5", "2", "Tether", "6"),
)


def _envelope(data: list[Json]) -> Json:
    return {"code": "0", "msg": "", "data": data}


def _ws_error(code: str, msg: str, client: _Client) -> Json:
    return {"event": "error", "code": code, "msg": msg, "connId": client.conn_id}


def _positive(value: Any, name: str) -> Decimal:
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise _param_error(name) from None
    if not number.is_finite() or number <= 0:
        raise _param_error(name)
    return number


def _fee_ccy(order: _Order) -> str:
    rules = order.rules
    if rules.inst_type != "SPOT":
        return rules.quote
    return rules.base if order.side == "buy" else rules.quote


def _create_params(path: str, body: Any) -> list[Mapping[str, Any]] | None:
    """The orders a POST places (None if it places none)."""
    if path == "/api/v5/trade/order":
        return [body] if isinstance(body, Mapping) else []
    if path == "/api/v5/trade/batch-orders":
        return [e for e in body if isinstance(e, Mapping)] if isinstance(body, list) else []
    return None


_Handler = Callable[[FakeOkx, Mapping[str, str], Any], list[Json]]
_ROUTES: dict[tuple[str, str], tuple[_Handler, bool]] = {
    ("GET", "/api/v5/public/time"): (FakeOkx._time, False),
    ("GET", "/api/v5/public/instruments"): (FakeOkx._instruments, False),
    ("GET", "/api/v5/market/tickers"): (FakeOkx._tickers, False),
    ("GET", "/api/v5/market/ticker"): (FakeOkx._ticker, False),
    ("GET", "/api/v5/market/books"): (FakeOkx._books_endpoint, False),
    ("GET", "/api/v5/asset/currencies"): (FakeOkx._currencies, True),
    ("GET", "/api/v5/account/balance"): (FakeOkx._balance, True),
    ("GET", "/api/v5/account/positions"): (FakeOkx._positions_endpoint, True),
    ("POST", "/api/v5/trade/order"): (FakeOkx._order_one, True),
    ("POST", "/api/v5/trade/batch-orders"): (FakeOkx._batch_orders, True),
    ("GET", "/api/v5/trade/order"): (FakeOkx._get_order, True),
    ("POST", "/api/v5/trade/cancel-order"): (FakeOkx._cancel_order, True),
    ("GET", "/api/v5/trade/orders-pending"): (FakeOkx._orders_pending, True),
    ("GET", "/api/v5/trade/fills"): (FakeOkx._fills, True),
    ("GET", "/api/v5/trade/fills-history"): (FakeOkx._fills, True),
}
