"""The gate: cross and basis skip building what the decisions certainly drop. Whatever is skipped,
the service publishes the same opportunities and counts the same found, published and dropped
per reason as the full path (every opportunity built, then checked)."""

from __future__ import annotations

import random
from typing import Any

import pytest

from app.core.bus import EventBus
from app.core.clock import ManualClock
from app.core.events import QuoteUpdated
from app.core.instruments import Instrument, InstrumentKind
from app.core.opportunities import Opportunity
from app.core.quotes import Quote
from app.engine.decisions import Decisions
from app.engine.opportunities import OpportunityService, OpportunityStats
from app.engine.scanners import BasisScanner, CrossVenueScanner
from app.runtime.scanner_settings import DecisionSettings, ScannersSettings

from .support import MS, inst, quote

PERP = InstrumentKind.PERPETUAL
VENUES = [f"v{i:02d}" for i in range(10)]


def market() -> list[Instrument]:
    out = []
    for k, venue in enumerate(VENUES):
        fee = 1.0 + k % 3
        min_qty = "0.5" if k % 4 == 0 else "0"  # some legs below exchange minimums
        out += [
            inst(venue, "BTC/USDT", fee, min_qty=min_qty),
            inst(venue, "BTC/USDT:USDT", fee, kind=PERP),
            inst(venue, "ETH/USDT", fee),
            inst(venue, "ETH/USDT:USDT", fee, kind=PERP),
        ]
    return out


def stream(seed: int, count: int, insts: list[Instrument]) -> list[Quote]:
    """Prices scattered around a common walk (many venue pairs cross), times that advance by a
    few ms (cooldowns and holds expire), now and then an old or bad quote."""
    rng = random.Random(seed)
    mids = {"BTC": 100.0, "ETH": 10.0}
    out = []
    t = 0
    for _ in range(count):
        i = rng.choice(insts)
        mids[i.base] *= 1.0 + rng.gauss(0.0, 0.0003)
        mid = mids[i.base] * (1.0 + rng.gauss(0.0, 0.002))
        half = mid * rng.uniform(0.00005, 0.0005)
        bid, ask = mid - half, mid + half
        if rng.random() < 0.01:
            bid = 0.0
        t += rng.randint(0, 40)
        stamp = t - 3_000 if rng.random() < 0.02 else t  # a late one: its quote is too old
        out.append(
            quote(i.venue, i.symbol, bid, ask, rng.uniform(0.1, 5), rng.uniform(0.1, 5), stamp)
        )
    return out


def run(
    settings: dict[str, Any], gate: bool, quotes: list[Quote], releaser: bool = False
) -> tuple[OpportunityStats, list[Opportunity]]:
    bus = EventBus()
    clock = ManualClock()
    seen: list[Opportunity] = []
    bus.subscribe(Opportunity, seen.append)
    service = OpportunityService(
        bus,
        market(),
        ScannersSettings.model_validate(settings),
        clock=clock,
        gate=gate,
    )
    if releaser:  # bots that keep the last two published only (on the bus, after the quote's
        # dispatch: the bus queues the events a handler publishes)

        def keep_two(opp: Opportunity) -> None:
            for key in {o.key for o in seen[:-2]} - {o.key for o in seen[-2:]}:
                service.release(key)

        bus.subscribe(Opportunity, keep_two)
    for q in quotes:
        clock.set(max(clock.now_ns(), q.received_ns))
        bus.publish(QuoteUpdated(q))
    return service.stats(), seen


CASES: list[dict[str, Any]] = [
    {},  # the defaults: nearly everything dropped as too_many_concurrent
    {"basis": {"reverse": True, "exit_basis_bps": 5.0}},  # exits too
    {
        "decisions": {
            "max_concurrent_per_instrument": 3,
            "cooldown_ms": 200,
            "hold_ms": 300,
            "min_edge_bps": 2.0,
            "min_size": 20.0,
            "max_quote_age_ms": 500,
        }
    },
    {"decisions": {"venues_block": ["v03"], "assets_block": ["ETH"], "exchange_minimums": False}},
    {"cross": {"venues": VENUES[:5]}, "basis": {"cross_venue": False, "reverse": True}},
]


@pytest.mark.parametrize("settings", CASES)
@pytest.mark.parametrize("seed", [1, 2])
def test_the_gate_changes_no_count_and_no_published_opportunity(
    settings: dict[str, Any], seed: int
) -> None:
    quotes = stream(seed, 3_000, market())
    full_stats, full_seen = run(settings, False, quotes)
    gated_stats, gated_seen = run(settings, True, quotes)
    assert gated_stats == full_stats
    assert gated_seen == full_seen
    assert sum(full_stats.dropped_per_reason.values()) > 100  # the gate had work to do
    assert full_seen


@pytest.mark.parametrize("seed", [3, 4])
def test_releases_by_the_bots_change_nothing_either(seed: int) -> None:
    quotes = stream(seed, 3_000, market())
    settings = {"decisions": {"max_concurrent_per_instrument": 2, "cooldown_ms": 0}}
    full_stats, full_seen = run(settings, False, quotes, releaser=True)
    gated_stats, gated_seen = run(settings, True, quotes, releaser=True)
    assert gated_stats == full_stats
    assert gated_seen == full_seen
    assert len(full_seen) > 10


def test_drops_answers_as_check_on_the_same_opportunity() -> None:
    """Two decisions fed the same opportunities, one through ``check``, one through ``drops`` on
    the parts (and ``check`` for those it lets pass): the same answers and the same counts."""
    insts = market()
    settings = DecisionSettings(cooldown_ms=50, hold_ms=80, max_concurrent_per_instrument=2)
    full, parts = Decisions(settings, insts), Decisions(settings, insts)
    scanners: list[CrossVenueScanner | BasisScanner] = [
        CrossVenueScanner(insts),
        BasisScanner(insts, reverse=True),
    ]
    answers = 0
    for q in stream(5, 2_000, insts):
        for scanner in scanners:
            for opp in scanner.on_quote(q):
                now = q.received_ns + 2 * MS
                legs = tuple((leg.venue, leg.symbol, leg.qty, leg.price) for leg in opp.legs)
                oldest = min(leg.quote_ns for leg in opp.legs)
                dropped = parts.drops(
                    opp.key,
                    opp.signal,
                    opp.edge_bps,
                    opp.size_quote,
                    opp.size_asset,
                    legs,
                    oldest,
                    now,
                )
                reason = full.check(opp, now)
                assert dropped is (reason is not None)
                if not dropped:
                    assert parts.check(opp, now) is None
                answers += 1
    assert full.dropped == parts.dropped
    assert full.accepted == parts.accepted
    assert answers > 100 and full.accepted > 0


def mid_batch(gate: bool) -> tuple[list[str], OpportunityStats]:
    bus = EventBus()
    clock = ManualClock()
    seen: list[Opportunity] = []
    bus.subscribe(Opportunity, seen.append)
    venues = ["a", "b", "c", "d", "e"]
    settings = {"decisions": {"max_concurrent_per_instrument": 2, "cooldown_ms": 0}}
    service = OpportunityService(
        bus,
        [inst(v, "BTC/USDT", 1.0) for v in venues],
        ScannersSettings.model_validate(settings),
        clock=clock,
        gate=gate,
    )

    def release_b(opp: Opportunity) -> None:
        if opp.key == "cross:BTC/USDT:a>d":
            service.release("cross:BTC/USDT:b>a")
            service.release("cross:BTC/USDT:b>c")

    bus.subscribe(Opportunity, release_b)
    for q in [quote(v, "BTC/USDT", 100.0, 100.1, t_ms=1) for v in venues] + [
        quote("b", "BTC/USDT", 99.0, 99.05, t_ms=2),  # b>a, b>c pass; b is then full
        quote("d", "BTC/USDT", 101.0, 101.1, t_ms=3),  # a>d passes, frees b: b>d passes
    ]:
        clock.set(q.received_ns)
        service.on_quote(q)  # not inside a bus dispatch: opportunities reach handlers at once
    return [o.key for o in seen], service.stats()


def test_what_a_release_mid_batch_frees_is_decided_after_it() -> None:
    """b is held twice (the limit) when a quote of d makes a>d and then b>d; publishing a>d
    releases b's holders (a caller without a bus sees it at once, in the middle of the batch),
    so b>d passes: with the gate as without (the gate stops skipping once one passes)."""
    gated = mid_batch(True)
    assert gated == mid_batch(False)
    published, _ = gated
    assert published[:2] == ["cross:BTC/USDT:b>a", "cross:BTC/USDT:b>c"]
    assert "cross:BTC/USDT:a>d" in published and "cross:BTC/USDT:b>d" in published
