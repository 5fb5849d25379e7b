from __future__ import annotations

from app.core.bus import EventBus
from app.core.clock import ManualClock
from app.core.events import QuoteFresh, QuoteStale, QuoteUpdated
from app.core.quotes import Quote
from app.engine.marketdata import MarketData

MS = 1_000_000


def q(venue: str, symbol: str, t_ms: int, bid: float = 100.0, ask: float = 101.0) -> Quote:
    return Quote(venue, symbol, bid, 1.0, ask, 2.0, t_ms * MS)


def make(sampler: object = None) -> tuple[MarketData, list[object], ManualClock]:
    bus = EventBus()
    seen: list[object] = []
    for kind in (QuoteUpdated, QuoteStale, QuoteFresh):
        bus.subscribe(kind, seen.append)
    clock = ManualClock()
    md = MarketData(
        bus,
        clock,
        max_quote_age_ms=1000,
        check_interval_ms=100,
        spread_sample_interval_ms=500,
        sampler=sampler,  # type: ignore[arg-type]
    )
    return md, seen, clock


def test_quotes_reach_book_and_bus_in_order() -> None:
    md, seen, _ = make()
    a, b = q("x", "BTC/USDT", 1), q("y", "BTC/USDT", 2)
    md.on_quote(a)
    md.on_quote(b)
    assert [e.quote for e in seen if isinstance(e, QuoteUpdated)] == [a, b]
    assert md.book.get("x", "BTC/USDT") is a
    stats = md.stats()
    assert stats.quotes_total == 2
    assert stats.quotes_per_venue == {"x": 1, "y": 1}


def test_quiet_instrument_goes_stale_once_then_fresh_again() -> None:
    md, seen, _ = make()
    md.on_quote(q("x", "ETH/USDT", 0))
    for t in range(100, 3000, 100):
        md.on_quote(q("y", "BTC/USDT", t))
    stale = [e for e in seen if isinstance(e, QuoteStale)]
    assert [(e.venue, e.symbol) for e in stale] == [("x", "ETH/USDT")]
    assert 1000 < stale[0].age_ms <= 1100
    assert md.is_stale("x", "ETH/USDT")
    md.on_quote(q("x", "ETH/USDT", 3000))
    assert any(isinstance(e, QuoteFresh) for e in seen)
    assert not md.is_stale("x", "ETH/USDT")
    assert md.stats().stale_events == 1


def test_timer_marks_stale_when_no_quote_arrives_at_all() -> None:
    md, seen, clock = make()
    md.on_quote(q("x", "BTC/USDT", 0))
    clock.set(5000 * MS)
    md.periodic(clock.now_ns())
    assert any(isinstance(e, QuoteStale) for e in seen)


def test_spreads_are_sampled_at_most_once_per_interval_and_only_when_changed() -> None:
    batches: list[list[Quote]] = []
    md, _, _ = make(batches.append)
    for t in range(0, 2000, 10):
        md.on_quote(q("x", "BTC/USDT", t))
    # one sample at t=0, then every 500 ms of market time
    assert [len(b) for b in batches] == [1, 1, 1, 1]
    assert [b[0].received_ns // MS for b in batches] == [0, 500, 1000, 1500]
    md.periodic(2600 * MS)  # nothing changed since the last sample
    assert len(batches) == 5 and batches[-1][0].received_ns == 1990 * MS
    md.periodic(3200 * MS)
    assert len(batches) == 5


def test_crossed_quotes_are_counted() -> None:
    md, _, _ = make()
    md.on_quote(q("x", "BTC/USDT", 0, bid=102.0, ask=101.0))
    assert md.stats().crossed_quotes == 1


def test_last_message_per_venue() -> None:
    md, _, _ = make()
    md.on_quote(q("x", "BTC/USDT", 5))
    md.on_quote(q("x", "ETH/USDT", 9))
    md.on_quote(q("y", "BTC/USDT", 7))
    assert md.venue_last_message_ns() == {"x": 9 * MS, "y": 7 * MS}
