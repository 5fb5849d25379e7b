from __future__ import annotations

import pytest

from app.core.instruments import InstrumentId, InstrumentKind
from app.core.opportunities import BasisDetail, Signal
from app.core.orders import Side
from app.engine.scanners import BasisScanner

from .support import inst, quote

PERP = InstrumentKind.PERPETUAL
FUT = InstrumentKind.FUTURE
DAY_MS = 86_400_000


def perp_pair(**kw: object) -> BasisScanner:
    insts = [inst("x", "BTC/USDT", 10), inst("x", "BTC/USDT:USDT", 5, kind=PERP)]
    return BasisScanner(insts, **kw)  # type: ignore[arg-type]


def test_carry_entry_edge_is_the_two_leg_product_after_fees() -> None:
    scanner = perp_pair(funding=lambda venue, symbol: 0.0001)
    scanner.update(quote("x", "BTC/USDT", 99.9, 100.0, 4.0, 2.0))
    (opp,) = scanner.on_quote(quote("x", "BTC/USDT:USDT", 100.5, 100.6, 1.0, 9.0, t_ms=2))
    assert opp.signal is Signal.ENTRY
    assert opp.edge_bps == pytest.approx((0.999 / 100.0 * 100.5 * 0.9995 - 1) * 10_000)
    assert [(leg.symbol, leg.side, leg.price, leg.qty) for leg in opp.legs] == [
        ("BTC/USDT", Side.BUY, 100.0, 1.0),
        ("BTC/USDT:USDT", Side.SELL, 100.5, 1.0),
    ]
    assert isinstance(opp.detail, BasisDetail)
    assert opp.detail.basis_bps == pytest.approx((100.55 / 99.95 - 1) * 10_000)
    assert opp.detail.funding_rate == 0.0001
    assert opp.detail.annualized_bps is None
    assert opp.key == "basis:x:BTC/USDT>x:BTC/USDT:USDT"


def test_entry_then_one_exit_when_the_basis_has_closed() -> None:
    scanner = perp_pair(entry_edge_bps=10.0, exit_basis_bps=2.0)
    scanner.update(quote("x", "BTC/USDT", 99.9, 100.0))
    assert scanner.on_quote(quote("x", "BTC/USDT:USDT", 100.1, 100.2)) == []  # no entry yet
    assert scanner.on_quote(quote("x", "BTC/USDT:USDT", 100.4, 100.5))[0].signal is Signal.ENTRY
    assert scanner.on_quote(quote("x", "BTC/USDT:USDT", 100.2, 100.3)) == []  # in between
    (exit_,) = scanner.on_quote(quote("x", "BTC/USDT:USDT", 99.9, 99.91))
    assert exit_.signal is Signal.EXIT
    assert exit_.key == "basis:x:BTC/USDT>x:BTC/USDT:USDT"  # the position it closes
    assert [(leg.symbol, leg.side, leg.price) for leg in exit_.legs] == [
        ("BTC/USDT:USDT", Side.BUY, 99.91),
        ("BTC/USDT", Side.SELL, 99.9),
    ]
    assert scanner.on_quote(quote("x", "BTC/USDT:USDT", 99.9, 99.91)) == []  # only once


def test_reverse_only_when_asked() -> None:
    for reverse, expected in ((False, 0), (True, 1)):
        scanner = perp_pair(reverse=reverse)
        scanner.update(quote("x", "BTC/USDT", 100.0, 100.1))
        found = scanner.on_quote(quote("x", "BTC/USDT:USDT", 99.4, 99.5))
        assert len(found) == expected
    (opp,) = found
    assert [(leg.symbol, leg.side) for leg in opp.legs] == [
        ("BTC/USDT:USDT", Side.BUY),
        ("BTC/USDT", Side.SELL),
    ]
    assert opp.key == "basis:x:BTC/USDT:USDT>x:BTC/USDT"


def test_dated_future_is_annualised_and_can_be_filtered_on_it() -> None:
    expiry = 90 * DAY_MS
    insts = [
        inst("x", "ETH/USDT", 0),
        inst("y", "ETH/USDT:USDT-250328", 0, kind=FUT, expiry_ms=expiry),
    ]
    for minimum, expected in ((None, 1), (1_000.0, 1), (2_000.0, 0)):
        scanner = BasisScanner(insts, min_annualized_bps=minimum)
        scanner.update(quote("x", "ETH/USDT", 100.0, 100.0))
        found = scanner.on_quote(quote("y", "ETH/USDT:USDT-250328", 103.0, 103.0))
        assert len(found) == expected
    basis = BasisScanner(insts)
    basis.update(quote("x", "ETH/USDT", 100.0, 100.0))
    (opp,) = basis.on_quote(quote("y", "ETH/USDT:USDT-250328", 103.0, 103.0))
    assert isinstance(opp.detail, BasisDetail)
    assert opp.detail.days_to_expiry == pytest.approx(90.0)
    assert opp.detail.annualized_bps == pytest.approx(300.0 * 365 / 90)


def test_pairs_by_base_and_money_on_one_or_many_venues() -> None:
    insts = [
        inst("a", "BTC/USDT"),
        inst("a", "BTC/USDT:USDT", kind=PERP),
        inst("b", "BTC/USDT:USDT", kind=PERP),
        inst("c", "BTC/USD:BTC", kind=PERP, inverse=True, contract_size="100"),
        inst("a", "ETH/USDT:USDT", kind=PERP),
    ]
    ids = {(s.symbol, d.venue, d.symbol) for s, d in BasisScanner(insts).pairs()}
    assert ids == {("BTC/USDT", "a", "BTC/USDT:USDT"), ("BTC/USDT", "b", "BTC/USDT:USDT")}
    same_venue = BasisScanner(insts, cross_venue=False).pairs()
    assert [(d.venue, d.symbol) for _, d in same_venue] == [("a", "BTC/USDT:USDT")]
    grouped = BasisScanner(insts, quote_groups=[["USD", "USDT"]]).pairs()
    assert ("c", "BTC/USD:BTC") in {(d.venue, d.symbol) for _, d in grouped}


def test_inverse_contracts_are_sized_in_base() -> None:
    insts = [
        inst("a", "BTC/USDT", 0),
        inst("c", "BTC/USD:BTC", 0, kind=PERP, inverse=True, contract_size="100"),
    ]
    scanner = BasisScanner(insts, quote_groups=[["USD", "USDT"]])
    scanner.update(quote("a", "BTC/USDT", 50_000.0, 50_000.0, ask_qty=1.0))
    (opp,) = scanner.on_quote(quote("c", "BTC/USD:BTC", 50_500.0, 50_600.0, bid_qty=101))
    spot, perp = opp.legs
    assert spot.qty == pytest.approx(101 * 100 / 50_500.0)  # 10,100 USD of BTC
    assert perp.qty == pytest.approx(101)


def test_state_gives_the_numbers_without_a_signal() -> None:
    scanner = perp_pair()
    spot, perp = InstrumentId("x", "BTC/USDT"), InstrumentId("x", "BTC/USDT:USDT")
    assert scanner.state(spot, perp) is None
    scanner.on_quote(quote("x", "BTC/USDT", 99.0, 101.0, t_ms=1))
    scanner.on_quote(quote("x", "BTC/USDT:USDT", 100.0, 102.0, t_ms=3))
    state = scanner.state(spot, perp)
    assert state is not None
    assert state.basis_bps == pytest.approx(100.0)
    assert state.close_basis_bps == pytest.approx((102.0 / 99.0 - 1) * 10_000)
    assert state.ts_ns == 3_000_000
    assert scanner.state(perp, spot) is None
