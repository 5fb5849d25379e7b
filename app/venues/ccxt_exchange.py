"""A ccxt pro exchange made for one account: keys, sandbox, URL overrides, timeouts, and what
each REST call leaves behind for the error classifier.

ccxt shares ``last_response_headers`` between concurrent calls, so the status and the
``Retry-After`` of *this* call are kept in a context variable set by ``on_rest_response``: a call
runs in its caller's task, and the caller reads them after the exception, in the same task.
Whether the call had left ccxt's throttle queue is kept the same way: a timeout while still
queued means the request was never sent.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from app.core.secrets import KeyMaterial

log = logging.getLogger(__name__)

CLOSE_TIMEOUT_S = 2.5
_MARKET_TYPES = {"spot": {"spot"}, "swap": {"swap", "linear", "inverse"}}


class NoSandbox(ValueError):
    """The exchange has no sandbox, testnet or demo that ccxt can use."""


@dataclass(frozen=True, slots=True)
class CallTrace:
    """What the last REST call of the current task left: sent at all, its status, Retry-After."""

    sent: bool = False
    status: int | None = None
    retry_after_s: float | None = None


_NOTHING = CallTrace()
_trace: contextvars.ContextVar[CallTrace] = contextvars.ContextVar("ccxt_call", default=_NOTHING)


def begin_call() -> None:
    """Mark the start of a call in this task (nothing sent yet)."""
    _trace.set(CallTrace())


def last_call() -> CallTrace:
    return _trace.get()


@dataclass(slots=True)
class RestLimits:
    """When this exchange's REST API may be called again: a 429's Retry-After, or a 418's ban
    (every call refused until it ends). Kept on the exchange, so that the venue's orders and
    the feed's polling, which share it, both respect it (a call during a ban lengthens it)."""

    blocked_until: float = 0.0  # time.monotonic()
    banned: bool = False

    def wait_s(self) -> float:
        wait = self.blocked_until - time.monotonic()
        if wait <= 0:
            self.banned = False
            return 0.0
        return wait

    def block(self, seconds: float, *, banned: bool) -> None:
        self.blocked_until = max(self.blocked_until, time.monotonic() + seconds)
        self.banned = self.banned or banned


@dataclass(frozen=True, slots=True)
class ExchangeConfig:
    exchange_id: str
    market_type: str = "spot"
    sandbox: bool = False
    rest_url: str = ""
    ws_url: str = ""
    timeout_s: float = 8.0
    rate_limit: bool = True


def make_exchange(config: ExchangeConfig, keys: KeyMaterial | None = None) -> Any:
    """A ``ccxt.pro`` instance of ``config.exchange_id`` (``ValueError`` if ccxt does not know
    it, ``NoSandbox`` for a sandbox it does not have), its URLs overridden where asked."""
    import ccxt.pro as ccxtpro

    base = getattr(ccxtpro, config.exchange_id, None)
    if base is None or config.exchange_id not in ccxtpro.exchanges:
        raise ValueError(f"ccxt has no streaming client for the exchange {config.exchange_id!r}")
    cls = _traced_class(base)
    options: dict[str, Any] = {"fetchCurrencies": False, "fetchMargins": False}
    exchange = cls(
        {
            **(keys.ccxt_config() if keys is not None else {}),
            "enableRateLimit": config.rate_limit,
            "timeout": int(config.timeout_s * 1000),
            "options": options,
        }
    )
    exchange.rest_limits = RestLimits()
    _limit_market_types(exchange, config.market_type)
    if config.sandbox:
        if not exchange.urls.get("test"):
            raise NoSandbox(
                f"{exchange.name} has no sandbox, testnet or demo that ccxt can use: turn "
                "'sandbox' off for this account, or point it at a test URL in settings"
            )
        exchange.set_sandbox_mode(True)
    if config.rest_url or config.ws_url:
        exchange.urls["api"] = override_urls(exchange.urls["api"], config.rest_url, config.ws_url)
    return exchange


def _limit_market_types(exchange: Any, market_type: str) -> None:
    """Load only the markets of the account's type (Binance's futures endpoints answer slowly,
    and a loopback fake or a regional endpoint may have only the spot API)."""
    wanted = _MARKET_TYPES.get(market_type, {market_type})
    fetch = exchange.options.get("fetchMarkets")
    if isinstance(fetch, dict) and isinstance(fetch.get("types"), list):
        types = [t for t in fetch["types"] if t in wanted] or list(fetch["types"])
        exchange.options["fetchMarkets"] = {**fetch, "types": types}
    exchange.options["defaultType"] = market_type


def override_urls(urls: Any, rest: str, ws: str, *, in_ws: bool = False) -> Any:
    """Every URL under ``urls`` with its scheme, host and port replaced by ``rest`` (or ``ws``
    inside the ``ws`` subtree), its path kept; an empty base leaves those URLs alone."""
    if isinstance(urls, Mapping):
        return {
            key: override_urls(value, rest, ws, in_ws=in_ws or key == "ws")
            for key, value in urls.items()
        }
    if isinstance(urls, list):
        return [override_urls(value, rest, ws, in_ws=in_ws) for value in urls]
    base = ws if in_ws else rest
    if not isinstance(urls, str) or not base or "://" not in urls:
        return urls
    parts, target = urlsplit(urls), urlsplit(base)
    path = target.path.rstrip("/") + parts.path
    return urlunsplit((target.scheme, target.netloc, path, parts.query, parts.fragment))


_classes: dict[Any, type] = {}


def _traced_class(base: Any) -> type:
    """``base`` with the two hooks that fill ``CallTrace`` (one subclass per exchange class)."""
    if base in _classes:
        return _classes[base]

    async def fetch(
        self: Any, url: Any, method: Any = "GET", headers: Any = None, body: Any = None
    ) -> Any:
        # here the request leaves ccxt's throttle queue for the wire (ccxt skips ``throttle``
        # altogether without ``enableRateLimit``: it cannot be the mark)
        _trace.set(CallTrace(sent=True))
        return await base.fetch(self, url, method, headers, body)

    def on_rest_response(
        self: Any,
        code: Any,
        reason: Any,
        url: Any,
        method: Any,
        headers: Any,
        body: Any,
        request_headers: Any,
        request_body: Any,
    ) -> Any:
        status = int(code) if isinstance(code, int) else None
        _trace.set(CallTrace(True, status, _retry_after(headers)))
        return base.on_rest_response(
            self, code, reason, url, method, headers, body, request_headers, request_body
        )

    cls = type(
        f"ArbDesk{base.__name__}",
        (base,),
        {
            "fetch": fetch,
            "on_rest_response": on_rest_response,
            "quote_tap": None,
            "order_tap": None,
            "trade_tap": None,
            "tickers": _tapped("tickers"),
            "bidsasks": _tapped("bidsasks"),
            "orders": _tapped_cache("orders", "order_tap"),
            "myTrades": _tapped_cache("myTrades", "trade_tap"),
        },
    )
    _classes[base] = cls
    return cls


QuoteTap = Callable[[str, Mapping[str, Any]], None]


class _TapDict(dict[str, Any]):
    """ccxt's ticker cache that also hands every entry it stores to the exchange's
    ``quote_tap``: a ``watch_*`` call resolves on only a sample of the messages under load
    (1.4 % of 5,000 bookTicker messages/s), the cache sees every one."""

    __slots__ = ("_owner",)

    def __init__(self, owner: Any, initial: Mapping[str, Any]) -> None:
        super().__init__(initial)
        self._owner = owner

    def __setitem__(self, symbol: str, ticker: Any) -> None:
        super().__setitem__(symbol, ticker)
        tap = self._owner.quote_tap
        if tap is not None:
            tap(symbol, ticker)


def _tapped(attr: str) -> property:
    """A cache attribute that stays a ``_TapDict`` whatever ccxt assigns to it (it resets its
    caches with fresh dicts, e.g. in ``clean_ws_data``)."""
    slot = f"_arbdesk_{attr}"

    def get(self: Any) -> Any:
        return self.__dict__.get(slot)

    def set_(self: Any, value: Any) -> None:
        self.__dict__[slot] = None if value is None else _TapDict(self, value)

    return property(get, set_)


def _tapped_cache(attr: str, tap_name: str) -> property:
    """ccxt's cache of private updates (``orders``, ``myTrades``) whose every ``append`` is also
    handed to the exchange's tap: a ``watch_*`` call sees only what arrives after it was called,
    so an update landing between two calls would wait for the next message."""
    slot = f"_arbdesk_{attr}"

    def get(self: Any) -> Any:
        return self.__dict__.get(slot)

    def set_(self: Any, cache: Any) -> None:
        if cache is not None:
            original = cache.append
            owner = self

            def append(item: Any) -> None:
                original(item)
                tap = getattr(owner, tap_name)
                if tap is not None:
                    tap(item)

            cache.append = append
        self.__dict__[slot] = cache

    return property(get, set_)


def _retry_after(headers: Any) -> float | None:
    if not isinstance(headers, Mapping):
        return None
    for name, value in headers.items():
        if str(name).lower() == "retry-after":
            try:
                return max(0.0, float(value))
            except (TypeError, ValueError):
                return None
    return None


async def close_exchange(exchange: Any, timeout_s: float = CLOSE_TIMEOUT_S) -> None:
    """Close ``exchange`` within ``timeout_s`` whatever its sockets do (DESIGN.md pitfalls)."""
    try:
        await asyncio.wait_for(exchange.close(), timeout_s)
    except (TimeoutError, Exception):
        log.warning("%s did not close within %.1f s", getattr(exchange, "id", "?"), timeout_s)
        with contextlib.suppress(Exception):
            session = getattr(exchange, "session", None)
            if session is not None and not session.closed:
                await asyncio.wait_for(session.close(), 0.5)
