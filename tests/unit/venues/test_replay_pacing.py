"""The pacer shared by the sim and the replay: exact pacing on a fake clock, yields, stop."""

from __future__ import annotations

import asyncio

import pytest
from test_replay_support import FakeTime, Recorder

from app.core.clock import ManualClock
from app.core.quotes import Quote
from app.venues.gate import Gate
from app.venues.pacing import Pacer

S = 1_000_000_000


def quotes_at(*times_ns: int) -> list[Quote]:
    return [Quote("v", "BTC/USDT", 1.0, 1.0, 2.0, 1.0, t) for t in times_ns]


async def test_waits_market_time_divided_by_speed() -> None:
    fake = FakeTime()
    rec = Recorder(fake)
    start = fake.now
    clock = ManualClock()
    assert await fake.pacer(2.0).emit(quotes_at(10 * S, 11 * S, 13 * S), rec.sink, clock)
    assert [w - start for w in rec.walls] == [0, S // 2, 3 * S // 2]
    assert clock.now_ns() == 13 * S


async def test_quotes_within_the_min_sleep_window_share_one_wake_up() -> None:
    fake = FakeTime()
    rec = Recorder(fake)
    times = [S + i * 100_000 for i in range(5)]  # 0.1 ms apart
    await fake.pacer(1.0).emit(quotes_at(0, *times), rec.sink, ManualClock())
    positive = [s for s in fake.sleeps if s > 0]
    assert positive == [pytest.approx(1.0)]
    assert len(rec.quotes) == 6


async def test_max_speed_never_sleeps_and_yields_every_n_quotes() -> None:
    fake = FakeTime()
    rec = Recorder(fake)
    pacer = fake.pacer(None, yield_every=1000)
    await pacer.emit(quotes_at(*range(0, 2500 * S, S)), rec.sink, ManualClock())
    assert len(rec.quotes) == 2500
    assert fake.sleeps == [0.0, 0.0, 0.0]  # before quotes 1, 1001 and 2001


async def test_a_paced_feed_behind_catches_up_in_small_bursts() -> None:
    """250 quotes all due at once (the feed fell behind): the loop gets a turn every 100."""
    fake = FakeTime()
    rec = Recorder(fake)
    pacer = fake.pacer(1.0, paced_yield_every=100)
    await pacer.emit(quotes_at(*([0] * 250)), rec.sink, ManualClock())
    assert len(rec.quotes) == 250
    assert fake.sleeps == [0.0, 0.0, 0.0]  # before quotes 1, 101 and 201


async def test_emit_keeps_its_pace_across_calls() -> None:
    fake = FakeTime()
    rec = Recorder(fake)
    start = fake.now
    pacer = fake.pacer(4.0)
    clock = ManualClock()
    await pacer.emit(quotes_at(0, S), rec.sink, clock)
    await pacer.emit(quotes_at(2 * S, 4 * S), rec.sink, clock)
    assert [w - start for w in rec.walls] == [0, S // 4, S // 2, S]


async def test_speed_change_reanchors() -> None:
    fake = FakeTime()
    rec = Recorder(fake)
    start = fake.now
    pacer = fake.pacer(1.0)
    clock = ManualClock()
    await pacer.emit(quotes_at(0, S), rec.sink, clock)
    pacer.speed = 10.0
    await pacer.emit(quotes_at(2 * S, 12 * S), rec.sink, clock)
    # The new speed counts from the first quote after the change.
    assert [w - start for w in rec.walls] == [0, S, S, 2 * S]


async def test_stop_wakes_a_long_sleep() -> None:
    pacer = Pacer(1.0)
    rec = Recorder()
    task = asyncio.create_task(pacer.emit(quotes_at(0, 3600 * S), rec.sink, ManualClock()))
    while not rec.quotes:  # noqa: ASYNC110 - the first quote leaves at once, then it sleeps
        await asyncio.sleep(0)
    await asyncio.sleep(0)
    pacer.stop()
    for _ in range(5):  # woken within a few turns of the loop, not after the hour (the latency
        if task.done():  # in wall time is measured by benchmarks/timing.py)
            break
        await asyncio.sleep(0)
    assert task.done() and task.result() is False
    assert len(rec.quotes) == 1
    assert await pacer.emit(quotes_at(7200 * S), rec.sink, ManualClock()) is False


@pytest.mark.parametrize("speed", [0, -1, float("inf"), float("nan")])
def test_bad_speed(speed: float) -> None:
    with pytest.raises(ValueError, match="speed must be > 0"):
        Pacer(speed)


async def test_at_max_speed_the_next_quote_waits_while_the_gate_is_busy() -> None:
    """A bot's step holds the gate: the quote after the one it decided on waits for its end."""
    gate = Gate()
    pacer = Pacer(None)
    pacer.gate = gate
    seen: list[int] = []

    def sink(quote: Quote) -> None:
        seen.append(quote.received_ns)
        if quote.received_ns == 2:
            gate.enter()  # a step starts on this quote

    emitting = asyncio.ensure_future(pacer.emit(quotes_at(1, 2, 3, 4), sink, ManualClock(0)))
    for _ in range(20):
        await asyncio.sleep(0)
    assert seen == [1, 2] and not emitting.done()
    gate.leave()  # the step ended
    assert await emitting
    assert seen == [1, 2, 3, 4]


async def test_at_a_set_speed_the_gate_does_not_hold_quotes() -> None:
    gate = Gate()
    gate.enter()
    pacer = Pacer(1000.0)
    pacer.gate = gate
    seen: list[int] = []
    assert await pacer.emit(
        quotes_at(1, 2, 3), lambda q: seen.append(q.received_ns), ManualClock(0)
    )
    assert seen == [1, 2, 3]
