"""The cross bot on the cross scanner's real opportunities over the simulated venues' rules."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest
from pydantic import ValidationError

from app.core.instruments import InstrumentId
from app.core.opportunities import Opportunity
from app.core.orders import Side
from app.engine.bots.cross_arb import CrossArbBot, CrossArbParams
from app.engine.scanners.cross import CrossVenueScanner
from app.venues.sim_model import build_instruments
from tests.unit.engine.bots.support import FakeContext, by_id, result_of

INSTRUMENTS = by_id(build_instruments(["sim-a", "sim-b"]))
A_BTC = InstrumentId("sim-a", "BTC/USDT")
B_BTC = InstrumentId("sim-b", "BTC/USDT")
A_ETH = InstrumentId("sim-a", "ETH/USDT")
B_ETH = InstrumentId("sim-b", "ETH/USDT")
# taker fees: sim-a 7.5 bps, sim-b 10 bps


def make(**over: Any) -> tuple[CrossArbBot, FakeContext]:
    values: dict[str, Any] = {"max_qty": "0.01", "cooldown_ms": 0}
    values.update(over)
    bot = CrossArbBot("cross", CrossArbParams.model_validate(values), INSTRUMENTS)
    return bot, FakeContext(INSTRUMENTS)


def found(ctx: FakeContext, cheap: InstrumentId, rich: InstrumentId, gap: float) -> Opportunity:
    """Quotes where ``rich``'s bid is ``gap`` over ``cheap``'s ask, run through the scanner."""
    scanner = CrossVenueScanner(INSTRUMENTS.values())
    ctx.quote(cheap, 59_999.0, 60_000.0, qty=0.5)
    quote = ctx.quote(rich, 60_000.0 + gap, 60_001.0 + gap, qty=0.2)
    scanner.update(ctx.quotes[cheap])
    (opp,) = scanner.on_quote(quote)
    return opp


def test_takes_an_opportunity_whose_edge_holds_at_the_current_quotes() -> None:
    bot, ctx = make(min_edge_bps=5)
    opp = found(ctx, A_BTC, B_BTC, 180.0)  # 30 bps gross, 17.5 of fees
    assert opp.edge_bps == pytest.approx(12.4, abs=0.1)
    step = bot.on_opportunity(opp, ctx)
    assert step is not None and step.action == "arb"
    assert [(x.venue, x.side, x.quantity, x.price) for x in step.legs] == [
        ("sim-a", Side.BUY, Decimal("0.01"), Decimal("60000.0")),
        ("sim-b", Side.SELL, Decimal("0.01"), Decimal("60180.0")),
    ]
    assert step.detail["edge_bps"] == pytest.approx(opp.edge_bps)

    ctx.pnl = Decimal("1.1")
    sold_lower = [Decimal("60000.0"), Decimal("60170.0")]  # the edge of the fills: 10.8 bps
    bot.on_step_done(step, result_of(step, prices=sold_lower), ctx)
    (record,) = bot.cycles
    assert (record.cycle, record.exit_reason, record.pnl) == (1, "filled", Decimal("1.1"))
    assert record.entry == "edge 10.8 bps"
    assert bot.cycle == 2 and bot.phase == "flat" and bot.position_text() == "flat"


def test_edge_gone_at_the_current_quotes_means_no_trade() -> None:
    bot, ctx = make()
    opp = found(ctx, A_BTC, B_BTC, 180.0)
    ctx.quote(B_BTC, 60_050.0, 60_051.0)  # the rich bid fell: 8.3 bps gross, less than the fees
    assert bot.on_opportunity(opp, ctx) is None


def test_a_stale_leg_means_no_trade() -> None:
    bot, ctx = make()
    opp = found(ctx, A_BTC, B_BTC, 180.0)
    ctx.advance(2_001)
    assert bot.on_opportunity(opp, ctx) is None


def test_size_is_the_smallest_of_the_caps_and_the_visible_size() -> None:
    bot, ctx = make(max_qty="1", max_notional="3000")  # 3000 / 60000 = 0.05
    step = bot.on_opportunity(found(ctx, A_BTC, B_BTC, 180.0), ctx)
    assert step is not None and [x.quantity for x in step.legs] == [Decimal("0.05")] * 2
    bot, ctx = make(max_qty="1")
    step = bot.on_opportunity(found(ctx, A_BTC, B_BTC, 180.0), ctx)  # the rich bid shows 0.2
    assert step is not None and [x.quantity for x in step.legs] == [Decimal("0.2")] * 2


def test_the_filter_by_symbol_and_venue() -> None:
    eth_only, ctx = make(symbols=["ETH/USDT"])
    assert eth_only.watched() == (A_ETH, B_ETH)
    assert eth_only.on_opportunity(found(ctx, A_BTC, B_BTC, 180.0), ctx) is None
    a_only, ctx = make(venues=["sim-a"])
    assert all(i.venue == "sim-a" for i in a_only.watched())
    assert a_only.on_opportunity(found(ctx, A_BTC, B_BTC, 180.0), ctx) is None
    everything, ctx = make()
    assert everything.watched() == ()
    assert everything.on_opportunity(found(ctx, B_BTC, A_BTC, 180.0), ctx) is not None
    assert everything.on_quote(ctx.quotes[A_BTC], ctx) is None


def test_below_min_edge_no_trade_and_nothing_filled_no_cycle() -> None:
    bot, ctx = make(min_edge_bps=20)
    assert bot.on_opportunity(found(ctx, A_BTC, B_BTC, 180.0), ctx) is None
    bot, ctx = make()
    step = bot.on_opportunity(found(ctx, A_BTC, B_BTC, 180.0), ctx)
    assert step is not None
    bot.on_step_done(step, result_of(step, [0, 0]), ctx)
    assert bot.cycles == [] and bot.cycle == 1


def test_a_residual_shows_as_the_position() -> None:
    bot, ctx = make()
    step = bot.on_opportunity(found(ctx, A_BTC, B_BTC, 180.0), ctx)
    assert step is not None
    result = replace(result_of(step, [1, 0.5]), residual=("sim-a BTC/USDT long 0.005",))
    bot.on_step_done(step, result, ctx)
    assert bot.position_text() == "sim-a BTC/USDT long 0.005"
    assert bot.cycles[0].exit_reason == "partial"


def test_parameters_and_filter_errors() -> None:
    with pytest.raises(ValidationError, match="set max_qty"):
        CrossArbParams()
    with pytest.raises(ValidationError, match="not a unified symbol"):
        CrossArbParams(max_qty=Decimal(1), symbols=["BTCUSDT"])
    with pytest.raises(ValueError, match="DOGE/USDT is not listed"):
        make(symbols=["DOGE/USDT"])
    with pytest.raises(ValueError, match="kraken is not a venue"):
        make(venues=["kraken"])
