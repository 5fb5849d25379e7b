"""Spread DCA through the whole engine on real Binance quotes and on the seeded simulated market.

Real data: the bundled two-minute slice of the shared recording (2024-08-08, 84,102 updates; the
same file the app replays by default, so CI needs nothing from ../shared), Binance spot
``BTC/USDT`` (leg a) against the USD-M perpetual ``BTC/USDT:USDT`` (leg b), replayed at
``speed = "max"`` (the feed waits while a bot's step is in flight: deterministic). Spot is the
rich leg throughout; measured on the file (every update of either leg, 41,482 pairs):

- opening spread, spot bid / perpetual ask - 1: median 4.0 bps, 1st-99th percentile 1.9-6.6,
  maximum 11.0 (short spikes of spot, e.g. at 21 s, 55-60 s and 110 s);
- closing spread, spot ask / perpetual bid - 1: median 4.1 bps, minimum -0.8.

Thresholds (``direction = "a_rich"``: sell spot, buy the perpetual; 0.002 BTC a leg, the least
that passes the perpetual's 100 USDT minimum notional and its 0.001 step; spot's is 5 USDT):

- take-profit bot: entry 4 bps (about the median), one add at 5.5 (about the 95th percentile),
  take profit when the closing spread is back to 3 bps, stop 30 (never): it cycles all through
  the file, some cycles with their add, every one ended by take profit;
- stop bot: entry 3.5, one add at 4, no take profit (-5 is never reached), stop at 7 bps (the
  spikes above): its first cycle opens at 2 s, adds, and stops out at the 21 s spike.

The spikes are made by a thin spot book (the bid that shows 10 bps may hold 0.00015 BTC), so
entries higher than these meet partial fills and leg risk (what is asserted is the first cycles,
which fill whole; the stop bot's next stop-out, at 110 s, meets such a book and the bot is
paused, as it should be). Both bots run together (they share what each quote shows).

Stale quotes: in the full recording the USD-M quotes stop about 346 s in. Here a copy of the
slice loses its perpetual BTC quotes after 60 s: the bot, busy before, trades nothing once that
quote is older than its ``max_quote_age_ms``. In every run each bot order is checked against the
last quote of its instrument when it was created.

Simulated market (seed 7, 120 market seconds, speed max), spot ``BTC/USDT`` on sim-a against
sim-b, either leg sold (``direction = "either"``), 0.01 BTC a leg. Measured: the opening spread
of "a rich" has median -0.9 bps, 99th percentile 3.8, maximum 4.9; of "b rich" median -0.1,
99th percentile 5.4, maximum 21 (a jump of sim-a at about 30 s). Take-profit bot: entry 3, add
4, take profit at 0, stop 40; stop bot: entry 2.5, add 3, stop 5, no take profit (-10).
"""

from __future__ import annotations

import asyncio
import gzip
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.core.events import OrderUpdated, QuoteUpdated
from app.core.orders import Order
from app.engine.api import BotStatus, BotView
from app.engine.engine import Engine
from app.venues.replay import DEFAULT_REPLAY_FILE
from tests.support.engines import eventually, make_settings

SAMPLE = Path(DEFAULT_REPLAY_FILE)
SPOT, PERP = "binance:BTC/USDT", "binanceusdm:BTC/USDT:USDT"
MAX_AGE_MS = 1_000
CUT_S = 60


def dca(leg_a: str, leg_b: str, **over: Any) -> dict[str, Any]:
    params: dict[str, Any] = {
        "leg_a": leg_a,
        "leg_b": leg_b,
        "unit": "bps",
        "max_adds": 1,
        "cooldown_ms": 1_000,
        "max_quote_age_ms": MAX_AGE_MS,
    }
    params.update(over)
    return params


REAL_BOTS = {
    "dca-tp": dca(
        SPOT,
        PERP,
        direction="a_rich",
        base_qty="0.002",
        entry=4,
        adds=[5.5],
        take_profit=3,
        stop=30,
    ),
    "dca-stop": dca(
        SPOT,
        PERP,
        direction="a_rich",
        base_qty="0.002",
        entry=3.5,
        adds=[4],
        take_profit=-5,
        stop=7,
    ),
}
SIM_BOTS = {
    "dca-tp": dca(
        "sim-a:BTC/USDT",
        "sim-b:BTC/USDT",
        direction="either",
        base_qty="0.01",
        entry=3,
        adds=[4],
        take_profit=0,
        stop=40,
    ),
    "dca-stop": dca(
        "sim-a:BTC/USDT",
        "sim-b:BTC/USDT",
        direction="either",
        base_qty="0.01",
        entry=2.5,
        adds=[3],
        take_profit=-10,
        stop=5,
    ),
}


@dataclass
class QuoteAges:
    """The age of each bot order's instrument quote when the order was created (market ns)."""

    last: dict[tuple[str, str], int] = field(default_factory=dict)
    ages: dict[str, int] = field(default_factory=dict)

    def on_quote(self, event: QuoteUpdated) -> None:
        self.last[(event.quote.venue, event.quote.symbol)] = event.quote.received_ns

    def on_order(self, event: OrderUpdated) -> None:
        order = event.order
        if order.origin.startswith("bot:") and order.client_order_id not in self.ages:
            seen = self.last.get((order.venue, order.symbol))
            assert seen is not None, f"{order.client_order_id} sent with no quote of its leg"
            self.ages[order.client_order_id] = order.created_ns - seen


@dataclass
class Run:
    bots: dict[str, BotView]
    orders: dict[str, tuple[Order, ...]]
    ages: QuoteAges
    first_ns: int


async def run_bots(engine: Engine, bots: Mapping[str, dict[str, Any]]) -> Run:
    """Start ``engine`` with its feed held at the first quote, create and start ``bots``, play
    the market to its end, wait for the order path, and read the bots (as ``arbdesk replay``)."""
    ages = QuoteAges()
    engine.subscribe(QuoteUpdated, ages.on_quote)
    engine.subscribe(OrderUpdated, ages.on_order)
    gate = engine.order_gate
    gate.enter()  # the feed stops after its first quote until the bots run
    try:
        await engine.start()
        try:
            await eventually(
                lambda: engine.market_data_stats().quotes_total > 0, what="the first quote"
            )
            first_ns = engine.now_ns()
            for bot_id, params in bots.items():
                await engine.create_bot("spread_dca", params, bot_id)
                await engine.start_bot(bot_id)
        finally:
            gate.leave()
        assert await engine.wait_feed_done(120)
        await asyncio.wait_for(engine.order_gate.idle(), 30)
        views = {bot_id: engine.bot(bot_id) for bot_id in bots}
        orders = {bot_id: await engine.bot_orders(bot_id) for bot_id in bots}
    finally:
        await engine.stop()
    return Run(views, orders, ages, first_ns)


def replay_engine(path: Path) -> Engine:
    return Engine(
        make_settings(market={"source": "replay", "speed": "max"}, replay={"file": str(path)})
    )


def assert_fresh(run: Run) -> None:
    """Every bot order was sent on a quote of its own instrument at most MAX_AGE_MS old."""
    sent = [o for orders in run.orders.values() for o in orders]
    assert sent
    assert {o.client_order_id for o in sent} == set(run.ages.ages)
    stale = {cid: age for cid, age in run.ages.ages.items() if age > MAX_AGE_MS * 1_000_000}
    assert not stale, stale


def assert_take_profit_with_add(view: BotView) -> None:
    assert view.cycles, view
    assert {c.exit_reason for c in view.cycles} == {"take_profit"}
    assert any(c.adds == 1 for c in view.cycles)  # open -> add -> take profit
    assert view.leg_risk_events == 0 and view.status is BotStatus.RUNNING


def assert_stop_out_with_add(view: BotView) -> None:
    assert view.cycles, view
    first = view.cycles[0]
    assert (first.adds, first.exit_reason) == (1, "stop")  # open -> add -> stop-out


def without_perp_after(src: Path, dst: Path, cut_s: int) -> int:
    """``src`` less its USD-M BTC quotes after ``cut_s`` seconds (as the full recording loses
    them at 346 s); returns the cut in market ns."""
    with gzip.open(src, "rt") as fin, gzip.open(dst, "wt") as fout:
        fout.write(next(fin))
        first = next(fin)
        fout.write(first)
        cut = int(first.split(",", 1)[0]) + cut_s * 1_000_000_000
        for line in fin:
            ts, venue, symbol, _ = line.split(",", 3)
            if venue == "binance_usdm" and symbol == "BTCUSDT" and int(ts) > cut:
                continue
            fout.write(line)
    return cut


async def test_spread_dca_on_the_real_recording_takes_profit_after_an_add_and_stops_out(
    arbdesk_home: Path,
) -> None:
    run = await run_bots(replay_engine(SAMPLE), REAL_BOTS)
    assert_take_profit_with_add(run.bots["dca-tp"])
    assert_stop_out_with_add(run.bots["dca-stop"])
    assert_fresh(run)
    # the take-profit bot trades to the end of the file (the stale run below stops at 60 s)
    late = run.first_ns + (CUT_S + 5) * 1_000_000_000
    assert any(o.created_ns > late for o in run.orders["dca-tp"])


async def test_no_leg_is_traded_on_a_quote_older_than_the_bots_maximum_age(
    arbdesk_home: Path, tmp_path: Path
) -> None:
    cut = without_perp_after(SAMPLE, tmp_path / "perp-stops.csv.gz", CUT_S)
    bots = {"dca-tp": REAL_BOTS["dca-tp"]}
    run = await run_bots(replay_engine(tmp_path / "perp-stops.csv.gz"), bots)
    orders = run.orders["dca-tp"]
    assert run.bots["dca-tp"].cycles  # it traded while both legs quoted
    assert max(o.created_ns for o in orders) <= cut + MAX_AGE_MS * 1_000_000
    assert_fresh(run)


async def test_spread_dca_on_the_seeded_simulated_market(arbdesk_home: Path) -> None:
    engine = Engine(
        make_settings(market={"source": "sim", "speed": "max"}, sim={"seed": 7}), duration_s=120
    )
    run = await run_bots(engine, SIM_BOTS)
    assert_take_profit_with_add(run.bots["dca-tp"])
    assert_stop_out_with_add(run.bots["dca-stop"])
    assert_fresh(run)
