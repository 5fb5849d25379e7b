from __future__ import annotations

from app.core.bus import EventBus
from app.core.clock import ManualClock
from app.core.events import QuoteUpdated
from app.core.opportunities import Opportunity
from app.core.quotes import Quote, QuoteBook
from app.engine.market_timer import MarketTimers
from app.engine.opportunities import OpportunityService
from app.runtime.scanner_settings import ScannersSettings

from .support import MS, inst, quote

INSTRUMENTS = [
    inst("a", "BTC/USDT", 10),
    inst("b", "BTC/USDT", 10),
    inst("a", "ETH/USDT", 10),
    inst("a", "ETH/BTC", 10),
    inst("a", "BNB/ETH", 10),
    inst("a", "BNB/USDT", 10),
    inst("a", "SOL/USDT", 10),
]


def make(**settings: object) -> tuple[OpportunityService, EventBus, ManualClock, list[Opportunity]]:
    bus = EventBus()
    clock = ManualClock()
    seen: list[Opportunity] = []
    bus.subscribe(Opportunity, seen.append)
    service = OpportunityService(
        bus, INSTRUMENTS, ScannersSettings.model_validate(settings), clock=clock
    )
    return service, bus, clock, seen


def push(bus: EventBus, clock: ManualClock, q: Quote) -> None:
    clock.set(q.received_ns)
    bus.publish(QuoteUpdated(q))


def test_quotes_on_the_bus_become_published_opportunities() -> None:
    service, bus, clock, seen = make()
    push(bus, clock, quote("a", "BTC/USDT", 99.0, 100.0, t_ms=1))
    push(bus, clock, quote("b", "BTC/USDT", 101.0, 102.0, t_ms=2))
    assert [o.key for o in seen] == ["cross:BTC/USDT:a>b"]
    assert service.per_kind()["cross"] == 1
    push(bus, clock, quote("b", "BTC/USDT", 101.0, 102.0, t_ms=3))  # within the cooldown
    assert len(seen) == 1
    stats = service.stats()
    assert stats.found_per_kind == {"cross": 2}
    assert stats.published_per_kind == {"cross": 1}
    assert stats.dropped_per_reason == {"cooldown": 1}


def test_per_kind_lists_every_running_scanner() -> None:
    service, *_ = make(pairs={"pairs": [{"leg1": "a:ETH/USDT", "leg2": "a:BTC/USDT"}]})
    assert service.per_kind() == {"cross": 0, "cycles": 0, "pairs": 0, "triangular": 0}
    # Basis has no derivative to pair with here, so it does not run.
    assert [s.kind.value for s in service.scanners] == ["cross", "triangular", "cycles", "pairs"]
    off, *_ = make(cross={"enabled": False}, cycles={"enabled": False}, pairs={"enabled": False})
    assert off.per_kind() == {"triangular": 0}
    assert make(enabled=False)[0].per_kind() == {}


def test_an_instrument_no_scanner_needs_costs_nothing() -> None:
    service, bus, clock, seen = make()
    push(bus, clock, quote("a", "SOL/USDT", 1.0, 2.0))
    push(bus, clock, quote("zz", "DOGE/USDT", 1.0, 2.0))
    assert seen == []
    assert service.stats().found_per_kind == {}


def test_samples_are_throttled_per_key_in_market_time() -> None:
    bus, clock = EventBus(), ManualClock()
    sampled: list[Opportunity] = []
    settings = ScannersSettings.model_validate(
        {"sample_interval_ms": 1_000, "decisions": {"cooldown_ms": 0}}
    )
    service = OpportunityService(bus, INSTRUMENTS, settings, clock=clock, sampler=sampled.append)
    for t in range(0, 2_500, 100):
        push(bus, clock, quote("a", "BTC/USDT", 99.0, 100.0, t_ms=t))
        push(bus, clock, quote("b", "BTC/USDT", 101.0, 102.0, t_ms=t))
    assert [o.ts_ns // MS for o in sampled] == [0, 1_000, 2_000]
    assert service.stats().samples == 3
    assert service.per_kind()["cross"] == 49  # every update after the first: all published


def test_min_size_is_valued_from_the_book() -> None:
    bus, clock, book = EventBus(), ManualClock(), QuoteBook()
    settings = ScannersSettings.model_validate(
        {"decisions": {"min_size": 1_000.0, "size_currency": "BTC"}}
    )
    service = OpportunityService(bus, INSTRUMENTS, settings, clock=clock, book=book)
    btc = quote("a", "BTC/USDT", 99.0, 100.0, ask_qty=5.0)  # 500 USDT = 5 BTC < 1000 BTC
    book.update(btc)
    push(bus, clock, btc)
    push(bus, clock, quote("b", "BTC/USDT", 101.0, 102.0))
    assert service.stats().dropped_per_reason == {"size_below_min": 1}


def square_quotes() -> list[Quote]:
    return [
        quote("a", "BTC/USDT", 100.0, 100.0),
        quote("a", "ETH/BTC", 0.1, 0.1),
        quote("a", "BNB/ETH", 0.5, 0.5),
        quote("a", "BNB/USDT", 5.5, 5.5),
    ]


def test_cycles_run_on_demand() -> None:
    service, bus, clock, seen = make()
    for q in square_quotes():
        push(bus, clock, q)
    assert seen == []  # the 4-cycle is not a triangle: only the search finds it
    found = service.scan_now()
    assert [o.key for o in found] == ["cycles:a:USDT>BTC>ETH>BNB>USDT"]
    assert seen == found
    assert service.stats().timer_scans == 1


def test_cycles_run_on_the_market_clock() -> None:
    service, bus, clock, seen = make(cycles={"interval_ms": 50})
    timers = MarketTimers(clock)
    service.schedule(timers)
    for q in square_quotes():
        push(bus, clock, q)
    timers.advance(clock.now_ns())  # the first search runs at once
    assert [o.kind.value for o in seen] == ["cycles"]
    # then once per 50 ms of market time, however fast that time passes
    for t_ms in range(51, 1_001):
        timers.advance(t_ms * MS)
    assert timers.runs() == {"cycles": 21}  # the first and one per 50 ms up to 1,000 ms
    assert service.stats().timer_scans == 21


def test_no_timer_without_a_search_to_run() -> None:
    service, _, clock, _ = make(cycles={"enabled": False})
    timers = MarketTimers(clock)
    service.schedule(timers)
    assert timers.runs() == {}


def test_close_unsubscribes() -> None:
    service, bus, clock, seen = make()
    service.close()
    push(bus, clock, quote("a", "BTC/USDT", 99.0, 100.0))
    push(bus, clock, quote("b", "BTC/USDT", 101.0, 102.0))
    assert seen == []
