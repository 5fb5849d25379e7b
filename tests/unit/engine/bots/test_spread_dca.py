"""Spread DCA on the real Binance trading rules (spot BTC/USDT against the USD-M perpetual), driven
quote by quote through a fake context, with the results fed back as the executor would."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from pydantic import ValidationError

from app.core.money import ZERO
from app.core.orders import Side
from app.engine.bots.model import Step
from app.engine.bots.spread_dca import SpreadDcaBot, SpreadDcaParams
from tests.unit.engine.bots.support import PERP, SPOT, FakeContext, binance_instruments, result_of

INSTRUMENTS = binance_instruments()
SPOT_BID, SPOT_ASK = 60_000.0, 60_000.01


def params(**over: Any) -> SpreadDcaParams:
    values: dict[str, Any] = {
        "leg_a": "binance:BTC/USDT",
        "leg_b": "binanceusdm:BTC/USDT:USDT",
        "base_qty": "0.003",
        "entry": 10,
        "adds": [20, 30, 40],
        "size_multiplier": 2,
        "max_adds": 2,
        "take_profit": 2,
        "stop": 50,
        "cooldown_ms": 1_000,
        "max_quote_age_ms": 2_000,
    }
    values.update(over)
    return SpreadDcaParams.model_validate(values)


def make(**over: Any) -> tuple[SpreadDcaBot, FakeContext]:
    return SpreadDcaBot("dca", params(**over), INSTRUMENTS), FakeContext(INSTRUMENTS)


def market(ctx: FakeContext, bps: float) -> None:
    """Spot at 60000/60000.01; the perpetual's bid ``bps`` above the spot ask (the opening spread
    of selling the perpetual), its ask one tick higher. A step later in market time."""
    ctx.advance(1_000)
    ctx.quote(SPOT, SPOT_BID, SPOT_ASK)
    bid = round(SPOT_ASK * (1 + bps / 10_000), 1)
    ctx.quote(PERP, bid, round(bid + 0.1, 1))


def decide(bot: SpreadDcaBot, ctx: FakeContext, bps: float) -> Step | None:
    market(ctx, bps)
    return bot.on_quote(ctx.quotes[PERP], ctx)


def trade(
    bot: SpreadDcaBot, ctx: FakeContext, bps: float, fractions: Any = None, filled: Any = None
) -> Step:
    step = decide(bot, ctx, bps)
    assert step is not None, f"no step at {bps} bps"
    result = result_of(step, fractions, instruments=INSTRUMENTS, filled=filled)
    bot.on_step_done(step, result, ctx)
    return step


def quantities(step: Step) -> list[tuple[str, Side, Decimal, bool]]:
    return [(f"{x.venue}:{x.symbol}", x.side, x.quantity, x.reduce_only) for x in step.legs]


def test_open_add_add_take_profit_then_next_cycle() -> None:
    bot, ctx = make()
    ctx.pnl = Decimal("1")
    assert decide(bot, ctx, 5) is None  # below entry

    opened = trade(bot, ctx, 12)
    assert opened.action == "open"
    assert quantities(opened) == [
        ("binanceusdm:BTC/USDT:USDT", Side.SELL, Decimal("0.003"), False),
        ("binance:BTC/USDT", Side.BUY, Decimal("0.003"), False),
    ]
    assert bot.phase == "open" and bot.rich == "b"
    assert bot.position_text() == (
        "long binance BTC/USDT 0.003 / short binanceusdm BTC/USDT:USDT 0.003"
    )
    assert decide(bot, ctx, 15) is None  # between entry and the first add

    first = trade(bot, ctx, 21)
    second = trade(bot, ctx, 31)
    assert (first.action, second.action) == ("add", "add")
    assert [x.quantity for x in first.legs] == [Decimal("0.006")] * 2  # 0.003 x 2^1
    assert [x.quantity for x in second.legs] == [Decimal("0.012")] * 2  # 0.003 x 2^2
    assert bot.adds_done == 2
    assert bot.held == (Decimal("0.021"), Decimal("0.021"))
    assert decide(bot, ctx, 45) is None  # max_adds=2: the third level (40) is not used

    entries = bot.entries
    assert [e.base_qty for e in entries] == [Decimal("0.003"), Decimal("0.006"), Decimal("0.012")]
    assert [round(e.spread) for e in entries] == [12, 21, 31]
    weighted = sum(e.spread * float(e.base_qty) for e in entries) / 0.021
    assert bot.avg_entry_spread == pytest.approx(weighted)
    assert bot.entry_text() == f"avg {weighted:.1f} bps" == "avg 25.4 bps"

    ctx.pnl = Decimal("7.5")
    closed = trade(bot, ctx, 1)  # closing spread about 1 bps <= take_profit 2
    assert closed.action == "close"
    assert quantities(closed) == [
        ("binanceusdm:BTC/USDT:USDT", Side.BUY, Decimal("0.021"), True),
        ("binance:BTC/USDT", Side.SELL, Decimal("0.021"), False),
    ]
    assert (bot.phase, bot.cycle, bot.held, bot.entries) == ("flat", 2, (ZERO, ZERO), ())
    assert bot.position_text() == "flat"
    (record,) = bot.cycles
    assert (record.cycle, record.adds, record.exit_reason) == (1, 2, "take_profit")
    assert record.entry == "avg 25.4 bps"
    assert record.pnl == Decimal("6.5")  # from the pnl before the opening step
    assert record.closed_ns > record.opened_ns > 0

    again = trade(bot, ctx, 12)
    assert again.action == "open" and bot.phase == "open" and bot.cycle == 2


def test_either_direction_sells_whichever_leg_is_rich() -> None:
    bot, ctx = make()
    ctx.quote(SPOT, 60_090.0, 60_090.01)  # spot 15 bps over the perpetual's ask
    ctx.quote(PERP, 59_999.9, 60_000.0)
    step = bot.on_quote(ctx.quotes[SPOT], ctx)
    assert step is not None
    assert quantities(step) == [
        ("binance:BTC/USDT", Side.SELL, Decimal("0.003"), False),
        ("binanceusdm:BTC/USDT:USDT", Side.BUY, Decimal("0.003"), False),
    ]
    assert step.detail["rich"] == "a"

    fixed, ctx2 = make(direction="b_rich")
    ctx2.quotes = dict(ctx.quotes)
    assert fixed.on_quote(ctx.quotes[SPOT], ctx2) is None


def test_stop_out_closes_everything_and_starts_the_next_cycle() -> None:
    bot, ctx = make()
    trade(bot, ctx, 12)
    trade(bot, ctx, 21)
    stop = trade(bot, ctx, 55)  # past the stop (50): no add, close
    assert stop.action == "close" and stop.detail["reason"] == "stop"
    assert [x.quantity for x in stop.legs] == [Decimal("0.009")] * 2
    assert bot.phase == "flat"
    (record,) = bot.cycles
    assert (record.adds, record.exit_reason) == (1, "stop")


def test_take_profit_on_the_cycle_pnl_percent() -> None:
    bot, ctx = make(take_profit_pct=1)
    ctx.pnl = Decimal("-0.5")
    trade(bot, ctx, 12)  # entry notional 0.003 x 60000.01 = 180.00003: 1 % is 1.80
    ctx.pnl = Decimal("1.2")  # +1.70: not yet
    assert decide(bot, ctx, 12) is None
    ctx.pnl = Decimal("1.31")  # +1.81
    step = decide(bot, ctx, 12)
    assert step is not None and step.detail["reason"] == "take_profit_pct"


def test_no_adds_when_max_adds_is_zero() -> None:
    bot, ctx = make(max_adds=0)
    trade(bot, ctx, 12)
    for bps in (21, 31, 45):
        assert decide(bot, ctx, bps) is None
    assert bot.adds_done == 0


def test_a_stale_leg_quote_stops_every_step() -> None:
    bot, ctx = make()
    market(ctx, 12)
    ctx.advance(2_001)  # both quotes older than max_quote_age_ms
    assert bot.on_quote(ctx.quotes[PERP], ctx) is None
    ctx.quote(SPOT, SPOT_BID, SPOT_ASK)  # only the spot leg fresh again
    assert bot.on_quote(ctx.quotes[SPOT], ctx) is None

    trade(bot, ctx, 12)
    market(ctx, 1)  # take profit, but the perpetual's quote goes stale first
    ctx.advance(1_500)
    ctx.quote(SPOT, SPOT_BID, SPOT_ASK)
    ctx.advance(600)
    assert bot.on_quote(ctx.quotes[SPOT], ctx) is None


def test_a_step_that_filled_nothing_changes_nothing_but_waits_the_cooldown() -> None:
    bot, ctx = make()
    before = bot.state_dict()
    step = decide(bot, ctx, 12)
    assert step is not None
    bot.on_step_done(step, result_of(step, [0, 0]), ctx)
    after = bot.state_dict()
    assert after["strategy"].pop("last_step_ns") == ctx.now
    before["strategy"].pop("last_step_ns")
    assert after == before
    ctx.advance(999)
    assert bot.on_quote(ctx.quotes[PERP], ctx) is None  # cooldown
    ctx.advance(1)
    assert bot.on_quote(ctx.quotes[PERP], ctx) is not None


def test_partial_fills_count_what_filled_and_close_exactly_what_is_held() -> None:
    bot, ctx = make()
    trade(bot, ctx, 12, filled=[Decimal("0.002"), Decimal("0.002")])
    assert bot.held == (Decimal("0.002"), Decimal("0.002"))
    assert bot.entries[0].base_qty == Decimal("0.002")

    partial_close = trade(bot, ctx, 1, fractions=[0.5, 0.5])
    assert [x.quantity for x in partial_close.legs] == [Decimal("0.002")] * 2
    assert bot.phase == "open" and bot.held == (Decimal("0.001"), Decimal("0.001"))
    rest = trade(bot, ctx, 15)  # the close goes on, whatever the spread now
    assert rest.action == "close" and rest.detail["reason"] == "take_profit"
    assert [x.quantity for x in rest.legs] == [Decimal("0.001")] * 2
    assert bot.phase == "flat" and bot.cycles[0].exit_reason == "take_profit"


def test_an_unbalanced_fill_is_held_leg_by_leg() -> None:
    bot, ctx = make()
    trade(bot, ctx, 12, fractions=[1, 0])  # the perpetual sold, the spot buy did not fill
    assert bot.phase == "open"
    assert bot.position_text() == "short binanceusdm BTC/USDT:USDT 0.003"
    assert bot.entries[0].base_qty == 0 and bot.avg_entry_spread is None
    close = decide(bot, ctx, 1)
    assert close is not None
    assert quantities(close) == [("binanceusdm:BTC/USDT:USDT", Side.BUY, Decimal("0.003"), True)]


def test_below_the_minimums_no_step() -> None:
    bot, ctx = make(base_qty="0.0009")  # under the perpetual's step of 0.001
    assert decide(bot, ctx, 12) is None


def test_percent_unit() -> None:
    bot, ctx = make(unit="pct", entry=0.1, adds=[0.2], take_profit=0.01, stop=0.5)
    assert decide(bot, ctx, 8) is None
    trade(bot, ctx, 12)
    assert bot.entry_text() == "avg 0.120 %"


def test_state_round_trip_gives_the_same_decisions() -> None:
    bot, ctx = make(take_profit_pct=5)
    ctx.pnl = Decimal("0.25")
    trade(bot, ctx, 12)
    trade(bot, ctx, 21, fractions=[0.5, 0.5])
    state = json.loads(json.dumps(bot.state_dict()))
    fresh = SpreadDcaBot("dca", params(take_profit_pct=5), INSTRUMENTS)
    fresh.load_state(state)
    assert fresh.state_dict() == bot.state_dict()
    assert fresh.position_text() == bot.position_text()
    assert fresh.entry_text() == bot.entry_text()
    for bps in (15, 31, 45, 55, 1):
        market(ctx, bps)
        assert fresh.on_quote(ctx.quotes[PERP], ctx) == bot.on_quote(ctx.quotes[PERP], ctx)
    ctx.pnl = Decimal("100")
    assert fresh.on_quote(ctx.quotes[PERP], ctx) == bot.on_quote(ctx.quotes[PERP], ctx)


@pytest.mark.parametrize(
    ("over", "message"),
    [
        ({"leg_a": "binanceBTC/USDT"}, "is not an instrument"),
        ({"leg_a": "binance:BTCUSDT"}, "is not a unified symbol"),
        ({"leg_b": "binance:BTC/USDT"}, "leg_a and leg_b must differ"),
        ({"stop": 35}, "stop (35.0) must be above the last add (40.0)"),
        ({"adds": [20, 15]}, "adds must be ascending"),
        ({"take_profit": 10}, "take_profit (10.0) must be below entry (10.0)"),
        ({"base_qty": "0"}, "greater than 0"),
        ({"unit": "percent"}, "'bps' or 'pct'"),
        ({"entries": 3}, "Extra inputs are not permitted"),
    ],
)
def test_parameter_errors_say_what_is_wrong(over: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError) as info:
        params(**over)
    assert message in str(info.value)


def test_the_instruments_must_exist() -> None:
    with pytest.raises(ValueError, match="binance:DOGE/USDT is not an instrument"):
        SpreadDcaBot("dca", params(leg_a="binance:DOGE/USDT"), INSTRUMENTS)


def test_an_instrument_symbol_keeps_its_settlement() -> None:
    bot, _ = make()
    assert [str(i) for i in bot.watched()] == ["binance:BTC/USDT", "binanceusdm:BTC/USDT:USDT"]
