"""Scanners over many venues: the sorted-rate indexes (cross, basis) find exactly what a full
evaluation of every pair finds, in the same order, and a quote reaches only its own pairs."""

from __future__ import annotations

import random

from app.core.instruments import Instrument, InstrumentKind
from app.core.opportunities import Opportunity, OpportunityKind, Signal
from app.core.quotes import Quote
from app.engine.scanners import BasisScanner, CrossVenueScanner, CycleScanner, build_scanners
from app.runtime.scanner_settings import ScannersSettings

from .support import inst, quote

PERP = InstrumentKind.PERPETUAL
VENUES = [f"v{i:02d}" for i in range(12)]


def market(venues: list[str]) -> list[Instrument]:
    out = []
    for k, venue in enumerate(venues):
        fee = 2.0 + k % 4  # fees differ by venue
        out += [
            inst(venue, "BTC/USDT", fee),
            inst(venue, "BTC/USD", fee),
            inst(venue, "BTC/USDT:USDT", fee, kind=PERP),
            inst(venue, "ETH/USDT", fee),
        ]
    return out


def stream(seed: int, count: int, insts: list[Instrument]) -> list[Quote]:
    """Random walks around a common price, some venues dislocated, a few bad quotes."""
    rng = random.Random(seed)
    mids = {"BTC": 100.0, "ETH": 10.0}
    out = []
    for t in range(count):
        i = rng.choice(insts)
        base = i.base
        mids[base] *= 1.0 + rng.gauss(0.0, 0.0003)
        mid = mids[base] * (1.0 + rng.gauss(0.0, 0.002))
        half = mid * rng.uniform(0.00005, 0.0005)
        bid, ask = mid - half, mid + half
        roll = rng.random()
        if roll < 0.01:
            bid, ask = ask, bid  # crossed: bad data
        elif roll < 0.02:
            bid = 0.0
        out.append(
            quote(i.venue, i.symbol, bid, ask, rng.uniform(0.1, 5), rng.uniform(0.1, 5), t_ms=t)
        )
    return out


def run(scanner: CrossVenueScanner | BasisScanner, quotes: list[Quote]) -> list[Opportunity]:
    found: list[Opportunity] = []
    for q in quotes[:50]:
        scanner.update(q)
    found += scanner.scan(0)
    for q in quotes[50:]:
        found += scanner.on_quote(q)
    found += scanner.scan(10**15)
    return found


def test_cross_index_finds_what_every_pair_finds() -> None:
    insts = market(VENUES)
    for seed in range(3):
        quotes = stream(seed, 4_000, insts)
        for kw in ({}, {"min_edge_bps": -20.0}, {"min_edge_bps": 5.0, "fee": 1.0}):
            indexed = run(CrossVenueScanner(insts, index_min=1, **kw), quotes)  # type: ignore[arg-type]
            looped = run(CrossVenueScanner(insts, index_min=10**9, **kw), quotes)  # type: ignore[arg-type]
            assert indexed == looped
            assert len(indexed) > 50


def test_basis_index_finds_what_every_pair_finds() -> None:
    insts = market(VENUES)
    for seed in range(3):
        quotes = stream(seed, 4_000, insts)
        for kw in (
            {},
            {"reverse": True, "entry_edge_bps": -5.0, "exit_basis_bps": 3.0},
            {"reverse": True, "quote_groups": [["USD", "USDT"]], "exit_basis_bps": -2.0},
            {"cross_venue": False, "reverse": True},
        ):
            indexed = run(BasisScanner(insts, index_min=1, **kw), quotes)  # type: ignore[arg-type]
            looped = run(BasisScanner(insts, index_min=10**9, **kw), quotes)  # type: ignore[arg-type]
            assert indexed == looped
            assert any(o.signal is Signal.EXIT for o in indexed)
            assert any(o.signal is Signal.ENTRY for o in indexed)


def test_cross_quote_on_one_venue_pairs_only_with_the_venues_it_beats() -> None:
    insts = [inst(v, "BTC/USDT", 0.0) for v in VENUES]
    scanner = CrossVenueScanner(insts, index_min=1)
    for v in VENUES:
        scanner.update(quote(v, "BTC/USDT", 99.9, 100.0))
    scanner.update(quote("v03", "BTC/USDT", 100.2, 100.3))  # v03's bid beats every ask
    scanner.update(quote("v07", "BTC/USDT", 100.1, 100.2))
    found = scanner.on_quote(quote("v05", "BTC/USDT", 99.85, 99.95))  # cheap ask on v05
    assert [o.key for o in found] == ["cross:BTC/USDT:v05>v03", "cross:BTC/USDT:v05>v07"]
    assert scanner.on_quote(quote("v05", "BTC/USDT", 99.9, 100.3)) == []


def test_basis_spot_quote_reaches_only_its_own_asset_and_money() -> None:
    insts = market(VENUES)
    scanner = BasisScanner(insts, index_min=1, cross_venue=True)
    for v in VENUES:
        scanner.update(quote(v, "BTC/USDT:USDT", 99.9, 100.0))
        scanner.update(quote(v, "ETH/USDT", 9.99, 10.0))
    scanner.update(quote("v04", "BTC/USDT:USDT", 101.0, 101.1))  # rich perpetual on v04
    found = scanner.on_quote(quote("v09", "BTC/USDT", 99.9, 100.0))
    assert [o.key for o in found] == ["basis:v09:BTC/USDT>v04:BTC/USDT:USDT"]
    assert scanner.on_quote(quote("v09", "BTC/USD", 99.9, 100.0)) == []  # other money
    assert scanner.on_quote(quote("v09", "ETH/USDT", 9.0, 9.01)) == []  # no ETH perpetual


def test_basis_exit_follows_an_entry_on_a_large_group() -> None:
    insts = market(VENUES)
    scanner = BasisScanner(insts, index_min=1, exit_basis_bps=5.0)
    for v in VENUES:
        scanner.update(quote(v, "BTC/USDT:USDT", 99.9, 100.0))
    scanner.update(quote("v01", "BTC/USDT", 99.0, 99.1))
    (entry,) = scanner.on_quote(quote("v02", "BTC/USDT:USDT", 100.5, 100.6))
    assert entry.signal is Signal.ENTRY
    assert scanner.on_quote(quote("v01", "BTC/USDT", 100.3, 100.45)) == []  # still open
    (exit_,) = scanner.on_quote(quote("v01", "BTC/USDT", 100.55, 100.65))
    assert exit_.signal is Signal.EXIT
    assert exit_.key == entry.key


def test_routes_find_what_on_quote_finds() -> None:
    """The opportunity service calls ``route(market)``; it must equal ``on_quote``."""
    insts = market(VENUES[:9]) + [inst(v, "ETH/BTC") for v in VENUES[:9]]
    insts += [inst(v, "ETH/USDT:USDT", kind=PERP) for v in VENUES[:9]]
    quotes = stream(5, 3_000, insts)
    settings = ScannersSettings.model_validate(
        {
            "basis": {"reverse": True, "entry_edge_bps": -5.0},
            "pairs": {
                "window": 10,
                "sample_interval_ms": 1,
                "pairs": [{"leg1": "v00:ETH/USDT", "leg2": "v01:BTC/USDT"}],
            },
        }
    )
    direct, routed = build_scanners(settings, insts), build_scanners(settings, insts)
    assert {s.kind for s in routed} == set(OpportunityKind)
    for a, b in zip(direct, routed, strict=True):
        routes = {m: b.route(m) for m in b.markets()}  # type: ignore[attr-defined]
        found_a = [o for q in quotes for o in a.on_quote(q)]
        found_b = [
            o for q in quotes if (q.venue, q.symbol) in routes for o in routes[q.venue, q.symbol](q)
        ]
        assert found_a == found_b
        assert a.scan(10**15) == b.scan(10**15)


def test_cycles_search_uses_the_latest_quote_of_each_market() -> None:
    insts = [inst("x", "BTC/USDT", 0.0), inst("x", "ETH/USDT", 0.0), inst("x", "ETH/BTC", 0.0)]
    scanner = CycleScanner(insts, max_len=3)
    scanner.update(quote("x", "BTC/USDT", 99.9, 100.0))
    scanner.update(quote("x", "ETH/USDT", 9.99, 10.0))
    assert scanner.on_quote(quote("x", "ETH/BTC", 0.09, 0.091)) == []  # ETH cheap in BTC
    assert len(scanner.scan(0)) == 1
    scanner.update(quote("x", "ETH/BTC", 0.0999, 0.1001))  # the latest one counts
    assert scanner.scan(1) == []
    scanner.on_quote(quote("x", "ETH/BTC", 0.09, 0.091))
    scanner.on_quote(quote("x", "ETH/BTC", 0.0999, 0.1001))
    assert scanner.scan(2) == []
