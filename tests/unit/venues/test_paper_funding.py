"""Funding on the paper venue is an event: one ``FundingPaid`` per payment, reported after the
books are saved, whose amount is exactly what the settle balance moved by."""

from __future__ import annotations

import sqlite3
from decimal import Context, Decimal, Inexact
from pathlib import Path

import pytest
from test_paper_market import ListFeed, paper
from test_paper_support import INVERSE, PERP, STARTING, VENUE, MakeVenue, Recorder, order, quote

from app.core.clock import ManualClock
from app.core.events import FundingPaid
from app.core.instruments import InstrumentKind
from app.core.money import to_decimal
from app.core.orders import OrderStatus
from app.venues.paper import PaperVenue
from app.venues.paper_market import PaperMarket
from app.venues.paper_store import PaperStateStore
from app.venues.replay import ReplayMarket
from app.venues.sim import SimulatedMarket

D = Decimal
P = PERP.symbol
EXACT = Context(prec=200, traps=[Inexact])


async def open_position(venue: PaperVenue, side: str, qty: str, price: float = 100.0) -> None:
    venue.on_quote(quote(P, bid=price, ask=price, bid_qty=1e6, ask_qty=1e6, venue=venue.name))
    done = await venue.create_order(order(side, qty, symbol=P, venue=venue.name))
    assert done.status is OrderStatus.FILLED


async def total(venue: PaperVenue, asset: str = "USDT") -> Decimal:
    return (await venue.fetch_balances())[asset].total


@pytest.mark.parametrize(("side", "signed"), [("buy", D("1.5")), ("sell", D("-1.5"))])
async def test_one_event_whose_amount_is_the_balance_change(
    venue: PaperVenue, recorder: Recorder, clock: ManualClock, side: str, signed: Decimal
) -> None:
    await open_position(venue, side, "1.5")
    before = await total(venue)
    recorder.clear()
    clock.set(5_000)
    venue.apply_funding(P, 0.0001, 104.0)
    after = await total(venue)
    [payment] = recorder.fundings
    assert payment == FundingPaid(
        VENUE, P, after - before, "USDT", D("0.0001"), signed, D("104.0"), 5_000
    )
    # longs pay when the rate is positive: 1.5 x 104 x 0.0001
    assert payment.amount == (D("-0.0156") if side == "buy" else D("0.0156"))
    # the cause first, then the balance it moved (as a fill comes before its balances)
    assert [type(e).__name__ for e in recorder.log] == ["FundingPaid", "Balance"]


async def test_amount_is_exact_where_adding_to_the_balance_rounds(make_venue: MakeVenue) -> None:
    # A balance with many digits and a rate/mark whose product has 28: the addition rounds, and
    # the event must carry the rounded change, not the payment as computed.
    venue = make_venue(starting_balances={**STARTING, "USDT": D("98765.4321098765432109")})
    recorder = Recorder()
    venue.set_listener(recorder)
    await venue.connect()
    await open_position(venue, "buy", "1.234")
    before = await total(venue)
    rate, mark = 0.000123456789012345, 65432.10987654321
    venue.apply_funding(P, rate, mark)
    after = await total(venue)
    [payment] = recorder.fundings
    computed = -(PERP.notional(D("1.234"), to_decimal(mark)) * to_decimal(rate))
    assert EXACT.add(before, computed) != after  # the case this test is about: it rounded
    assert payment.amount == after - before
    assert payment.amount != computed
    await venue.close()


async def test_inverse_funding_is_in_the_settle_currency(
    venue: PaperVenue, recorder: Recorder
) -> None:
    sym = INVERSE.symbol
    venue.on_quote(quote(sym, bid=50_000.0, ask=50_000.5, bid_qty=1000))
    await venue.create_order(order("sell", "100", symbol=sym))
    before = await total(venue, "BTC")
    venue.apply_funding(sym, 0.0001, 50_000.0)
    [payment] = recorder.fundings
    assert payment.currency == "BTC" and payment.position_qty == D(-100)
    assert payment.amount == await total(venue, "BTC") - before
    assert payment.amount == D("0.00002")  # short receives: 0.2 BTC notional x 0.0001


async def test_no_event_without_position_or_payment(venue: PaperVenue, recorder: Recorder) -> None:
    venue.apply_funding(P, 0.0001, 100.0)  # flat
    await open_position(venue, "buy", "1")
    venue.apply_funding(P, 0.0, 100.0)  # nothing to pay
    assert recorder.fundings == []


async def test_reported_only_once_saved(tmp_path: Path) -> None:
    path = tmp_path / "paper.sqlite"
    store = PaperStateStore(path)
    venue = PaperVenue(VENUE, [PERP], starting_balances=STARTING, store=store, clock=ManualClock(1))
    seen_on_disk: list[str] = []

    class Checking(Recorder):
        def on_funding(self, payment: FundingPaid) -> None:
            super().on_funding(payment)
            with sqlite3.connect(path) as db:  # as another process would read it
                row = db.execute(
                    "SELECT total FROM paper_balances WHERE venue = ? AND asset = 'USDT'", (VENUE,)
                ).fetchone()
            seen_on_disk.append(str(row[0]))

    recorder = Checking()
    venue.set_listener(recorder)
    await venue.connect()
    await open_position(venue, "buy", "2")
    venue.apply_funding(P, 0.0001, 100.0)
    assert seen_on_disk == [str(await total(venue))]

    with sqlite3.connect(path) as db:  # the file refuses the next write, as a full disk would
        db.execute(
            "CREATE TRIGGER refuse BEFORE INSERT ON paper_balances "
            "BEGIN SELECT RAISE(ABORT, 'disk I/O error (injected)'); END"
        )
    with pytest.raises(sqlite3.DatabaseError, match="injected"):
        venue.apply_funding(P, 0.0001, 100.0)
    assert len(recorder.fundings) == 1  # the failed payment was never reported
    store.close()


async def test_paper_market_reports_each_payment_at_the_funding_times() -> None:
    hour = 3600 * 10**9
    feed = ListFeed([quote(P, bid=100.0, ask=100.0, ask_qty=10, t=10 * hour + 1)])
    venue = await paper(feed.clock)
    market = PaperMarket(feed, {VENUE: venue}, funding_interval_s=3600)
    await market.run(lambda q: None, lambda *s: None)
    await venue.create_order(order("buy", "2", symbol=P))
    recorder = Recorder()
    venue.set_listener(recorder)
    before = await total(venue)
    feed.quotes = [
        quote(P, bid=109.0, ask=111.0, t=11 * hour + 1),
        quote(P, bid=99.0, ask=101.0, t=14 * hour + 1),
    ]
    await market.run(lambda q: None, lambda *s: None)
    assert [(f.mark, f.ts_ns) for f in recorder.fundings] == [
        (D("110.0"), 11 * hour + 1),
        (D("100.0"), 14 * hour + 1),
    ]
    assert sum(f.amount for f in recorder.fundings) == await total(venue) - before


async def test_simulated_market_knows_its_rates_and_funding_is_paid() -> None:
    sim = SimulatedMarket(7, venues=("sim-a",), speed=None, duration_s=2.0)
    clock = sim.clock
    venue = PaperVenue(
        "sim-a",
        sim.instruments(),
        starting_balances={"USDT": D(100_000)},
        store=PaperStateStore(":memory:"),
        clock=clock,
    )
    await venue.connect()
    market = PaperMarket(sim, {"sim-a": venue})
    await market.run(lambda q: None, lambda *s: None)
    perp = next(i for i in sim.instruments() if i.kind is InstrumentKind.PERPETUAL)
    done = await venue.create_order(order("sell", "0.01", symbol=perp.symbol, venue="sim-a"))
    assert done.status is OrderStatus.FILLED
    rate = sim.funding_rate("sim-a", perp.symbol)
    assert rate is not None and rate != 0.0
    recorder = Recorder()
    venue.set_listener(recorder)
    before = await total(venue)
    market.apply_funding()
    [payment] = recorder.fundings
    assert payment.rate == to_decimal(rate) and payment.position_qty == D("-0.01")
    assert payment.amount == await total(venue) - before
    await venue.close()


async def test_a_replay_knows_no_rate_so_nothing_is_paid() -> None:
    replay = ReplayMarket.from_quotes([quote(P, bid=100.0, ask=100.0, ask_qty=10, t=1)], [PERP])
    venue = await paper(replay.clock)
    market = PaperMarket(replay, {VENUE: venue})
    await market.run(lambda q: None, lambda *s: None)
    await venue.create_order(order("buy", "1", symbol=P))
    recorder = Recorder()
    venue.set_listener(recorder)
    before = await total(venue)
    market.apply_funding()
    assert recorder.fundings == [] and await total(venue) == before
