"""Cash-and-carry on the real Binance rules: spot BTC/USDT bought, the USD-M perpetual shorted.
Round-trip taker fees of both legs: 2 x (10 + 5) = 30 bps."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from pydantic import ValidationError

from app.core.orders import Side
from app.engine.bots.cash_carry import CashCarryBot, CashCarryParams
from app.engine.bots.model import Step
from tests.unit.engine.bots.support import PERP, SPOT, FakeContext, binance_instruments, result_of

INSTRUMENTS = binance_instruments()


def params(**over: Any) -> CashCarryParams:
    values: dict[str, Any] = {
        "spot": "binance:BTC/USDT",
        "perp": "binanceusdm:BTC/USDT:USDT",
        "base_qty": "0.003",
        "entry_bps": 5,
        "exit_bps": 2,
        "horizon_h": 72,  # 9 funding intervals of 8 h
        "cooldown_ms": 0,
    }
    values.update(over)
    return CashCarryParams.model_validate(values)


def make(**over: Any) -> tuple[CashCarryBot, FakeContext]:
    return CashCarryBot("carry", params(**over), INSTRUMENTS), FakeContext(INSTRUMENTS)


def basis(ctx: FakeContext, bps: float) -> None:
    """Spot at 60000/60000.01, the perpetual's bid ``bps`` over the spot ask."""
    ctx.advance(100)
    ctx.quote(SPOT, 60_000.0, 60_000.01)
    bid = round(60_000.01 * (1 + bps / 10_000), 1)
    ctx.quote(PERP, bid, round(bid + 0.1, 1))


def decide(bot: CashCarryBot, ctx: FakeContext, bps: float) -> Step | None:
    basis(ctx, bps)
    return bot.on_quote(ctx.quotes[PERP], ctx)


@pytest.mark.parametrize(
    ("gross", "rate", "opens"),
    [
        (20, None, False),  # 20 - 30 = -10
        (20, 0.0001, False),  # + 9 x 1 bps = -1
        (20, 0.0003, True),  # + 9 x 3 bps = 17
        (60, None, True),  # 30
        (60, -0.0003, False),  # 30 - 27 = 3: paying funding on the short
    ],
)
def test_expected_funding_changes_the_entry(gross: float, rate: float | None, opens: bool) -> None:
    bot, ctx = make()
    if rate is not None:
        ctx.funding[(PERP.venue, PERP.symbol)] = rate
    step = decide(bot, ctx, gross)
    assert (step is not None) is opens
    if step is not None:
        assert [(x.venue, x.side, x.quantity, x.reduce_only) for x in step.legs] == [
            ("binance", Side.BUY, Decimal("0.003"), False),
            ("binanceusdm", Side.SELL, Decimal("0.003"), False),
        ]


def test_open_then_exit_below_the_exit_basis() -> None:
    bot, ctx = make()
    ctx.funding[(PERP.venue, PERP.symbol)] = 0.0003
    ctx.pnl = Decimal("-2")
    opened = decide(bot, ctx, 20)
    assert opened is not None
    bot.on_step_done(opened, result_of(opened), ctx)
    assert bot.phase == "open" and bot.held == (Decimal("0.003"), Decimal("0.003"))
    assert bot.position_text() == (
        "long binance BTC/USDT 0.003 / short binanceusdm BTC/USDT:USDT 0.003"
    )
    assert bot.entry_text() == "basis 20.0 bps (net 17.0 bps)"
    assert decide(bot, ctx, 20) is None  # one position per cycle, basis still above exit
    assert decide(bot, ctx, 2) is None  # closing basis (perp ask / spot bid) 2.02 bps

    closed = decide(bot, ctx, 0.5)
    assert closed is not None and closed.action == "close"
    assert [(x.venue, x.side, x.quantity, x.reduce_only) for x in closed.legs] == [
        ("binance", Side.SELL, Decimal("0.003"), False),
        ("binanceusdm", Side.BUY, Decimal("0.003"), True),
    ]
    ctx.pnl = Decimal("1.5")
    bot.on_step_done(closed, result_of(closed), ctx)
    assert bot.phase == "flat" and bot.cycle == 2 and bot.position_text() == "flat"
    (record,) = bot.cycles
    assert (record.exit_reason, record.pnl) == ("exit", Decimal("3.5"))
    assert record.entry == "basis 20.0 bps (net 17.0 bps)"


def test_a_partial_open_is_closed_leg_by_leg_and_survives_a_restart() -> None:
    bot, ctx = make()
    opened = decide(bot, ctx, 60)
    assert opened is not None
    bot.on_step_done(opened, result_of(opened, filled=[Decimal("0.003"), Decimal("0.002")]), ctx)
    assert bot.held == (Decimal("0.003"), Decimal("0.002"))

    fresh = CashCarryBot("carry", params(), INSTRUMENTS)
    fresh.load_state(json.loads(json.dumps(bot.state_dict())))
    assert fresh.state_dict() == bot.state_dict()
    for bps in (60, 20, 0.5):
        basis(ctx, bps)
        assert fresh.on_quote(ctx.quotes[SPOT], ctx) == bot.on_quote(ctx.quotes[SPOT], ctx)

    closed = bot.on_quote(ctx.quotes[SPOT], ctx)
    assert closed is not None
    assert [x.quantity for x in closed.legs] == [Decimal("0.003"), Decimal("0.002")]
    bot.on_step_done(closed, result_of(closed, filled=[Decimal("0.003"), Decimal("0")]), ctx)
    assert bot.phase == "open" and bot.held == (Decimal("0"), Decimal("0.002"))
    rest = decide(bot, ctx, 60)  # the close goes on whatever the basis now
    assert rest is not None and [(x.side, x.quantity) for x in rest.legs] == [
        (Side.BUY, Decimal("0.002"))
    ]
    bot.on_step_done(rest, result_of(rest), ctx)
    assert bot.phase == "flat" and len(bot.cycles) == 1


def test_a_stale_quote_means_no_step() -> None:
    bot, ctx = make()
    basis(ctx, 60)
    ctx.advance(2_001)
    assert bot.on_quote(ctx.quotes[PERP], ctx) is None


def test_the_legs_must_be_spot_and_perpetual_of_one_asset() -> None:
    with pytest.raises(ValueError, match="not the same asset"):
        CashCarryBot("carry", params(spot="binance:ETH/USDT"), INSTRUMENTS)
    with pytest.raises(ValidationError, match="spot must be a spot symbol"):
        params(spot="binanceusdm:BTC/USDT:USDT")
    with pytest.raises(ValidationError, match="perp must be a perpetual symbol"):
        params(perp="binance:BTC/USDT")
    with pytest.raises(ValidationError, match=r"exit_bps \(5.0\) must be below entry_bps"):
        params(exit_bps=5)
    with pytest.raises(ValidationError, match="greater than 0"):
        params(horizon_h=0)
