"""Real exchange WebSocket messages, unmodified, through an unmodified ccxt.pro handler into the
product's quote tap: the fake Binance only speaks what we think the exchanges say, these are what
they said (recorded by cryptofeed; slices and sources in tests/data/README.md).

Each message goes in as the aiohttp frame ccxt's ``Client.receive_loop`` hands to
``Client.handle_message`` (which decodes it and calls the exchange's ``handle_message``), on a
client for the recorded URL of an exchange made by ``make_exchange`` with markets set offline.
``CcxtFeed.streams`` only installs the tap here: no stream loop runs, nothing touches a network.

What each recorded session can test with ccxt 4.5.90:

- Binance spot, 2021-10-12 (combined stream): ``bookTicker`` is stored in ``bidsasks`` (tested:
  quotes, their values and order, a replayed session dropped by update id ``u``). ``depth@100ms``
  reaches only ``orderbooks``, ``kline_1m`` and ``aggTrade`` other caches: tested as no quote.
- OKX v5, 2022-05-13: ``tickers`` is stored twice, in ``bidsasks`` and ``tickers`` (tested: one
  quote per new top of book, with the exchange's ``ts``). OKX tickers carry no update id: a
  repeat is dropped as an unchanged top of book, an older one by its ``ts``; most recorded
  tickers (21 of 28) repeat the book with a new last trade. ``books`` reaches only
  ``orderbooks``, ``trades`` the trade cache: no quote. No ``bbo-tbt`` or ``books5`` was recorded.
- Bybit, 2021-04-17: the retired v2 ``/realtime`` format (``orderBookL2_25``, ``trade``), which
  ccxt's v5 handlers do not parse into any ticker (it routes ``orderBookL2_25`` to its private
  order handler by a substring match). No quote can be tested; silence is.
- Kraken, 2021-04-17: only ``book-1000`` (no ticker was recorded), as v1 array messages, which
  ccxt 4.5.90 (speaking v2, dict messages with a ``channel``) ignores. Silence is tested.
"""

from __future__ import annotations

import functools
import gzip
import json
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from app.core.quotes import Quote
from app.venues.ccxt_exchange import ExchangeConfig, make_exchange
from app.venues.ccxt_feed import CcxtFeed, FeedSource, best_method
from app.venues.ccxt_instruments import instruments_from_markets

DATA = Path(__file__).parents[1] / "data"
WS = DATA / "ws"

Book = tuple[str, float, float, float, float]  # symbol, bid, bid size, ask, ask size
Markets = Callable[[Any], list[dict[str, Any]]]  # the exchange -> its market dicts


@dataclass(frozen=True, slots=True)
class Session:
    """A recorded session: the URL it connected to and the text of every message received."""

    url: str
    received: tuple[str, ...]


def session(name: str) -> Session:
    """Read a cryptofeed capture: ``URL <-> ts``, then ``ts: json`` (received) or
    ``URL <- ts: json`` (sent, skipped)."""
    lines = gzip.decompress((WS / name).read_bytes()).decode().splitlines()
    received = []
    for line in lines[1:]:
        head, _, body = line.partition(": ")
        if body and " <- " not in head:
            received.append(body)
    return Session(lines[0].split(" <-> ")[0], tuple(received))


@dataclass
class Rig:
    """One exchange with the feed's tap installed, and a ccxt client to push frames into."""

    exchange: Any
    feed: CcxtFeed
    client: Any
    quotes: list[Quote]

    def push(self, text: str) -> list[Quote]:
        """Hand ``text`` to ccxt as a received text frame; the quotes it produced."""
        before = len(self.quotes)
        self.client.handle_message(aiohttp.WSMessage(aiohttp.WSMsgType.TEXT, text, None))
        return self.quotes[before:]

    def symbol_of(self, market_id: str) -> str:
        [symbol] = [m["symbol"] for m in self.exchange.markets.values() if m["id"] == market_id]
        return str(symbol)


@asynccontextmanager
async def rig(exchange_id: str, markets: Markets, url: str) -> AsyncIterator[Rig]:
    exchange = make_exchange(ExchangeConfig(exchange_id))
    exchange.set_markets(markets(exchange))
    instruments = instruments_from_markets(exchange_id, exchange.markets, exchange.precisionMode)
    assert len(instruments) == len(exchange.markets)
    feed = CcxtFeed([FeedSource(exchange_id, exchange, instruments, best_method(exchange))])
    quotes: list[Quote] = []
    feed.streams(quotes.append, lambda _venue, _state, _detail: None)  # installs the tap only
    try:
        yield Rig(exchange, feed, exchange.client(url), quotes)
    finally:
        await feed.close()


# -- markets, offline ----------------------------------------------------------------------------


@functools.cache
def binance_symbols(exchange_ids: frozenset[str]) -> str:
    """The recorded symbols' entries of the real exchangeInfo of the same day, as JSON (parsed
    once: the whole file is 1,695 symbols)."""
    raw = json.loads(
        gzip.decompress((DATA / "binance-exchangeinfo-2021-10-12.json.gz").read_bytes())
    )
    return json.dumps([s for s in raw["symbols"] if s["symbol"] in exchange_ids])


def binance_markets(exchange: Any) -> list[dict[str, Any]]:
    """The recorded symbols through ccxt's own parser, with the margin pair lists, which
    ``fetch_markets`` fetches first, left empty."""
    exchange.options["crossMarginPairsData"] = []
    exchange.options["isolatedMarginPairsData"] = []
    markets: list[dict[str, Any]] = exchange.parse_markets(
        json.loads(binance_symbols(frozenset(BINANCE_IDS)))
    )
    return markets


def okx_markets(exchange: Any) -> list[dict[str, Any]]:
    """The three recorded instruments through ccxt's ``parse_market``, from the fields of OKX's
    ``/api/v5/public/instruments`` it reads: ids and types as recorded, contract values (100 and
    10 USD) and expiry (08:00 UTC) per OKX's contract specifications; the increments are
    placeholders that only let the feed keep them as instruments."""
    raw = [
        {"instId": "BTC-USDT", "instType": "SPOT", "baseCcy": "BTC", "quoteCcy": "USDT",
         "tickSz": "0.1", "lotSz": "0.00000001", "minSz": "0.00001", "state": "live"},
        {"instId": "UNI-USD-SWAP", "instType": "SWAP", "uly": "UNI-USD", "settleCcy": "UNI",
         "ctVal": "10", "ctValCcy": "USD", "tickSz": "0.001", "lotSz": "1", "minSz": "1",
         "state": "live"},
        {"instId": "BTC-USD-220527", "instType": "FUTURES", "uly": "BTC-USD", "settleCcy": "BTC",
         "ctVal": "100", "ctValCcy": "USD", "expTime": "1653638400000", "tickSz": "0.1",
         "lotSz": "1", "minSz": "1", "state": "live"},
    ]  # fmt: skip
    markets: list[dict[str, Any]] = exchange.parse_markets(raw)
    return markets


def unified_market(
    market_id: str, base: str, quote: str, settle: str | None = None
) -> dict[str, Any]:
    """A ccxt unified market for a session ccxt cannot parse (Bybit v2, Kraken v1): only there
    so that the feed wants the recorded symbols; the increments are placeholders."""
    symbol = f"{base}/{quote}" + (f":{settle}" if settle else "")
    return {
        "id": market_id,
        "symbol": symbol,
        "base": base,
        "quote": quote,
        "settle": settle,
        "baseId": base,
        "quoteId": quote,
        "settleId": settle,
        "type": "swap" if settle else "spot",
        "spot": settle is None,
        "swap": settle is not None,
        "contract": settle is not None,
        "inverse": True if settle else None,
        "linear": False if settle else None,
        "contractSize": 1,
        "active": True,
        "precision": {"price": 0.0001, "amount": 1},
        "limits": {},
        "info": {},
    }


# -- what the raw JSON says ----------------------------------------------------------------------


def binance_top(message: dict[str, Any]) -> tuple[str, int, float, float, float, float] | None:
    """A ``bookTicker`` message's market id, update id, bid, bid size, ask, ask size."""
    if not message["stream"].endswith("@bookTicker"):
        return None
    d = message["data"]
    return d["s"], d["u"], float(d["b"]), float(d["B"]), float(d["a"]), float(d["A"])


def okx_top(message: dict[str, Any]) -> tuple[str, int, float, float, float, float] | None:
    """A ``tickers`` message's instrument id, ``ts``, bid, bid size, ask, ask size."""
    if message.get("arg", {}).get("channel") != "tickers" or "data" not in message:
        return None
    [d] = message["data"]
    return (
        d["instId"],
        int(d["ts"]),
        float(d["bidPx"]),
        float(d["bidSz"]),
        float(d["askPx"]),
        float(d["askSz"]),
    )


def books(quotes: list[Quote]) -> list[Book]:
    return [(q.symbol, q.bid, q.bid_qty, q.ask, q.ask_qty) for q in quotes]


def bookticker_messages(recorded: Session) -> Iterator[tuple[str, dict[str, Any]]]:
    for text in recorded.received:
        message = json.loads(text)
        if binance_top(message) is not None:
            yield text, message


# -- Binance -------------------------------------------------------------------------------------

BINANCE = session("BINANCE.ws.1.0.gz")
BINANCE_IDS = {"NKNUSDT", "BLZETH", "LRCBTC", "RUNEEUR"}


async def test_binance_every_new_book_ticker_is_one_quote_with_its_values_in_order() -> None:
    async with rig("binance", binance_markets, BINANCE.url) as r:
        last: dict[str, Book] = {}
        tops = 0
        for text in BINANCE.received:
            message = json.loads(text)
            top = binance_top(message)
            expected: list[Book] = []
            if top is not None:
                tops += 1
                book = (r.symbol_of(top[0]), *top[2:])
                if last.get(book[0]) != book:
                    expected = [book]
                last[book[0]] = book
            produced = r.push(text)
            assert books(produced) == expected, message["stream"]
            # spot bookTicker carries no event time: the quote says so rather than guess
            assert all(q.venue == "binance" and q.exchange_ns == 0 for q in produced)
        assert tops == 84
        assert len(r.quotes) == 84  # no recorded bookTicker repeats the book before it
        assert {q.symbol for q in r.quotes} == {"NKN/USDT", "LRC/BTC", "BLZ/ETH"}


async def test_binance_a_session_replayed_after_a_reconnect_gives_no_quote() -> None:
    """Re-sent messages carry their old update id ``u``; many of them also differ from the
    latest book, so only the id can drop them."""
    async with rig("binance", binance_markets, BINANCE.url) as r:
        for text in BINANCE.received:
            r.push(text)
        first_pass = list(r.quotes)
        latest = {q.symbol: (q.symbol, q.bid, q.bid_qty, q.ask, q.ask_qty) for q in first_pass}
        stale = 0
        for text, message in bookticker_messages(BINANCE):
            top = binance_top(message)
            assert top is not None
            stale += (r.symbol_of(top[0]), *top[2:]) != latest[r.symbol_of(top[0])]
            assert r.push(text) == []
            assert r.push(text) == []  # and again, straight after itself
        assert stale > 70
        assert r.quotes == first_pass
        assert r.feed.duplicates("binance") == 2 * 84


# -- OKX -----------------------------------------------------------------------------------------

OKX = session("OKX.ws.1.0.slice.gz")


async def test_okx_every_ticker_with_a_new_top_of_book_is_one_quote_in_order() -> None:
    async with rig("okx", okx_markets, OKX.url) as r:
        last: dict[str, Book] = {}
        tickers = 0
        for text in OKX.received:
            message = json.loads(text)
            top = okx_top(message)
            expected: list[Book] = []
            if top is not None:
                tickers += 1
                book = (r.symbol_of(top[0]), *top[2:])
                if last.get(book[0]) != book:
                    expected = [book]
                last[book[0]] = book
            produced = r.push(text)
            assert books(produced) == expected, text[:80]
            if produced:
                assert top is not None
                assert produced[0].venue == "okx"
                assert produced[0].exchange_ns == top[1] * 1_000_000
        assert tickers == 28
        assert len(r.quotes) == 7
        assert {q.symbol for q in r.quotes} == {"BTC/USDT", "UNI/USD:UNI", "BTC/USD:BTC-220527"}
        assert r.exchange.orderbooks  # the books channel did arrive, into the order books only


async def test_okx_a_repeated_ticker_gives_no_second_quote() -> None:
    async with rig("okx", okx_markets, OKX.url) as r:
        for text in OKX.received:
            once = r.push(text)
            assert r.push(text) == []
            assert len(once) <= 1
        assert len(r.quotes) == 7


async def test_okx_an_older_ticker_sent_again_does_not_roll_the_quote_back() -> None:
    async with rig("okx", okx_markets, OKX.url) as r:
        sent = [text for text in OKX.received if r.push(text)]
        assert len(sent) == 7
        for text in sent:  # the whole session again, out of date: tickers carry no id, a ts
            assert r.push(text) == []
        assert len(r.quotes) == 7


# -- sessions ccxt 4.5.90 no longer parses -------------------------------------------------------


@pytest.mark.parametrize(
    ("exchange_id", "name", "markets"),
    [
        (
            "bybit",
            "BYBIT.ws.26.0.head.gz",
            [
                unified_market("BTCUSD", "BTC", "USD", "BTC"),
                unified_market("EOSUSD", "EOS", "USD", "EOS"),
            ],
        ),
        (
            "kraken",
            "KRAKEN.ws.50.0.slice.gz",
            [
                unified_market(f"{b}{q}".replace("BTC", "XBT"), b, q)
                for b, q in [
                    ("WAVES", "EUR"), ("XMR", "USD"), ("KSM", "BTC"), ("GRT", "ETH"),
                    ("SC", "EUR"), ("ETH", "CHF"), ("OCEAN", "BTC"), ("OMG", "USD"),
                    ("BTC", "CHF"), ("ADA", "BTC"),
                ]
            ],
        ),
    ],
)  # fmt: skip
async def test_a_session_in_a_format_ccxt_no_longer_parses_gives_no_quote(
    exchange_id: str, name: str, markets: list[dict[str, Any]]
) -> None:
    """Silence, not a wrong quote or a crash: nothing reaches ccxt's ticker caches at all."""
    recorded = session(name)
    async with rig(exchange_id, lambda _exchange: markets, recorded.url) as r:
        for text in recorded.received:
            assert r.push(text) == []
        assert len(recorded.received) > 80
        assert not r.exchange.tickers
        assert not r.exchange.bidsasks
