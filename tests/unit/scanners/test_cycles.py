from __future__ import annotations

import itertools
import math
import random

import pytest

from app.core.instruments import Instrument
from app.core.opportunities import OpportunityKind
from app.core.quotes import Quote
from app.engine.scanners import CycleScanner, TriangularScanner

from .support import inst, quote


def square() -> tuple[list[Instrument], list[Quote]]:
    """USDT, BTC, ETH, BNB in a ring with no diagonal but ETH/USDT: one profitable 4-cycle."""
    insts = [inst("x", s, fee_bps=0) for s in ("BTC/USDT", "ETH/BTC", "BNB/ETH", "BNB/USDT")]
    quotes = [
        quote("x", "BTC/USDT", 100.0, 100.0),
        quote("x", "ETH/BTC", 0.1, 0.1),
        quote("x", "BNB/ETH", 0.5, 0.5),
        quote("x", "BNB/USDT", 5.5, 5.5),  # worth 5 through the ring: 10 % to take
    ]
    return insts, quotes


def test_a_four_leg_cycle_with_its_edge_and_legs() -> None:
    insts, quotes = square()
    scanner = CycleScanner(insts, max_len=4)
    for q in quotes:
        assert scanner.on_quote(q) == []  # quotes are only recorded
    found = scanner.scan(7)
    assert len(found) == 1
    opp = found[0]
    assert opp.kind is OpportunityKind.CYCLES
    assert opp.edge_bps == pytest.approx(1_000.0)
    assert opp.key == "cycles:x:USDT>BTC>ETH>BNB>USDT"
    assert [(leg.symbol, leg.side.value) for leg in opp.legs] == [
        ("BTC/USDT", "buy"),
        ("ETH/BTC", "buy"),
        ("BNB/ETH", "buy"),
        ("BNB/USDT", "sell"),
    ]
    assert CycleScanner(insts, max_len=3).scan(0) == []  # needs four legs


def test_fees_count_on_every_leg() -> None:
    insts, quotes = square()
    # 10 % gross over four legs: 240 bps each leaves 1.1 * 0.976^4 - 1 < 0.
    for fee, expected in ((100, 1.1 * 0.99**4), (240, None)):
        scanner = CycleScanner([inst("x", i.symbol, fee_bps=fee) for i in insts])
        for q in quotes:
            scanner.update(q)
        found = scanner.scan(0)
        if expected is None:
            assert found == []
        else:
            assert found[0].edge_bps == pytest.approx((expected - 1) * 10_000)


def test_a_detour_that_a_direct_market_beats_is_not_reported() -> None:
    insts, quotes = square()
    insts.append(inst("x", "ETH/USDT", fee_bps=0))
    # Direct ETH/USDT at 10: the ring USDT>BTC>ETH is no better than buying ETH directly, so the
    # 4-cycle is dominated by the triangle USDT>ETH>BNB>USDT, which is reported instead.
    scanner = CycleScanner(insts, max_len=4)
    for q in [*quotes, quote("x", "ETH/USDT", 9.99, 9.99)]:
        scanner.update(q)
    keys = [o.key for o in scanner.scan(0)]
    assert keys[0] == "cycles:x:USDT>ETH>BNB>USDT"
    assert "cycles:x:USDT>BTC>ETH>BNB>USDT" not in keys


def test_max_results_keeps_the_best() -> None:
    scanner, _ = _random_scanner(seed=5, max_len=4)
    everything = scanner.scan(0)
    assert len(everything) > 5
    assert not scanner.truncated
    best, _ = _random_scanner(seed=5, max_len=4, max_results=5)
    top = best.scan(0)
    assert best.truncated
    assert [o.key for o in top] == [o.key for o in everything[:5]]


def test_across_venues_a_cycle_may_buy_on_one_and_sell_on_another() -> None:
    insts = [inst(v, "BTC/USDT", fee_bps=5) for v in ("a", "b")]
    quotes = [quote("a", "BTC/USDT", 99.0, 100.0), quote("b", "BTC/USDT", 101.0, 102.0)]
    per_venue = CycleScanner(insts)
    across = CycleScanner(insts, cross_venue=True)
    for q in quotes:
        per_venue.update(q)
        across.update(q)
    assert per_venue.scan(0) == []
    (opp,) = across.scan(0)
    assert [(leg.venue, leg.side.value) for leg in opp.legs] == [("a", "buy"), ("b", "sell")]
    assert opp.edge_bps == pytest.approx((101.0 / 100.0 * 0.9995**2 - 1) * 10_000)


def test_negative_floor_is_refused() -> None:
    with pytest.raises(ValueError, match="min_edge_bps"):
        CycleScanner([], min_edge_bps=-1.0)


# -- against brute force on random graphs ---------------------------------------------------


def _random_scanner(
    seed: int, max_len: int, max_results: int | None = None, fee_bps: float = 5.0
) -> tuple[CycleScanner, dict[tuple[str, str], tuple[str, float]]]:
    """Nine assets, about half of the pairs quoted around noisy fair values; and the rate of
    every step (asset given, asset received) -> (symbol, rate after the fee)."""
    rng = random.Random(seed)
    assets = [f"A{i}" for i in range(9)]
    value = {a: math.exp(rng.uniform(-3, 3)) for a in assets}
    keep = 1 - fee_bps / 10_000
    insts, quotes, rates = [], [], {}
    for base, quote_asset in itertools.combinations(assets, 2):
        if rng.random() < 0.55:
            sym = f"{base}/{quote_asset}"
            mid = value[base] / value[quote_asset] * math.exp(rng.gauss(0, 0.01))
            bid, ask = mid * (1 - 0.0002), mid * (1 + 0.0002)
            insts.append(inst("v", sym, fee_bps=fee_bps))
            quotes.append(quote("v", sym, bid, ask))
            rates[(base, quote_asset)] = (sym, bid * keep)
            rates[(quote_asset, base)] = (sym, keep / ask)
    scanner = CycleScanner(insts, max_len=max_len, max_results=max_results)
    for q in quotes:
        scanner.update(q)
    return scanner, rates


def _brute_force(rates: dict[tuple[str, str], tuple[str, float]], max_len: int) -> set[tuple]:
    """Every simple cycle up to max_len with rate > 1 that no direct step shortens profitably."""
    assets = sorted({a for pair in rates for a in pair})
    logs = {pair: math.log(r) for pair, (_, r) in rates.items()}
    found = set()
    for length in range(2, max_len + 1):
        for ring in itertools.permutations(assets, length):
            if ring[0] != min(ring):
                continue
            steps = list(zip(ring, ring[1:] + ring[:1], strict=True))
            if not all(s in logs for s in steps):
                continue
            product = 1.0
            for s in steps:
                product *= rates[s][1]
            if not product > 1.0:
                continue
            cumulative = [0.0]
            for s in steps:
                cumulative.append(cumulative[-1] + logs[s])
            total = cumulative[-1]
            dominated = False
            for i in range(length):
                for span in range(2, length):
                    j = i + span
                    u, v = ring[i], ring[j % length]
                    detour = (
                        cumulative[j] - cumulative[i]
                        if j < length
                        else total - cumulative[i] + cumulative[j - length]
                    )
                    if (u, v) in logs and logs[(u, v)] >= detour:
                        dominated = True
            if not dominated:
                found.add(frozenset(steps))
    return found


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("max_len", [3, 4])
def test_the_search_finds_exactly_the_undominated_profitable_cycles(
    seed: int, max_len: int
) -> None:
    scanner, rates = _random_scanner(seed, max_len)
    expected = _brute_force(rates, max_len)
    got = set()
    for opp in scanner.scan(0):
        steps = []
        for leg in opp.legs:
            base, quote_asset = leg.symbol.split("/")
            steps.append((base, quote_asset) if leg.side.value == "sell" else (quote_asset, base))
        got.add(frozenset(steps))
    assert expected  # every seed has some (5 to 43)
    assert got == expected


def test_with_three_legs_it_finds_every_profitable_triangle() -> None:
    scanner, rates = _random_scanner(11, 3)
    insts = [inst("v", sym, fee_bps=5.0) for sym in sorted({s for s, _ in rates.values()})]
    tri = TriangularScanner(insts)
    for (base, quote_asset), (sym, _) in rates.items():
        if sym == f"{base}/{quote_asset}":
            keep = 1 - 5.0 / 10_000
            bid = rates[(base, quote_asset)][1] / keep
            ask = keep / rates[(quote_asset, base)][1]
            tri.update(quote("v", sym, bid, ask))
    triangles = {o.key.split(":", 2)[2] for o in tri.scan(0)}
    cycles = {o.key.split(":", 2)[2] for o in scanner.scan(0)}
    assert triangles
    assert triangles == cycles
