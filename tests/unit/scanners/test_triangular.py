from __future__ import annotations

import random

import pytest

from app.core.instruments import InstrumentKind
from app.core.opportunities import OpportunityKind
from app.core.orders import Side
from app.engine.scanners import TriangularScanner

from .support import inst, quote

FEE = 0.001


def triangle() -> list:
    return [inst("x", "BTC/USDT"), inst("x", "ETH/USDT"), inst("x", "ETH/BTC")]


def load(scanner: TriangularScanner, eth_btc_bid: float = 0.11) -> None:
    scanner.update(quote("x", "BTC/USDT", 100.0, 100.0, bid_qty=0.5, ask_qty=0.5))
    scanner.update(quote("x", "ETH/USDT", 10.0, 10.0, bid_qty=3.0, ask_qty=3.0))
    scanner.update(quote("x", "ETH/BTC", eth_btc_bid, 0.11, bid_qty=2.0, ask_qty=2.0))


def test_edge_is_the_product_of_the_legs_rates_after_fees() -> None:
    scanner = TriangularScanner(triangle())
    load(scanner)
    found = scanner.scan(0)
    assert len(found) == 1  # the other direction loses
    opp = found[0]
    assert opp.kind is OpportunityKind.TRIANGULAR
    # USDT -> ETH at the ask, ETH -> BTC at the bid, BTC -> USDT at the bid
    expected = (1 - FEE) / 10.0 * (0.11 * (1 - FEE)) * (100.0 * (1 - FEE))
    assert opp.edge_bps == pytest.approx((expected - 1) * 10_000, abs=1e-9)
    assert opp.key == "triangular:x:USDT>ETH>BTC>USDT"
    assert [(leg.symbol, leg.side, leg.price) for leg in opp.legs] == [
        ("ETH/USDT", Side.BUY, 10.0),
        ("ETH/BTC", Side.SELL, 0.11),
        ("BTC/USDT", Side.SELL, 100.0),
    ]


def test_size_is_limited_by_every_leg_through_the_chain() -> None:
    scanner = TriangularScanner(triangle())
    load(scanner)
    opp = scanner.scan(0)[0]
    # ETH/BTC shows 2 ETH at the bid: the binding leg. 2 ETH arrive from 2 / 0.999 bought.
    assert opp.size_asset == "USDT"
    assert opp.size_quote == pytest.approx(2.0 / (1 - FEE) * 10.0)
    qty = [leg.qty for leg in opp.legs]
    assert qty[0] == pytest.approx(2.0 / (1 - FEE))
    assert qty[1] == pytest.approx(2.0)
    assert qty[2] == pytest.approx(2.0 * 0.11 * (1 - FEE))
    assert qty[2] <= 0.5  # within the BTC/USDT bid


def test_nothing_below_the_floor_and_none_when_fees_eat_the_edge() -> None:
    scanner = TriangularScanner(triangle(), min_edge_bps=1_000.0)
    load(scanner)
    assert scanner.scan(0) == []
    costly = TriangularScanner(
        [inst("x", s, fee_bps=400) for s in ("BTC/USDT", "ETH/USDT", "ETH/BTC")]
    )
    load(costly)
    assert costly.scan(0) == []


def test_on_quote_re_evaluates_the_triangles_of_that_market() -> None:
    scanner = TriangularScanner(triangle())
    load(scanner, eth_btc_bid=0.1)  # consistent prices: nothing
    assert scanner.scan(0) == []
    found = scanner.on_quote(quote("x", "ETH/BTC", 0.11, 0.11, 2.0, 2.0, t_ms=5))
    assert [o.key for o in found] == ["triangular:x:USDT>ETH>BTC>USDT"]
    assert found[0].ts_ns == 5_000_000
    assert found[0].ages_ms == (5.0, 0.0, 5.0)
    assert scanner.on_quote(quote("y", "ETH/BTC", 0.2, 0.2)) == []  # not ours


def test_a_crossed_or_empty_quote_makes_its_market_unusable() -> None:
    scanner = TriangularScanner(triangle())
    load(scanner)
    assert scanner.on_quote(quote("x", "ETH/USDT", 10.5, 10.0)) == []
    assert scanner.on_quote(quote("x", "ETH/USDT", 0.0, 10.0)) == []
    assert len(scanner.on_quote(quote("x", "ETH/USDT", 10.0, 10.0, 3.0, 3.0))) == 1


def test_only_spot_markets_and_one_venue_per_triangle() -> None:
    insts = [
        inst("x", "BTC/USDT"),
        inst("x", "ETH/USDT"),
        inst("y", "ETH/BTC"),  # another venue: no triangle
        inst("x", "ETH/BTC:BTC", kind=InstrumentKind.PERPETUAL),  # a derivative: no triangle
    ]
    scanner = TriangularScanner(insts)
    assert scanner.paths == []
    assert scanner.markets() == frozenset()


def test_every_triangle_both_ways_from_its_best_ranked_asset() -> None:
    # Four assets fully connected: four triangles, eight directed paths.
    symbols = ["BTC/USDT", "ETH/USDT", "BNB/USDT", "ETH/BTC", "BNB/BTC", "BNB/ETH"]
    scanner = TriangularScanner([inst("x", s) for s in symbols])
    assert len(scanner.paths) == 8
    assert {p.assets for p in scanner.paths} >= {
        ("USDT", "BTC", "ETH", "USDT"),
        ("USDT", "ETH", "BTC", "USDT"),
        ("BTC", "ETH", "BNB", "BTC"),
        ("BTC", "BNB", "ETH", "BTC"),
    }
    assert all(p.assets[0] == p.assets[-1] for p in scanner.paths)


def _hub_graph(n: int) -> list:
    symbols = ["BTC/USDT"]
    for i in range(n):
        symbols += [f"A{i}/USDT", f"A{i}/BTC"]
    return [inst("v", s, fee_bps=5) for s in symbols]


def test_numpy_and_loop_evaluation_agree_exactly() -> None:
    insts = _hub_graph(60)
    vector = TriangularScanner(insts, vector_min=1)
    loop = TriangularScanner(insts, vector_min=10**9)
    rng = random.Random(3)
    symbols = [i.symbol for i in insts]
    btc = 30_000.0
    price = {s: btc if s == "BTC/USDT" else rng.uniform(1, 100) for s in symbols}
    for s in symbols:
        if s.endswith("/BTC"):
            price[s] = price[s.replace("/BTC", "/USDT")] / btc
    hits = 0
    for t in range(3_000):
        s = rng.choice(symbols[:1] * 40 + symbols)
        mid = price[s] * (1 + rng.gauss(0, 0.002))
        q = quote("v", s, mid * 0.9999, mid * 1.0001, rng.uniform(0, 5), rng.uniform(0, 5), t)
        a, b = vector.on_quote(q), loop.on_quote(q)
        assert a == b
        hits += len(a)
    assert hits > 0  # the comparison was not vacuous
