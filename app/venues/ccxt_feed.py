"""Live quotes from ccxt pro streams, one stream per venue, with REST polling while it is down.

Every update is taken from ccxt's ticker cache as it is stored (``ccxt_exchange._TapDict``), not
from what a ``watch_*`` call returns (a sample under load), and de-duplicated by the exchange's
update id, so a message re-sent after a reconnect, or a poll that returns what the stream
already gave, is processed once.

The stream loops are offered to the engine's supervisor (``streams``): each one reconnects
itself with exponential backoff and jitter (ccxt redials only when ``watch_*`` is called again)
and reports CONNECTED, DOWN; anything else it raises is the supervisor's to restart.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Coroutine, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from app.core.backoff import Backoff
from app.core.clock import Clock, WallClock
from app.core.events import VenueState
from app.core.instruments import Instrument
from app.core.quotes import Quote
from app.venues.base import QuoteSink, StatusSink, StreamFactory
from app.venues.ccxt_errors import Operation, classify
from app.venues.ccxt_exchange import begin_call, close_exchange, last_call
from app.venues.errors import RateLimited, VenueBanned

log = logging.getLogger(__name__)

STREAM_BACKOFF = Backoff(0.5, max_s=30.0, jitter=0.5)
_UPDATE_ID_KEYS = ("u", "seqId", "seq", "updateId", "lastUpdateId")


@dataclass
class FeedSource:
    """One venue's quotes: its ccxt exchange, the instruments it streams, and how."""

    venue: str
    exchange: Any
    instruments: Sequence[Instrument]
    method: str = "watchBidsAsks"  # or watchTickers, watchOrderBook
    owns_exchange: bool = True  # False: a live venue shares it and closes it
    funding: dict[str, float] = field(default_factory=dict)

    @property
    def symbols(self) -> list[str]:
        return [inst.symbol for inst in self.instruments]


def best_method(exchange: Any) -> str:
    """The cheapest stream of best bid/ask the exchange has."""
    has = exchange.has
    for method in ("watchBidsAsks", "watchTickers", "watchOrderBook"):
        if has.get(method):
            return method
    raise ValueError(f"{exchange.id} has no quote stream in ccxt")


def update_id(ticker: Mapping[str, Any]) -> int | None:
    info = ticker.get("info")
    if isinstance(info, Mapping):
        for key in _UPDATE_ID_KEYS:
            value = info.get(key)
            if value is not None:
                try:
                    return int(value)
                except (TypeError, ValueError):
                    return None
    return None


class _Dedup:
    """The last update id, exchange time and top of book per symbol of one venue. An update is
    new when it changes the top of book and is not older than the last one: by its update id
    where the exchange numbers them, else by its exchange time (OKX's tickers have no id, and
    one re-sent after a newer one must not roll the quote back). A poll has neither, and the
    stream's next message may repeat what the poll gave: the unchanged top of book drops it."""

    def __init__(self) -> None:
        self.last_id: dict[str, int] = {}
        self.last_ts: dict[str, int] = {}
        self.last_book: dict[str, tuple[float, float, float, float]] = {}
        self.duplicates = 0

    def fresh(
        self,
        symbol: str,
        uid: int | None,
        book: tuple[float, float, float, float],
        ts: int = 0,
    ) -> bool:
        if uid is not None:
            last = self.last_id.get(symbol)
            if last is not None and uid <= last:
                self.duplicates += 1
                return False
            self.last_id[symbol] = uid
        elif ts and ts < self.last_ts.get(symbol, 0):
            self.duplicates += 1
            return False
        if ts:  # numbered ones too: a poll answered after a newer streamed update is older
            self.last_ts[symbol] = max(ts, self.last_ts.get(symbol, 0))
        if self.last_book.get(symbol) == book:
            self.duplicates += 1
            return False
        self.last_book[symbol] = book
        return True


class CcxtFeed:
    """A ``MarketFeed`` over ccxt pro: one stream per venue, polled over REST while down."""

    def __init__(
        self,
        sources: Sequence[FeedSource],
        *,
        clock: Clock | None = None,
        stale_after_s: float = 5.0,
        poll_interval_s: float = 1.0,
        funding_interval_s: float = 300.0,
        backoff: Backoff = STREAM_BACKOFF,
    ) -> None:
        self._sources = {s.venue: s for s in sources}
        self._clock = clock or WallClock()
        self._stale_after_s = stale_after_s
        self._poll_interval_s = poll_interval_s
        self._funding_interval_s = funding_interval_s
        self._backoff = backoff
        self._dedup = {s.venue: _Dedup() for s in sources}
        self._last_message = {s.venue: 0.0 for s in sources}
        self._stream_up = {s.venue: False for s in sources}
        self._closed = asyncio.Event()
        self.reconnects: dict[str, int] = {s.venue: 0 for s in sources}
        self.polled: dict[str, int] = {s.venue: 0 for s in sources}

    @property
    def clock(self) -> Clock:
        return self._clock

    def instruments(self) -> Sequence[Instrument]:
        return [inst for s in self._sources.values() for inst in s.instruments]

    def venues(self) -> Sequence[str]:
        return list(self._sources)

    def funding_rate(self, venue: str, symbol: str) -> float | None:
        source = self._sources.get(venue)
        return None if source is None else source.funding.get(symbol)

    def duplicates(self, venue: str) -> int:
        return self._dedup[venue].duplicates

    def streams(self, sink: QuoteSink, status: StatusSink) -> dict[str, StreamFactory]:
        """Named long-lived loops for the engine's supervisor: per venue its stream, its REST
        poll (active only while the stream is down or silent) and its funding rates."""
        out: dict[str, StreamFactory] = {}
        for venue, source in self._sources.items():
            self._install_tap(source, sink)
            out[f"quotes:{venue}"] = _bind(self._stream, source, status)
            out[f"poll:{venue}"] = _bind(self._poll, source, sink, status)
            if any(inst.kind.value != "spot" for inst in source.instruments):
                out[f"funding:{venue}"] = _bind(self._poll_funding, source)
        return out

    async def run(self, sink: QuoteSink, status: StatusSink) -> None:
        """Every stream at once, each restarted after a failure, until ``close`` (for users
        without a supervisor, such as ``arbdesk record``)."""

        async def forever(name: str, factory: StreamFactory) -> None:
            delays = self._backoff.delays()
            while not self._closed.is_set():
                try:
                    await factory()
                except asyncio.CancelledError:
                    raise
                except Exception:
                    log.exception("feed task %s failed; restarting", name)
                    await asyncio.sleep(next(delays))

        tasks = [
            asyncio.create_task(forever(name, factory), name=name)
            for name, factory in self.streams(sink, status).items()
        ]
        try:
            await self._closed.wait()
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    async def close(self) -> None:
        self._closed.set()
        await asyncio.gather(
            *(close_exchange(s.exchange) for s in self._sources.values() if s.owns_exchange)
        )

    # -- inside ------------------------------------------------------------------------------

    def _install_tap(self, source: FeedSource, sink: QuoteSink) -> None:
        venue = source.venue
        wanted = set(source.symbols)
        dedup = self._dedup[venue]
        clock = self._clock

        def tap(symbol: str, ticker: Mapping[str, Any]) -> None:
            if symbol not in wanted:
                return
            self._last_message[venue] = time.monotonic()
            self._emit(venue, symbol, ticker, dedup, sink, clock)

        source.exchange.quote_tap = tap

    @staticmethod
    def _emit(
        venue: str,
        symbol: str,
        ticker: Mapping[str, Any],
        dedup: _Dedup,
        sink: QuoteSink,
        clock: Clock,
    ) -> None:
        bid, ask = ticker.get("bid"), ticker.get("ask")
        if not bid or not ask:
            return
        bid_qty, ask_qty = ticker.get("bidVolume") or 0, ticker.get("askVolume") or 0
        book = (float(bid), float(bid_qty), float(ask), float(ask_qty))
        stamp = ticker.get("timestamp")
        stamp_ms = int(stamp) if isinstance(stamp, int | float) else 0
        if not dedup.fresh(symbol, update_id(ticker), book, stamp_ms):
            return
        exchange_ns = stamp_ms * 1_000_000
        sink(Quote(venue, symbol, book[0], book[1], book[2], book[3], clock.now_ns(), exchange_ns))

    async def _stream(self, source: FeedSource, status: StatusSink) -> None:
        venue, exchange = source.venue, source.exchange
        symbols = source.symbols
        delays = self._backoff.delays()
        status(venue, VenueState.CONNECTING, "")
        while not self._closed.is_set():
            try:
                if source.method == "watchOrderBook":
                    book = await exchange.watch_order_book_for_symbols(symbols)
                    self._book_to_ticker(exchange, book)
                elif source.method == "watchTickers":
                    await exchange.watch_tickers(symbols)
                else:
                    await exchange.watch_bids_asks(symbols)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                if self._closed.is_set():
                    return
                if not _is_network(exc):
                    raise
                self._stream_up[venue] = False
                self.reconnects[venue] += 1
                delay = next(delays)
                status(venue, VenueState.DOWN, f"stream lost ({_short(exc)}); REST polling")
                log.warning("%s stream lost: %s; again in %.2f s", venue, _short(exc), delay)
                await asyncio.sleep(delay)
                continue
            if not self._stream_up[venue]:
                self._stream_up[venue] = True
                self._last_message[venue] = time.monotonic()
                delays = self._backoff.delays()
                status(venue, VenueState.CONNECTED, "")

    @staticmethod
    def _book_to_ticker(exchange: Any, book: Mapping[str, Any]) -> None:
        """An order book's top as a ticker in the tapped cache (exchanges with no ticker
        stream); its nonce, where it has one, is the update id."""
        bids, asks = book.get("bids") or [], book.get("asks") or []
        if not bids or not asks:
            return
        symbol = book.get("symbol")
        exchange.bidsasks[symbol] = {
            "symbol": symbol,
            "bid": bids[0][0],
            "bidVolume": bids[0][1],
            "ask": asks[0][0],
            "askVolume": asks[0][1],
            "timestamp": book.get("timestamp"),
            "info": {"u": book.get("nonce")} if book.get("nonce") is not None else {},
        }

    async def _poll(self, source: FeedSource, sink: QuoteSink, status: StatusSink) -> None:
        """REST quotes while the stream is down or silent past its limit."""
        venue, exchange = source.venue, source.exchange
        dedup = self._dedup[venue]
        while not self._closed.is_set():
            await asyncio.sleep(self._poll_interval_s)
            silent = time.monotonic() - self._last_message[venue] > self._stale_after_s
            if self._stream_up[venue] and not silent:
                continue
            limits = getattr(exchange, "rest_limits", None)
            if limits is not None and limits.wait_s() > 0:
                continue  # a 429 or a ban: polling now would only lengthen it
            begin_call()
            try:
                tickers = await self._fetch_quotes(exchange, source.symbols)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                if not _is_network(exc) and not _is_exchange_error(exc):
                    raise
                trace = last_call()
                error = classify(
                    exc, Operation.READ, retry_after_s=trace.retry_after_s, status=trace.status
                )
                if isinstance(error, RateLimited) and limits is not None:
                    limits.block(error.retry_after_s, banned=isinstance(error, VenueBanned))
                log.info("%s REST poll failed: %s", venue, _short(exc))
                continue
            self.polled[venue] += 1
            for symbol, ticker in tickers.items():
                if symbol in source.symbols:
                    self._emit(venue, symbol, ticker, dedup, sink, self._clock)

    @staticmethod
    async def _fetch_quotes(exchange: Any, symbols: list[str]) -> Mapping[str, Any]:
        has = exchange.has
        if has.get("fetchBidsAsks"):
            result: Mapping[str, Any] = await exchange.fetch_bids_asks(symbols)
            return result
        if has.get("fetchTickers"):
            result = await exchange.fetch_tickers(symbols)
            return result
        out = {}
        for symbol in symbols:
            out[symbol] = await exchange.fetch_ticker(symbol)
        return out

    async def _poll_funding(self, source: FeedSource) -> None:
        exchange = source.exchange
        swaps = [i.symbol for i in source.instruments if i.kind.value != "spot"]
        while not self._closed.is_set():
            try:
                if exchange.has.get("fetchFundingRates"):
                    rates = await exchange.fetch_funding_rates(swaps)
                    for symbol, rate in rates.items():
                        if rate.get("fundingRate") is not None:
                            source.funding[symbol] = float(rate["fundingRate"])
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.info("%s funding rates not read: %s", source.venue, _short(exc))
            await asyncio.sleep(self._funding_interval_s)


def _bind(fn: Callable[..., Coroutine[Any, Any, None]], *args: Any) -> StreamFactory:
    def factory() -> Coroutine[Any, Any, None]:
        return fn(*args)

    return factory


def _is_network(exc: BaseException) -> bool:
    from ccxt.base.errors import NetworkError

    return isinstance(exc, NetworkError | OSError | TimeoutError)


def _is_exchange_error(exc: BaseException) -> bool:
    from ccxt.base.errors import BaseError

    return isinstance(exc, BaseError)


def _short(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return text[:200]
