from __future__ import annotations

from decimal import Decimal

from app.core.accounting import Balance, Position
from app.core.bus import EventBus
from app.core.events import BalanceChanged, EquityUpdated, PositionChanged
from app.core.instruments import Instrument, InstrumentId, InstrumentKind
from app.core.quotes import Quote, QuoteBook
from app.engine.portfolio import Portfolio
from app.engine.valuation import BookPrices, StableEquivalents

D = Decimal
SPOT = Instrument("a", "BTC/USDT", "BTC", "USDT")
ETH = Instrument("a", "ETH/USDT", "ETH", "USDT")
PERP = Instrument("b", "BTC/USDT:USDT", "BTC", "USDT", kind=InstrumentKind.PERPETUAL, settle="USDT")
INVERSE = Instrument(
    "c",
    "BTC/USD:BTC",
    "BTC",
    "USD",
    kind=InstrumentKind.PERPETUAL,
    settle="BTC",
    inverse=True,
    contract_size=D(100),
)
INSTRUMENTS = {i.id: i for i in (SPOT, ETH, PERP, INVERSE)}


def quote(inst: Instrument, mid: float) -> Quote:
    return Quote(inst.venue, inst.symbol, mid - 0.5, 1.0, mid + 0.5, 1.0, 1)


def make(
    book: QuoteBook, abs_: str = "10", rel: str = "0"
) -> tuple[Portfolio, EventBus, list[EquityUpdated]]:
    bus = EventBus()
    snaps: list[EquityUpdated] = []
    pf = Portfolio(
        bus,
        book,
        INSTRUMENTS,
        currencies=["USDT", "BTC"],
        snapshot_abs=D(abs_),
        snapshot_rel=D(rel),
        on_snapshot=snaps.append,
    )
    return pf, bus, snaps


def test_equity_values_every_asset_at_marks_in_each_currency() -> None:
    book = QuoteBook()
    book.update(quote(SPOT, 50_000))
    book.update(quote(ETH, 2_500))
    pf, _, _ = make(book)
    pf.load("a", {"USDT": Balance("USDT", D(1000)), "BTC": Balance("BTC", D(1))}, [])
    pf.load("b", {"ETH": Balance("ETH", D(2))}, [])
    v = pf.valuation(0)
    assert v.complete
    assert v.equity["USDT"] == D(1000) + D(50_000) + D(5_000)
    assert v.equity["BTC"] == D(56_000) / D(50_000)


def test_missing_price_makes_valuation_incomplete_and_sets_no_baseline() -> None:
    book = QuoteBook()
    book.update(quote(SPOT, 50_000))
    pf, _, _ = make(book)
    pf.load("a", {"DOGE": Balance("DOGE", D(10))}, [])
    v = pf.valuation(0)
    assert not v.complete
    assert pf.baseline is None


def test_unrealized_pnl_of_linear_and_inverse_positions_counts_in_equity() -> None:
    book = QuoteBook()
    book.update(quote(SPOT, 50_000))
    book.update(quote(PERP, 51_000))
    book.update(quote(INVERSE, 40_000))
    pf, _, _ = make(book)
    long_perp = Position(PERP.id, qty=D(2), avg_entry=D(50_000))
    short_inv = Position(INVERSE.id, qty=D(-100), avg_entry=D(50_000))
    pf.load("b", {}, [long_perp])
    pf.load("c", {}, [short_inv])
    views = {v.venue: v for v in pf.position_views()}
    assert views["b"].unrealized == D(2_000)
    # short 100 contracts of 100 USD from 50k to 40k: 10000 * (1/50000 - 1/40000) * -1
    assert views["c"].unrealized == D(-100) * D(100) * (1 / D(50_000) - 1 / D(40_000))
    v = pf.valuation(0)
    assert v.equity["USDT"] == D(2_000) + views["c"].unrealized * D(50_000)


def test_exposure_sums_spot_and_derivative_delta_across_venues() -> None:
    book = QuoteBook()
    book.update(quote(SPOT, 50_000))
    book.update(quote(PERP, 50_000))
    book.update(quote(INVERSE, 50_000))
    pf, _, _ = make(book)
    pf.load("a", {"BTC": Balance("BTC", D("1.5"))}, [])
    pf.load("b", {}, [Position(PERP.id, qty=D(-1), avg_entry=D(50_000))])
    pf.load("c", {}, [Position(INVERSE.id, qty=D(-250), avg_entry=D(50_000))])
    btc = {e.asset: e for e in pf.exposures(BookPrices(book, INSTRUMENTS.values()))}["BTC"]
    assert btc.quantity == D("1.5") - 1 - D("0.5")
    assert dict(btc.per_venue) == {"a": D("1.5"), "b": D(-1), "c": D("-0.5")}
    assert btc.value == 0


def test_bus_events_update_balances_and_positions() -> None:
    book = QuoteBook()
    book.update(quote(PERP, 50_000))
    pf, bus, _ = make(book)
    bus.publish(BalanceChanged("b", Balance("USDT", D(7))))
    bus.publish(PositionChanged("b", Position(PERP.id, qty=D(1), avg_entry=D(49_000))))
    assert pf.balances["b"]["USDT"].total == 7
    assert pf.position_views()[0].unrealized == D(1_000)
    bus.publish(PositionChanged("b", Position(PERP.id)))
    assert pf.position_views() == []


def test_first_complete_valuation_is_the_baseline_and_snapshots_need_a_real_move() -> None:
    book = QuoteBook()
    book.update(quote(SPOT, 50_000))
    pf, _, snaps = make(book, abs_="10", rel="0")
    pf.load("a", {"BTC": Balance("BTC", D(1))}, [])
    pf.revalue(1)
    assert pf.baseline == {"USDT": D(50_000), "BTC": D(1)}
    book.update(quote(SPOT, 50_005))
    pf.revalue(2)  # moved 5 < 10: no snapshot
    book.update(quote(SPOT, 50_011))
    v = pf.revalue(3)
    assert [s.ts_ns for s in snaps] == [1, 3]
    assert v.pnl["USDT"] == D(11)
    assert dict(snaps[-1].pnl)["USDT"] == D(11)


def test_relative_threshold() -> None:
    book = QuoteBook()
    book.update(quote(SPOT, 50_000))
    pf, _, snaps = make(book, abs_="0", rel="0.01")
    pf.load("a", {"BTC": Balance("BTC", D(1))}, [])
    pf.revalue(1)
    book.update(quote(SPOT, 50_400))
    pf.revalue(2)
    book.update(quote(SPOT, 50_600))
    pf.revalue(3)
    assert [s.ts_ns for s in snaps] == [1, 3]


def test_price_table_crosses_through_usdt_and_pegs_usd() -> None:
    book = QuoteBook()
    book.update(quote(SPOT, 50_000))
    book.update(quote(ETH, 2_500))
    table = BookPrices(book, INSTRUMENTS.values())
    assert table.price("ETH", "BTC") == D("0.05")
    assert table.price("USD", "USDT") == 1
    assert table.price("USDT", "BTC") == 1 / D(50_000)
    assert table.price("DOGE", "USDT") is None


def test_spot_price_is_preferred_to_a_derivative() -> None:
    book = QuoteBook()
    book.update(quote(PERP, 51_000))
    book.update(quote(SPOT, 50_000))
    assert BookPrices(book, INSTRUMENTS.values()).price("BTC", "USDT") == D(50_000)
    only_perp = QuoteBook()
    only_perp.update(quote(PERP, 51_000))
    assert BookPrices(only_perp, INSTRUMENTS.values()).price("BTC", "USDT") == D(51_000)
    assert InstrumentId("b", "BTC/USDT:USDT") in INSTRUMENTS


def test_prices_read_the_live_book_without_waiting_for_a_revaluation() -> None:
    book = QuoteBook()
    pf, _, _ = make(book)
    assert pf.prices.price("ETH", "BTC") is None
    book.update(quote(ETH, 2_500))
    book.update(quote(SPOT, 50_000))
    assert pf.prices.price("ETH", "BTC") == D("0.05")  # no revalue() in between
    book.update(quote(SPOT, 40_000))
    assert pf.prices.price("ETH", "BTC") == D("0.0625")


def test_stable_equivalents_are_one_money_only_as_configured() -> None:
    book = QuoteBook()
    book.update(quote(INVERSE, 50_000))  # BTC quoted in USD only
    default = BookPrices(book, INSTRUMENTS.values())
    assert default.price("USDC", "USDT") == 1
    assert default.price("BTC", "USDT") == D(50_000)  # the USD quote serves USDT
    assert default.price("BTC", "USDC") == D(50_000)
    separate = BookPrices(book, INSTRUMENTS.values(), StableEquivalents(()))
    assert separate.price("USD", "USDT") is None
    assert separate.price("BTC", "USDT") is None
    assert separate.price("BTC", "USD") == D(50_000)
    two = BookPrices(book, INSTRUMENTS.values(), StableEquivalents(("USDT", "USD")))
    assert two.price("BTC", "USDT") == D(50_000)
    assert two.price("USDC", "USDT") is None


def test_gross_exposure_leaves_out_the_valuation_currency_and_its_equivalents() -> None:
    book = QuoteBook()
    book.update(quote(SPOT, 50_000))
    pf, _, _ = make(book)
    pf.load(
        "a",
        {
            "USDT": Balance("USDT", D(1000)),
            "USDC": Balance("USDC", D(500)),
            "BTC": Balance("BTC", D(1)),
        },
        [],
    )
    pf.revalue(1)
    assert pf.gross_exposure == D(50_000)
    assert pf.last is not None and pf.last.equity["USDT"] == D(51_500)
