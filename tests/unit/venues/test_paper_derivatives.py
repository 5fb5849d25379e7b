"""Perpetuals on the paper venue: signed positions, margin, reduce-only, funding, inverse PnL."""

from __future__ import annotations

from decimal import Decimal

import pytest
from test_paper_support import INVERSE, PERP, SPOT, MakeVenue, Recorder, order, quote

from app.core.accounting import Balance
from app.core.orders import Liquidity, OrderStatus
from app.venues.errors import InsufficientFunds, OrderRejected
from app.venues.paper import PaperVenue

D = Decimal
P = PERP.symbol


async def usdt(venue: PaperVenue) -> Balance:
    return (await venue.fetch_balances())["USDT"]


async def open_perp(venue: PaperVenue, side: str, qty: str, price: float = 100.0) -> None:
    venue.on_quote(quote(P, bid=price, ask=price, bid_qty=1e6, ask_qty=1e6))
    done = await venue.create_order(order(side, qty, symbol=P))
    assert done.status is OrderStatus.FILLED


async def test_long_then_close_realizes_pnl_and_frees_margin(
    venue: PaperVenue, recorder: Recorder
) -> None:
    await open_perp(venue, "buy", "2", 100.0)
    [position] = await venue.fetch_positions()
    assert (position.qty, position.avg_entry) == (D(2), D(100))
    assert await usdt(venue) == Balance("USDT", D(100_000) - D("0.1"), D(20))  # 200 / 10x
    [fill] = await venue.fetch_fills()
    assert (fill.fee, fill.fee_currency, fill.liquidity) == (D("0.1"), "USDT", Liquidity.TAKER)
    assert (await venue.fetch_balances())["BTC"] == Balance("BTC", D(1))  # spot untouched

    await open_perp(venue, "sell", "2", 110.0)
    assert await venue.fetch_positions() == []
    assert await usdt(venue) == Balance("USDT", D(100_000) - D("0.1") + D(20) - D("0.11"))
    _, last = recorder.positions[-1]
    assert (last.qty, last.realized_pnl, last.fees) == (D(0), D(20), D("0.21"))
    assert venue.position(P) is None


async def test_short_then_flip_to_long(venue: PaperVenue) -> None:
    await open_perp(venue, "sell", "1", 100.0)
    [short] = await venue.fetch_positions()
    assert short.qty == D(-1)
    assert (await usdt(venue)).locked == D(10)
    venue.on_quote(quote(P, bid=94.0, ask=95.0))
    placed = await venue.create_order(order("buy", "3", "90", symbol=P))
    assert placed.status is OrderStatus.OPEN
    # Margin only for the 2 that open a long, plus fees on all 3; the short's margin stays.
    assert (await usdt(venue)).locked == D(10) + D(18) + D("0.135")
    venue.on_quote(quote(P, bid=88.0, ask=89.0, ask_qty=5.0))
    [long] = await venue.fetch_positions()
    assert (long.qty, long.avg_entry, long.realized_pnl) == (D(2), D(90), D(10))
    assert await usdt(venue) == Balance("USDT", D(100_000) - D("0.05") + D(10) - D("0.054"), D(18))


async def test_margin_is_reserved_and_released_on_cancel(make_venue: MakeVenue) -> None:
    venue = make_venue(leverage=D(2))
    await venue.connect()
    placed = await venue.create_order(order("buy", "2", "90", symbol=P))
    assert (await usdt(venue)).locked == D(90) + D("0.09")
    await venue.cancel_order(placed.client_order_id, P)
    assert (await usdt(venue)).locked == 0


async def test_insufficient_margin_names_the_numbers(venue: PaperVenue) -> None:
    with pytest.raises(InsufficientFunds) as caught:
        await venue.create_order(order("buy", "10000", "100", symbol=P))
    assert str(caught.value) == "insufficient USDT on sim-a: need 100500.00, free 100000.00"


async def test_orders_that_reduce_need_no_margin_for_the_reducing_part(venue: PaperVenue) -> None:
    await open_perp(venue, "buy", "1", 100.0)
    venue.on_quote(quote(P, bid=99.0, ask=100.0))
    await venue.create_order(order("sell", "1", "150", symbol=P))
    assert (await usdt(venue)).locked == D(10) + D("0.075")  # position margin + fee allowance
    await venue.create_order(order("sell", "1", "150", symbol=P))  # position already covered
    assert (await usdt(venue)).locked == D(10) + D("0.075") + D(15) + D("0.075")


async def test_reduce_only_must_reduce(venue: PaperVenue) -> None:
    with pytest.raises(OrderRejected, match=r"reduce-only sell 1 BTC/USDT:USDT .* position 0"):
        await venue.create_order(order("sell", "1", "100", symbol=P, reduce_only=True))
    await open_perp(venue, "buy", "1", 100.0)
    with pytest.raises(OrderRejected, match=r"would not reduce: position 1"):
        await venue.create_order(order("buy", "1", "100", symbol=P, reduce_only=True))
    with pytest.raises(OrderRejected, match=r"reduce-only sell 2 .* position 1"):
        await venue.create_order(order("sell", "2", "120", symbol=P, reduce_only=True))
    locked = (await usdt(venue)).locked
    resting = await venue.create_order(order("sell", "1", "120", symbol=P, reduce_only=True))
    assert resting.status is OrderStatus.OPEN
    assert (await usdt(venue)).locked == locked  # no margin, no fee allowance
    with pytest.raises(OrderRejected, match=r"1 already in reduce-only orders"):
        await venue.create_order(order("sell", "0.5", "120", symbol=P, reduce_only=True))


async def test_reduce_only_fills_then_is_canceled_once_position_is_flat(
    venue: PaperVenue,
) -> None:
    await open_perp(venue, "buy", "1", 100.0)
    venue.on_quote(quote(P, bid=99.0, ask=100.0))
    take_profit = await venue.create_order(order("sell", "1", "120", symbol=P, reduce_only=True))
    await open_perp(venue, "sell", "1", 105.0)  # closed by hand
    ended = await venue.fetch_order(take_profit.client_order_id, P)
    assert ended is not None and ended.status is OrderStatus.CANCELED
    assert "reduce-only" in (ended.reason or "")
    assert await venue.fetch_open_orders() == []


async def test_reduce_only_taker_closes_position(venue: PaperVenue) -> None:
    await open_perp(venue, "sell", "2", 100.0)
    venue.on_quote(quote(P, bid=95.0, ask=96.0, ask_qty=10))
    done = await venue.create_order(order("buy", "2", symbol=P, reduce_only=True))
    assert done.status is OrderStatus.FILLED
    assert await venue.fetch_positions() == []
    assert (await usdt(venue)).locked == 0


@pytest.mark.parametrize(
    ("side", "rate", "change"),
    [
        ("buy", 0.0001, D("-0.01055")),
        ("sell", 0.0001, D("0.01055")),
        ("buy", -0.0001, D("0.01055")),
        ("sell", -0.0001, D("-0.01055")),
    ],
)
async def test_funding_longs_pay_shorts_when_rate_positive(
    venue: PaperVenue, recorder: Recorder, side: str, rate: float, change: Decimal
) -> None:
    await open_perp(venue, side, "1", 100.0)
    before = (await usdt(venue)).total
    venue.apply_funding(P, rate, 105.5)  # valued at the mark, not at entry
    assert (await usdt(venue)).total - before == change
    assert recorder.balances[-1][1].asset == "USDT"


async def test_funding_without_position_changes_nothing(
    venue: PaperVenue, recorder: Recorder
) -> None:
    venue.apply_funding(P, 0.01, 100.0)
    assert recorder.log == []
    with pytest.raises(ValueError, match="not a perpetual"):
        venue.apply_funding(SPOT.symbol, 0.01, 100.0)


async def test_inverse_contract_pnl_and_fees_in_btc(venue: PaperVenue) -> None:
    sym = INVERSE.symbol
    venue.on_quote(quote(sym, bid=49_999.5, ask=50_000.0, ask_qty=1000))
    await venue.create_order(order("buy", "100", symbol=sym))
    btc = (await venue.fetch_balances())["BTC"]
    # 100 contracts of 100 USD at 50,000 = 0.2 BTC notional: 0.02 margin at 10x.
    assert btc == Balance("BTC", D(1) - D("0.0001"), D("0.02"))
    venue.on_quote(quote(sym, bid=55_000.0, ask=55_000.5, bid_qty=1000))
    await venue.create_order(order("sell", "100", symbol=sym))
    pnl = D(100) * D(100) * (1 / D(50_000) - 1 / D(55_000))
    fee = D(100) * D(100) / D(55_000) * D("0.0005")
    assert D("0.018181") < pnl < D("0.018182")
    fills = await venue.fetch_fills()
    assert [f.fee_currency for f in fills] == ["BTC", "BTC"]
    assert fills[1].fee == fee
    assert (await venue.fetch_balances())["BTC"] == Balance("BTC", D(1) - D("0.0001") + pnl - fee)
    assert (await venue.fetch_balances())["USDT"].total == D(100_000)


async def test_inverse_short_loses_btc_when_price_rises(venue: PaperVenue) -> None:
    sym = INVERSE.symbol
    venue.on_quote(quote(sym, bid=40_000.0, ask=40_000.5, bid_qty=1000))
    await venue.create_order(order("sell", "40", symbol=sym))
    venue.on_quote(quote(sym, bid=50_000.0, ask=50_000.0, ask_qty=1000))
    await venue.create_order(order("buy", "40", symbol=sym))
    [_, closing] = await venue.fetch_fills()
    assert closing.price == D(50_000)
    pnl = D(-40) * D(100) * (1 / D(40_000) - 1 / D(50_000))
    assert pnl == D("-0.02")
    fees = sum((f.fee for f in await venue.fetch_fills()), D(0))
    assert (await venue.fetch_balances())["BTC"].total == D(1) + pnl - fees
