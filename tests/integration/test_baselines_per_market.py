"""Equity baseline, day start and peak equity belong to one market.

Before, switching ``--market sim`` to ``--market replay`` in the same data folder reported a PnL of
-94,885 USDT with no trade, and the peak carried over from the simulated market brought the
drawdown within 0.7 % of a spurious halt.
"""

from __future__ import annotations

from decimal import Decimal

from app.engine.engine import Engine
from app.engine.market_scope import MarketScope, replay_identity
from app.venues.replay import DEFAULT_REPLAY_FILE
from tests.support.engines import make_settings

HALTS = {"max_drawdown_pct": 5, "check_interval_ms": 100}


async def run(source: str, duration_s: float) -> Engine:
    settings = make_settings(market={"source": source, "speed": "max"}, risk={"halts": HALTS})
    engine = Engine(settings, duration_s=duration_s)
    await engine.start()
    try:
        assert await engine.wait_feed_done(60)
    finally:
        await engine.stop()
    return engine


def baseline_of(engine: Engine) -> dict[str, Decimal]:
    """The equity PnL is measured from: equity less PnL, per valuation currency."""
    valuation = engine.snapshot().valuation
    assert valuation is not None and valuation.complete
    return {c: valuation.equity[c] - pnl for c, pnl in valuation.pnl.items()}


async def test_a_new_market_starts_flat_and_each_market_keeps_its_own_baseline() -> None:
    sim = await run("sim", 5)
    sim_baseline = baseline_of(sim)
    assert sim.trading_state.value == "ACTIVE"

    replay = await run("replay", 30)  # same data folder, another market, no trade
    valuation = replay.snapshot().valuation
    assert valuation is not None
    usdt = valuation.equity["USDT"]
    # measured from the replay's own start: only 30 s of price moves, not the other market
    assert abs(valuation.pnl["USDT"]) < usdt / 200, valuation.pnl
    assert baseline_of(replay) != sim_baseline
    # and the simulated market's peak did not make the replay's equity look like a drawdown
    assert replay.trading_state.value == "ACTIVE", replay.trading_reason
    assert replay.order_stats().orders_total == 0

    again = await run("sim", 5)
    assert baseline_of(again) == sim_baseline  # back on the simulated market: its baseline


def test_the_market_id_names_mode_source_replay_file_and_venue_set() -> None:
    sim = MarketScope.of("paper", "sim", ["sim-b", "sim-a"])
    assert sim == MarketScope.of("paper", "sim", ["sim-a", "sim-b", "sim-a"])
    assert sim.id == MarketScope.of("paper", "sim", ["sim-a", "sim-b"]).id
    others = [
        MarketScope.of("live", "sim", ["sim-a", "sim-b"]),
        MarketScope.of("paper", "sim", ["sim-a"]),
        MarketScope.of("paper", "replay", ["sim-a", "sim-b"]),
        MarketScope.of("paper", "replay", ["sim-a", "sim-b"], DEFAULT_REPLAY_FILE),
    ]
    assert len({sim.id, *(o.id for o in others)}) == 5
    assert sim.key("risk.peak_equity") == f"risk.peak_equity@{sim.id}"
    identity = replay_identity(DEFAULT_REPLAY_FILE)
    assert identity.startswith(DEFAULT_REPLAY_FILE.name + ":")
