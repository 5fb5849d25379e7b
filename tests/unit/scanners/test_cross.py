from __future__ import annotations

import pytest

from app.core.instruments import InstrumentKind
from app.core.orders import Side
from app.engine.scanners import CrossVenueScanner

from .support import inst, quote

PERP = InstrumentKind.PERPETUAL


def test_buy_the_ask_on_one_venue_sell_the_bid_on_another() -> None:
    scanner = CrossVenueScanner([inst("a", "BTC/USDT", 10), inst("b", "BTC/USDT", 5)])
    assert scanner.on_quote(quote("a", "BTC/USDT", 99.0, 100.0, 3.0, 2.0, t_ms=1)) == []
    (opp,) = scanner.on_quote(quote("b", "BTC/USDT", 101.0, 102.0, 1.5, 9.0, t_ms=4))
    assert opp.edge_bps == pytest.approx((0.999 / 100.0 * 101.0 * 0.9995 - 1) * 10_000)
    assert [(leg.venue, leg.side, leg.price, leg.qty) for leg in opp.legs] == [
        ("a", Side.BUY, 100.0, 1.5),
        ("b", Side.SELL, 101.0, 1.5),
    ]
    assert opp.size_quote == pytest.approx(150.0)
    assert opp.size_asset == "USDT"
    assert opp.key == "cross:BTC/USDT:a>b"
    assert opp.ages_ms == (3.0, 0.0)


def test_both_directions_are_checked_from_either_side() -> None:
    scanner = CrossVenueScanner([inst(v, "ETH/USDT", 0) for v in ("a", "b", "c")])
    scanner.update(quote("a", "ETH/USDT", 10.0, 10.1))
    scanner.update(quote("b", "ETH/USDT", 10.0, 10.1))
    # c is now cheap: buy on c, sell on a and on b.
    found = scanner.on_quote(quote("c", "ETH/USDT", 9.8, 9.9))
    assert sorted(o.key for o in found) == ["cross:ETH/USDT:c>a", "cross:ETH/USDT:c>b"]
    # c is now rich: buy on a and b, sell on c.
    found = scanner.on_quote(quote("c", "ETH/USDT", 10.2, 10.3))
    assert sorted(o.key for o in found) == ["cross:ETH/USDT:a>c", "cross:ETH/USDT:b>c"]
    assert len(scanner.scan(0)) == 2


def test_fees_and_floor_hide_small_edges() -> None:
    insts = [inst("a", "BTC/USDT", 10), inst("b", "BTC/USDT", 10)]
    scanner = CrossVenueScanner(insts)
    scanner.update(quote("a", "BTC/USDT", 99.0, 100.0))
    assert scanner.on_quote(quote("b", "BTC/USDT", 100.15, 100.2)) == []  # 15 bps < 20 of fees
    floored = CrossVenueScanner(insts, min_edge_bps=50)
    floored.update(quote("a", "BTC/USDT", 99.0, 100.0))
    assert floored.on_quote(quote("b", "BTC/USDT", 100.6, 100.7)) == []
    assert len(floored.on_quote(quote("b", "BTC/USDT", 100.8, 100.9))) == 1


def test_sizes_compare_in_base_units_across_contract_sizes() -> None:
    # Inverse perpetuals: 100 USD contracts on one venue, 10 USD on the other.
    insts = [
        inst("a", "BTC/USD:BTC", 0, kind=PERP, contract_size="100", inverse=True),
        inst("b", "BTC/USD:BTC", 0, kind=PERP, contract_size="10", inverse=True),
    ]
    scanner = CrossVenueScanner(insts)
    scanner.update(quote("a", "BTC/USD:BTC", 49_000.0, 50_000.0, ask_qty=5))  # 500 USD = 0.01 BTC
    (opp,) = scanner.on_quote(quote("b", "BTC/USD:BTC", 51_000.0, 52_000.0, bid_qty=1_000))
    buy, sell = opp.legs
    assert buy.qty == pytest.approx(5)  # contracts of 100 USD
    assert sell.qty == pytest.approx(0.01 * 51_000.0 / 10)  # the same 0.01 BTC, in 10 USD
    assert opp.size_quote == pytest.approx(500.0)


def test_a_symbol_on_one_venue_only_is_not_watched() -> None:
    scanner = CrossVenueScanner(
        [inst("a", "BTC/USDT"), inst("a", "ETH/USDT"), inst("b", "ETH/USDT")]
    )
    assert set(scanner.markets()) == {("a", "ETH/USDT"), ("b", "ETH/USDT")}
    assert scanner.on_quote(quote("a", "BTC/USDT", 1.0, 1.0)) == []
