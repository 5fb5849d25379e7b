"""SimulatedMarket: instruments, determinism, rates, market time, statuses, basis and funding."""

from __future__ import annotations

import asyncio
from collections import Counter
from decimal import Decimal

import pytest
from test_replay_support import FakeTime, Recorder

from app.core.events import VenueState
from app.core.instruments import InstrumentKind
from app.core.quotes import Quote
from app.venues.base import MarketFeed
from app.venues.sim import DEFAULT_SIM_VENUES, SIM_EPOCH_NS, SimulatedMarket
from app.venues.sim_model import ModelParams, OuParams

S = 1_000_000_000
SYMBOLS = {"BTC/USDT", "ETH/USDT", "ETH/BTC", "BTC/USDT:USDT", "ETH/USDT:USDT"}


async def run_sim(
    seconds: float, seed: int = 1, **kwargs: object
) -> tuple[SimulatedMarket, Recorder]:
    market = SimulatedMarket(seed, speed=None, duration_s=seconds, **kwargs)  # type: ignore[arg-type]
    rec = Recorder()
    await market.run(rec.sink, rec.status)
    return market, rec


def test_epoch_is_2026_01_01_utc() -> None:
    assert SIM_EPOCH_NS == 1_767_225_600 * S
    assert SimulatedMarket().clock.now_ns() == SIM_EPOCH_NS


def test_venues_and_instruments() -> None:
    market = SimulatedMarket()
    assert isinstance(market, MarketFeed)
    assert tuple(market.venues()) == DEFAULT_SIM_VENUES == ("sim-a", "sim-b", "sim-c")
    instruments = market.instruments()
    assert len(instruments) == 15
    for venue in DEFAULT_SIM_VENUES:
        assert {i.symbol for i in instruments if i.venue == venue} == SYMBOLS
    for inst in instruments:
        if ":" in inst.symbol:
            assert inst.kind is InstrumentKind.PERPETUAL
            assert inst.settle == "USDT" and not inst.inverse and inst.contract_size == 1
            assert inst.taker_fee < Decimal("0.001")
        else:
            assert inst.kind is InstrumentKind.SPOT and inst.settle is None
        assert inst.tick_size > 0 and inst.step_size > 0 and inst.maker_fee <= inst.taker_fee
    # The venues differ a bit: fees and rules are not all the same.
    btc = [i for i in instruments if i.symbol == "BTC/USDT"]
    assert len({i.taker_fee for i in btc}) > 1 and len({i.tick_size for i in btc}) > 1
    perps = [i for i in instruments if i.symbol == "BTC/USDT:USDT"]
    assert len({i.taker_fee for i in perps}) > 1


def test_more_venues_and_bad_arguments() -> None:
    market = SimulatedMarket(venues=("a", "b", "c", "d"))
    assert len(market.instruments()) == 20 and tuple(market.venues()) == ("a", "b", "c", "d")
    with pytest.raises(ValueError, match="at least one venue"):
        SimulatedMarket(venues=())
    with pytest.raises(ValueError, match="unique"):
        SimulatedMarket(venues=("a", "a"))
    with pytest.raises(ValueError, match="quote_rate_hz"):
        SimulatedMarket(quote_rate_hz=0)
    with pytest.raises(ValueError, match="duration_s"):
        SimulatedMarket(duration_s=0)
    with pytest.raises(ValueError, match="speed"):
        SimulatedMarket(speed=-1)


async def test_same_seed_same_stream_other_seed_other_stream() -> None:
    _, one = await run_sim(20, seed=7)
    _, two = await run_sim(20, seed=7)
    _, other = await run_sim(20, seed=8)
    assert len(one.quotes) > 2000
    assert one.quotes == two.quotes  # prices, sizes, venues, symbols and both timestamps
    assert one.quotes != other.quotes
    assert [q.received_ns for q in one.quotes] != [q.received_ns for q in other.quotes]
    assert [q.bid for q in one.quotes[:100]] != [q.bid for q in other.quotes[:100]]


async def test_the_stream_does_not_depend_on_the_speed() -> None:
    fake = FakeTime()
    paced = SimulatedMarket(3, speed=50.0, duration_s=5, pacer=fake.pacer(50.0))
    rec = Recorder()
    await paced.run(rec.sink, rec.status)
    _, fast = await run_sim(5, seed=3)
    assert rec.quotes == fast.quotes


async def test_quotes_are_valid_and_in_market_time() -> None:
    market, rec = await run_sim(60)
    instruments = {(i.venue, i.symbol): i for i in market.instruments()}
    times = [q.received_ns for q in rec.quotes]
    assert times == sorted(times)
    assert times[0] >= SIM_EPOCH_NS and times[-1] < SIM_EPOCH_NS + 60 * S
    assert market.clock.now_ns() == SIM_EPOCH_NS + 60 * S
    for q in rec.quotes:
        inst = instruments[(q.venue, q.symbol)]
        tick, step = float(inst.tick_size), float(inst.step_size)
        assert 0 < q.bid < q.ask
        assert abs(q.bid / tick - round(q.bid / tick)) < 1e-6
        assert abs(q.ask / tick - round(q.ask / tick)) < 1e-6
        assert q.bid_qty >= step and q.ask_qty >= step
        assert abs(q.bid_qty / step - round(q.bid_qty / step)) < 1e-6
        assert q.received_ns - 100_000_000 < q.exchange_ns < q.received_ns
        assert q.spread_bps < 50
    mids = {sym: [q.mid for q in rec.quotes if q.symbol == sym] for sym in SYMBOLS}
    assert min(mids["BTC/USDT"]) > 80_000 and max(mids["BTC/USDT"]) < 100_000
    assert min(mids["ETH/USDT"]) > 2_500 and max(mids["ETH/USDT"]) < 3_500
    assert min(mids["ETH/BTC"]) > 0.03 and max(mids["ETH/BTC"]) < 0.037


async def test_quote_rate_per_instrument() -> None:
    _, rec = await run_sim(60, quote_rate_hz=10.0)
    # Poisson: 15 x 10 Hz x 60 s = 9,000 expected, sd 95; 600 per instrument, sd 24.5.
    assert 8_500 < len(rec.quotes) < 9_500
    per = Counter((q.venue, q.symbol) for q in rec.quotes)
    assert len(per) == 15 and all(450 < n < 750 for n in per.values())


async def test_high_rates_are_generated() -> None:
    # The UI benchmark pushes 20,000 quotes/s: 15 instruments x 1,334 Hz (how fast the market
    # makes them is measured by benchmarks/timing.py).
    _, rec = await run_sim(5, quote_rate_hz=1_334.0)
    assert 95_000 < len(rec.quotes) < 105_000


async def test_statuses_at_start_and_end() -> None:
    _, rec = await run_sim(1)
    assert rec.statuses == [(v, VenueState.CONNECTED, "") for v in DEFAULT_SIM_VENUES] + [
        (v, VenueState.CLOSED, "") for v in DEFAULT_SIM_VENUES
    ]


async def test_speed_is_honoured_with_a_fake_clock() -> None:
    fake = FakeTime()
    market = SimulatedMarket(1, duration_s=3, pacer=fake.pacer(10.0))
    rec = Recorder(fake)
    start = fake.now
    await market.run(rec.sink, rec.status)
    # 3 s of market time at speed 10: the run ends 0.3 s of wall time after it started.
    assert fake.now - start == pytest.approx(0.3e9, abs=1e6)
    for quote, wall in zip(rec.quotes, rec.walls, strict=True):
        due = start + (quote.received_ns - SIM_EPOCH_NS) / 10.0
        assert due - 1e6 <= wall <= due + 1


async def test_low_rates_still_advance_market_time() -> None:
    fake = FakeTime()
    market = SimulatedMarket(1, quote_rate_hz=0.01, duration_s=30, pacer=fake.pacer(1.0))
    start = fake.now
    await market.run(Recorder().sink, Recorder().status)
    assert market.clock.now_ns() == SIM_EPOCH_NS + 30 * S
    assert fake.now - start == pytest.approx(30e9, abs=1e6)


async def test_close_ends_an_endless_run() -> None:
    for speed in (None, 1.0):
        market = SimulatedMarket(1, speed=speed)
        rec = Recorder()
        task = asyncio.create_task(market.run(rec.sink, rec.status))
        await asyncio.sleep(0.2)
        await market.close()
        await asyncio.wait_for(task, 1.0)
        assert rec.quotes
        assert rec.statuses[-3:] == [(v, VenueState.CLOSED, "") for v in DEFAULT_SIM_VENUES]
        with pytest.raises(RuntimeError, match="runs once"):
            await market.run(rec.sink, rec.status)


def basis_samples(quotes: list[Quote], venue: str, base: str) -> list[float]:
    """Perp over spot mid on one venue, sampled every 100 ms of market time."""
    spot_sym, perp_sym = f"{base}/USDT", f"{base}/USDT:USDT"
    spot = perp = None
    out: list[float] = []
    next_ns = SIM_EPOCH_NS + S
    for q in quotes:
        if q.received_ns >= next_ns and spot is not None and perp is not None:
            out.append(perp / spot - 1.0)
            next_ns += S // 10
        if q.venue == venue and q.symbol == spot_sym:
            spot = q.mid
        elif q.venue == venue and q.symbol == perp_sym:
            perp = q.mid
    return out


async def test_perpetuals_carry_a_basis_and_a_funding_rate_that_follows_it() -> None:
    market, rec = await run_sim(180)
    for venue in DEFAULT_SIM_VENUES:
        for base in ("BTC", "ETH"):
            samples = basis_samples(rec.quotes, venue, base)
            mean = sum(samples) / len(samples)
            assert 1e-4 < mean < 12e-4  # a small premium, a few bps (model: 5-6 bps)
            funding = market.funding_rate(venue, f"{base}/USDT:USDT")
            assert funding is not None
            recent = samples[-1200:]  # the last two minutes; the premium index averages ~1 min
            assert funding == pytest.approx(sum(recent) / len(recent), abs=4e-4)
            assert 0 < funding < 0.0075
            assert market.funding_rate(venue, f"{base}/USDT") is None
    assert market.funding_rate("elsewhere", "BTC/USDT:USDT") is None
    assert market.funding_rate("sim-a", "SOL/USDT:USDT") is None


@pytest.mark.parametrize("premium", [-0.002, 0.003])
async def test_funding_sign_and_size_follow_the_basis(premium: float) -> None:
    params = ModelParams(
        btc_basis=OuParams(half_life_s=120.0, sd=1e-4, mean=premium),
        eth_basis=OuParams(half_life_s=120.0, sd=1e-4, mean=premium),
    )
    market, _ = await run_sim(300, params=params)
    for venue in DEFAULT_SIM_VENUES:
        funding = market.funding_rate(venue, "BTC/USDT:USDT")
        assert funding == pytest.approx(premium, abs=5e-4)
        basis = market.basis(venue, "BTC")
        assert basis is not None and basis == pytest.approx(premium, abs=8e-4)
