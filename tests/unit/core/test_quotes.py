"""quotes: top of book and the latest quote per instrument."""

from __future__ import annotations

import math

import pytest

from app.core.instruments import InstrumentId
from app.core.quotes import Quote, QuoteBook


def q(
    venue: str = "binance",
    symbol: str = "BTC/USDT",
    bid: float = 99.0,
    ask: float = 101.0,
    received_ns: int = 1_000_000_000,
    exchange_ns: int = 0,
) -> Quote:
    return Quote(venue, symbol, bid, 1.5, ask, 2.5, received_ns, exchange_ns)


def test_quote_fields_and_id() -> None:
    quote = q(exchange_ns=7)
    assert quote.instrument_id == InstrumentId("binance", "BTC/USDT")
    assert quote.bid_qty == 1.5 and quote.ask_qty == 2.5
    assert quote.exchange_ns == 7
    assert q().exchange_ns == 0
    with pytest.raises(AttributeError):
        quote.bid = 1.0  # type: ignore[misc]


def test_mid_and_spread_bps() -> None:
    quote = q(bid=99.0, ask=101.0)
    assert quote.mid == 100.0
    assert quote.spread_bps == pytest.approx(200.0)
    tight = q(bid=60000.0, ask=60000.5)
    assert tight.mid == pytest.approx(60000.25)
    assert tight.spread_bps == pytest.approx(0.5 / 60000.25 * 1e4)
    assert q(bid=100.0, ask=100.0).spread_bps == 0.0


def test_spread_bps_is_negative_when_crossed_and_nan_without_a_mid() -> None:
    assert q(bid=101.0, ask=99.0).spread_bps == pytest.approx(-200.0)
    assert math.isnan(q(bid=0.0, ask=0.0).spread_bps)
    assert math.isnan(q(bid=-1.0, ask=0.5).spread_bps)


@pytest.mark.parametrize(
    ("bid", "ask", "crossed"),
    [
        (99.0, 101.0, False),
        (100.0, 100.0, False),  # locked, not crossed
        (101.0, 99.0, True),
        (100.0, 0.0, False),  # a missing ask is not a cross
        (0.0, 0.0, False),
    ],
)
def test_crossed(bid: float, ask: float, crossed: bool) -> None:
    assert q(bid=bid, ask=ask).crossed is crossed


def test_quote_book_update_get_len_contains() -> None:
    book = QuoteBook()
    assert len(book) == 0
    assert book.get("binance", "BTC/USDT") is None
    assert ("binance", "BTC/USDT") not in book
    assert InstrumentId("binance", "BTC/USDT") not in book

    first = q(bid=1.0, ask=2.0)
    book.update(first)
    assert len(book) == 1
    assert book.get("binance", "BTC/USDT") is first
    assert ("binance", "BTC/USDT") in book
    assert InstrumentId("binance", "BTC/USDT") in book
    assert ("bybit", "BTC/USDT") not in book
    assert "binance" not in book

    second = q(bid=3.0, ask=4.0, received_ns=2_000_000_000)
    book.update(second)  # replaces, does not add
    assert len(book) == 1
    assert book.get("binance", "BTC/USDT") is second

    other = q(venue="bybit")
    book.update(other)
    assert len(book) == 2
    assert book.get("bybit", "BTC/USDT") is other
    assert set(book) == {second, other}


def test_quote_book_age_ms() -> None:
    book = QuoteBook()
    assert book.age_ms("binance", "BTC/USDT", 5_000_000_000) is None
    book.update(q(received_ns=1_000_000_000))
    assert book.age_ms("binance", "BTC/USDT", 1_000_000_000) == 0.0
    assert book.age_ms("binance", "BTC/USDT", 1_250_000_000) == pytest.approx(250.0)
    assert book.age_ms("binance", "BTC/USDT", 3_000_500_000) == pytest.approx(2000.5)
    assert book.age_ms("binance", "ETH/USDT", 3_000_000_000) is None
    book.update(q(received_ns=3_000_000_000))
    assert book.age_ms("binance", "BTC/USDT", 3_000_000_000) == 0.0


def test_quote_book_iteration_is_a_snapshot() -> None:
    book = QuoteBook()
    book.update(q(symbol="A/B"))
    book.update(q(symbol="C/D"))
    seen = []
    for quote in book:  # updating while iterating must not raise
        seen.append(quote.symbol)
        book.update(q(symbol=quote.symbol + "X"))
    assert sorted(seen) == ["A/B", "C/D"]
    assert len(book) == 4
