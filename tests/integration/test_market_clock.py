"""Timers run on the market clock: a market minute gets the same periodic work at any speed.

Before, timers slept in wall seconds: a 3,600 s replay at ``--speed max`` ran 8 cycle searches
and 8 revaluations, so the automatic halts effectively never ran.
"""

from __future__ import annotations

import pytest

from app.engine.engine import Engine
from tests.support.engines import make_settings


def close_to(runs: object, expected: float) -> bool:
    """One run per interval of market time, plus the first (due times lie on a grid)."""
    return isinstance(runs, int) and expected - 1 <= runs <= expected + 2


@pytest.mark.parametrize(
    ("source", "duration_s"),
    [("sim", 600.0), ("replay", None)],  # ten simulated minutes; the bundled 2-minute recording
)
async def test_periodic_work_runs_once_per_interval_of_market_time_at_max_speed(
    source: str, duration_s: float | None
) -> None:
    settings = make_settings(
        market={"source": source, "speed": "max"},
        portfolio={"revalue_interval_ms": 1_000},
        risk={"halts": {"check_interval_ms": 2_000}},
        scanners={"cycles": {"interval_ms": 5_000}},
        market_data={"check_interval_ms": 250, "spread_sample_interval_ms": 1_000},
    )
    engine = Engine(settings, duration_s=duration_s)
    await engine.start()
    try:
        start_ns = engine.now_ns()
        assert await engine.wait_feed_done(120)
    finally:
        await engine.stop()
    summary = engine.summary()
    market_s = (engine.now_ns() - start_ns) / 1e9
    assert market_s > 100  # a real span of market time passed in a few wall seconds
    runs = summary["timer_runs"]
    assert isinstance(runs, dict)
    assert set(runs) == {"staleness", "spread_samples", "revalue", "halts", "cycles"}
    assert close_to(runs["revalue"], market_s / 1.0), (runs, market_s)
    assert close_to(runs["halts"], market_s / 2.0), (runs, market_s)
    assert close_to(runs["cycles"], market_s / 5.0), (runs, market_s)
    assert close_to(runs["staleness"], market_s / 0.25), (runs, market_s)
    assert close_to(runs["spread_samples"], market_s / 1.0), (runs, market_s)
    assert close_to(engine.opportunity_stats().timer_scans, market_s / 5.0)
