"""ReplayMarket: the bundled slice and the full recording, speed, duration, statuses, closing."""

from __future__ import annotations

import asyncio
from collections import Counter
from pathlib import Path

import pytest
from test_replay_support import (
    EXPECTED_NAMES,
    SHARED_BBO,
    TINY_BBO,
    FakeTime,
    Recorder,
    count_rows,
    expected_quote,
    first_and_last_rows,
)

from app.core.events import VenueState
from app.core.quotes import Quote
from app.venues.base import MarketFeed
from app.venues.pacing import DEFAULT_MIN_SLEEP_S
from app.venues.replay import DEFAULT_INSTRUMENTS_FILE, DEFAULT_REPLAY_FILE, ReplayMarket
from app.venues.replay_file import ReplayFileError

VENUES = ("binance", "binanceusdm", "binancecoinm")


@pytest.fixture(scope="module")
def sample() -> ReplayMarket:
    return ReplayMarket(speed=None)


def expected_counts(path: Path) -> Counter[tuple[str, str]]:
    return Counter({EXPECTED_NAMES[key]: n for key, n in count_rows(path).items()})


def test_default_paths_are_the_bundled_resources() -> None:
    assert DEFAULT_REPLAY_FILE.name == "binance-2024-08-08-bbo-sample.csv.gz"
    assert DEFAULT_REPLAY_FILE.parent.name == "sample_data"
    assert DEFAULT_REPLAY_FILE.is_file() and DEFAULT_INSTRUMENTS_FILE.is_file()


def test_is_a_market_feed(sample: ReplayMarket) -> None:
    assert isinstance(sample, MarketFeed)
    assert tuple(sample.venues()) == VENUES
    assert [(i.venue, i.symbol) for i in sample.instruments()] == list(EXPECTED_NAMES.values())
    assert sample.funding_rate("binanceusdm", "BTC/USDT:USDT") is None


async def test_replays_the_bundled_slice_completely() -> None:
    market = ReplayMarket(speed=None)
    start_ns = market.clock.now_ns()
    rec = Recorder()
    await market.run(rec.sink, rec.status)
    assert Counter((q.venue, q.symbol) for q in rec.quotes) == expected_counts(DEFAULT_REPLAY_FILE)
    first, last = first_and_last_rows(DEFAULT_REPLAY_FILE)
    assert rec.quotes[0] == expected_quote(first)
    assert rec.quotes[-1] == expected_quote(last)
    assert start_ns == rec.quotes[0].received_ns
    assert market.clock.now_ns() == rec.quotes[-1].received_ns
    connected = [(v, VenueState.CONNECTED, "") for v in VENUES]
    closed = [(v, VenueState.CLOSED, "") for v in VENUES]
    assert rec.statuses == connected + closed


@pytest.mark.skipif(not SHARED_BBO.exists(), reason=f"{SHARED_BBO} is absent on this machine")
async def test_replays_the_full_shared_recording() -> None:
    market = ReplayMarket(SHARED_BBO, speed=None)
    rec = Recorder()
    await market.run(rec.sink, rec.status)
    counts = expected_counts(SHARED_BBO)
    assert Counter((q.venue, q.symbol) for q in rec.quotes) == counts
    assert len(rec.quotes) == 335_931
    first, last = first_and_last_rows(SHARED_BBO)
    assert rec.quotes[0] == expected_quote(first)
    assert rec.quotes[-1] == expected_quote(last)
    # USD-M stops at 23:59:59 in the recording; its last quote is still replayed.
    usdm = [q for q in rec.quotes if q.venue == "binanceusdm"]
    assert usdm[-1].received_ns == 1723161599785105784


async def test_clock_follows_each_replayed_quote() -> None:
    market = ReplayMarket(TINY_BBO, speed=None)
    seen: list[tuple[int, int]] = []
    await market.run(
        lambda q: seen.append((q.received_ns, market.clock.now_ns())), Recorder().status
    )
    assert len(seen) == 12
    assert all(received == now for received, now in seen)


async def test_speed_factor_is_honoured_exactly_with_a_fake_clock() -> None:
    full = ReplayMarket(speed=None)
    t0 = full.quotes[0].received_ns
    two_seconds = [q for q in full.quotes if q.received_ns < t0 + 2_000_000_000]
    fake = FakeTime()
    market = ReplayMarket.from_quotes(two_seconds, full.instruments(), pacer=fake.pacer(10.0))
    rec = Recorder(fake)
    start = fake.now
    await market.run(rec.sink, rec.status)
    assert rec.quotes == two_seconds
    span_ns = two_seconds[-1].received_ns - t0
    assert 1.9e9 < span_ns < 2.0e9
    # Each quote leaves at its due wall time, at most min_sleep early (the batching window).
    early_ns = DEFAULT_MIN_SLEEP_S * 1e9
    for quote, wall in zip(rec.quotes, rec.walls, strict=True):
        due = start + (quote.received_ns - t0) / 10.0
        assert due - early_ns <= wall <= due + 1
    assert fake.now - start == pytest.approx(span_ns / 10.0, abs=early_ns)


async def test_duration_limits_market_time() -> None:
    market = ReplayMarket(speed=None, duration_s=5.0)
    t0 = market.clock.now_ns()
    rec = Recorder()
    await market.run(rec.sink, rec.status)
    assert rec.quotes and all(q.received_ns < t0 + 5_000_000_000 for q in rec.quotes)
    full = ReplayMarket(speed=None).quotes
    assert rec.quotes == [q for q in full if q.received_ns < t0 + 5_000_000_000]


async def test_max_speed_keeps_the_loop_responsive(sample: ReplayMarket) -> None:
    market = ReplayMarket.from_quotes(sample.quotes, sample.instruments(), speed=None)
    ticks = 0
    done = False

    async def ticker() -> None:
        nonlocal ticks
        while not done:
            ticks += 1
            await asyncio.sleep(0)

    task = asyncio.create_task(ticker())
    await market.run(Recorder().sink, Recorder().status)
    done = True
    await task
    # One yield every ~1,000 quotes: 84,102 quotes give the other task ~84 turns.
    assert ticks >= len(sample.quotes) // 1000 - 1


async def test_close_stops_a_real_time_replay_promptly(sample: ReplayMarket) -> None:
    market = ReplayMarket.from_quotes(sample.quotes, sample.instruments(), speed=1.0)
    rec = Recorder()
    task = asyncio.create_task(market.run(rec.sink, rec.status))
    await asyncio.sleep(0.3)
    await market.close()
    for _ in range(10):  # a few turns of the loop, not the next quote's time (the latency in
        if task.done():  # wall time is measured by benchmarks/timing.py)
            break
        await asyncio.sleep(0)
    assert task.done()
    await task
    assert 0 < len(rec.quotes) < len(sample.quotes)
    assert rec.statuses[-3:] == [(v, VenueState.CLOSED, "") for v in VENUES]


async def test_runs_once_and_close_before_run() -> None:
    market = ReplayMarket(TINY_BBO, speed=None)
    await market.run(Recorder().sink, Recorder().status)
    with pytest.raises(RuntimeError, match="runs once"):
        await market.run(Recorder().sink, Recorder().status)
    closed = ReplayMarket(TINY_BBO, speed=None)
    await closed.close()
    rec = Recorder()
    await closed.run(rec.sink, rec.status)
    assert rec.quotes == [] and rec.statuses == []


async def test_async_open_loads_off_the_loop() -> None:
    market = await ReplayMarket.open(TINY_BBO, speed=None)
    assert len(market.quotes) == 12


def test_from_quotes_refuses_unsorted_quotes() -> None:
    a = Quote("x", "BTC/USDT", 1.0, 1.0, 2.0, 1.0, 20)
    b = Quote("x", "BTC/USDT", 1.0, 1.0, 2.0, 1.0, 10)
    with pytest.raises(ValueError, match="sorted by received_ns"):
        ReplayMarket.from_quotes([a, b], [])
    market = ReplayMarket.from_quotes([b, a], [])
    assert market.venues() == ("x",) and market.clock.now_ns() == 10


def test_errors_at_construction(tmp_path: Path) -> None:
    with pytest.raises(ReplayFileError, match="file not found"):
        ReplayMarket(tmp_path / "missing.csv.gz")
    bad_catalog = tmp_path / "instruments.json"
    bad_catalog.write_text("{}")
    with pytest.raises(ReplayFileError, match=r"bad instrument file: .*instruments\.json"):
        ReplayMarket(TINY_BBO, instruments_path=bad_catalog)
    with pytest.raises(ValueError, match="speed must be > 0"):
        ReplayMarket(TINY_BBO, speed=0)
    with pytest.raises(ValueError, match="duration_s must be > 0"):
        ReplayMarket(TINY_BBO, duration_s=-1)


def test_a_catalog_without_a_market_makes_its_rows_unknown(tmp_path: Path) -> None:
    text = DEFAULT_INSTRUMENTS_FILE.read_text()
    path = tmp_path / "no-coinm.json"
    # Rename the COIN-M BTC market id: its rows are then unknown to the replay.
    path.write_text(text.replace('"BTCUSD_PERP"', '"BTCUSD_240927"'))
    with pytest.raises(ReplayFileError, match=r"line 12: unknown symbol 'BTCUSD_PERP'"):
        ReplayMarket(TINY_BBO, instruments_path=path)
