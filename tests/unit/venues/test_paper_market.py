"""PaperMarket: quotes reach the paper venue before the engine, and funding is paid on time."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from test_paper_support import PERP, SPOT, STARTING, VENUE, Recorder, order, quote

from app.core.clock import Clock, ManualClock
from app.core.events import VenueState
from app.core.instruments import Instrument
from app.core.quotes import Quote
from app.venues.base import MarketFeed, QuoteSink, StatusSink
from app.venues.paper import PaperVenue
from app.venues.paper_market import PaperMarket
from app.venues.paper_store import PaperStateStore

D = Decimal
S = 1_000_000_000
HOUR = 3600 * S


class ListFeed:
    """A feed that plays a list of quotes, moving its clock to each quote's time."""

    def __init__(self, quotes: Sequence[Quote], rate: float | None = 0.0001) -> None:
        self.quotes = list(quotes)
        self.rate = rate
        self._clock = ManualClock()
        self.closed = False
        self.rate_asked: list[tuple[str, str]] = []

    @property
    def clock(self) -> Clock:
        return self._clock

    def instruments(self) -> Sequence[Instrument]:
        return [SPOT, PERP]

    def venues(self) -> Sequence[str]:
        return [VENUE, "other"]

    def funding_rate(self, venue: str, symbol: str) -> float | None:
        self.rate_asked.append((venue, symbol))
        return self.rate

    async def run(self, sink: QuoteSink, status: StatusSink) -> None:
        status(VENUE, VenueState.CONNECTED, "")
        for q in self.quotes:
            self._clock.set(q.received_ns)
            sink(q)

    async def close(self) -> None:
        self.closed = True


async def paper(clock: Clock) -> PaperVenue:
    venue = PaperVenue(
        VENUE, [SPOT, PERP], starting_balances=STARTING, store=PaperStateStore(":memory:"),
        clock=clock,
    )  # fmt: skip
    await venue.connect()
    return venue


async def test_quotes_reach_the_venue_before_the_sink() -> None:
    quotes = [
        quote(bid=99.0, ask=101.0, t=1 * S),
        quote(bid=98.0, ask=99.0, ask_qty=5, t=2 * S),
        quote(venue="other", t=3 * S),
    ]
    feed = ListFeed(quotes)
    venue = await paper(feed.clock)
    resting = await venue.create_order(order("buy", "0.1", "100"))
    market = PaperMarket(feed, {VENUE: venue})
    assert isinstance(market, MarketFeed)
    recorder = Recorder()
    venue.set_listener(recorder)
    seen: list[tuple[Quote, list[str]]] = []
    statuses: list[tuple[str, VenueState, str]] = []

    def sink(q: Quote) -> None:
        seen.append((q, recorder.states(resting.client_order_id)))

    await market.run(sink, lambda *s: statuses.append(s))
    assert [q for q, _ in seen] == quotes
    assert [states for _, states in seen] == [[], ["FILLED"], ["FILLED"]]  # filled before sink
    assert statuses == [(VENUE, VenueState.CONNECTED, "")]
    [fill] = await venue.fetch_fills()
    assert fill.ts_ns == 2 * S  # stamped in the feed's market time
    await market.close()
    assert feed.closed
    assert market.venues() == [VENUE, "other"] and market.clock is feed.clock


async def test_funding_is_paid_at_each_interval_boundary_of_market_time() -> None:
    p = PERP.symbol
    start = 10 * HOUR + 30 * 60 * S  # 10:30
    quotes = [
        quote(p, bid=100.0, ask=100.0, ask_qty=10, t=start),
        quote(p, bid=104.0, ask=106.0, t=start + 20 * 60 * S),  # 10:50, no boundary
        quote(p, bid=109.0, ask=111.0, t=start + 40 * 60 * S),  # 11:10, boundary at 11:00
        quote(p, bid=119.0, ask=121.0, t=start + 50 * 60 * S),  # 11:20
        quote(p, bid=99.0, ask=101.0, t=start + 4 * HOUR),  # 14:30, one payment for the gap
    ]
    feed = ListFeed([quotes[0]])
    venue = await paper(feed.clock)
    market = PaperMarket(feed, {VENUE: venue}, funding_interval_s=3600)
    await market.run(lambda q: None, lambda *s: None)
    await venue.create_order(order("buy", "2", symbol=p))
    after_open = (await venue.fetch_balances())["USDT"].total

    feed.quotes = quotes[1:]
    await market.run(lambda q: None, lambda *s: None)
    paid = after_open - (await venue.fetch_balances())["USDT"].total
    # Long 2 at marks 110 (11:10) and 100 (14:30), rate 0.0001: 0.022 + 0.02.
    assert paid == D("0.042")
    assert market.funding_runs == 2


async def test_no_funding_on_first_quote_or_without_rate() -> None:
    p = PERP.symbol
    feed = ListFeed([quote(p, bid=100.0, ask=100.0, t=5 * HOUR)], rate=None)
    venue = await paper(feed.clock)
    market = PaperMarket(feed, {VENUE: venue}, funding_interval_s=3600)
    await market.run(lambda q: None, lambda *s: None)
    assert market.funding_runs == 0
    await venue.create_order(order("sell", "1", symbol=p))
    before = await venue.fetch_balances()
    feed.quotes = [quote(p, bid=100.0, ask=100.0, t=7 * HOUR)]
    await market.run(lambda q: None, lambda *s: None)
    assert market.funding_runs == 1
    assert feed.rate_asked == [(VENUE, p)]
    assert await venue.fetch_balances() == before


async def test_short_receives_funding_through_the_market() -> None:
    p = PERP.symbol
    feed = ListFeed([quote(p, bid=200.0, ask=200.0, t=HOUR // 2)], rate=0.001)
    venue = await paper(feed.clock)
    market = PaperMarket(feed, {VENUE: venue}, funding_interval_s=3600)
    await market.run(lambda q: None, lambda *s: None)
    await venue.create_order(order("sell", "1", symbol=p))
    before = (await venue.fetch_balances())["USDT"].total
    feed.quotes = [quote(p, bid=199.0, ask=201.0, t=HOUR + 1)]
    await market.run(lambda q: None, lambda *s: None)
    assert (await venue.fetch_balances())["USDT"].total - before == D("0.2")
