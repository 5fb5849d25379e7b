"""Matching, fees and spot balances of the paper venue."""

from __future__ import annotations

from decimal import Decimal

import pytest
from test_paper_support import PERP, SPOT, STARTING, VENUE, MakeVenue, Recorder, order, quote

from app.core.accounting import Balance
from app.core.orders import Liquidity, OrderStatus, Side, TimeInForce
from app.venues.errors import InsufficientFunds, OrderNotFound, OrderRejected, TransientError
from app.venues.paper import PaperVenue

D = Decimal


async def balance(venue: PaperVenue, asset: str) -> Balance:
    return (await venue.fetch_balances())[asset]


# -- marketable orders ---------------------------------------------------------------------------


async def test_market_buy_takes_visible_ask_and_cancels_the_rest(
    venue: PaperVenue, recorder: Recorder
) -> None:
    venue.on_quote(quote(ask=100.0, ask_qty=0.4))
    done = await venue.create_order(order("buy", "1"))
    assert done.status is OrderStatus.CANCELED
    assert done.filled_qty == D("0.4")
    assert done.avg_fill_price == D("100.00")
    assert "remainder 0.6" in (done.reason or "")
    [fill] = await venue.fetch_fills()
    assert (fill.price, fill.qty, fill.liquidity) == (D(100), D("0.4"), Liquidity.TAKER)
    assert fill.fee == D("0.4") * D(100) * D("0.002")
    assert fill.fee_currency == "USDT"
    usdt, btc = await balance(venue, "USDT"), await balance(venue, "BTC")
    assert usdt == Balance("USDT", D(100_000) - D(40) - D("0.08"), D(0))
    assert btc.total == D("1.4") and btc.locked == 0
    assert recorder.states(done.client_order_id) == ["PARTIALLY_FILLED", "CANCELED"]


async def test_market_sell_takes_visible_bid(venue: PaperVenue) -> None:
    venue.on_quote(quote(bid=99.5, bid_qty=3.0))
    done = await venue.create_order(order("sell", "0.5"))
    assert done.status is OrderStatus.FILLED
    assert done.avg_fill_price == D("99.50")
    assert (await balance(venue, "BTC")).total == D("0.5")
    fee = D("0.5") * D("99.5") * D("0.002")
    assert (await balance(venue, "USDT")).total == D(100_000) + D("49.75") - fee


async def test_liquidity_of_one_quote_is_not_taken_twice(venue: PaperVenue) -> None:
    venue.on_quote(quote(ask=100.0, ask_qty=0.5))
    first = await venue.create_order(order("buy", "0.4"))
    second = await venue.create_order(order("buy", "0.4"))
    assert first.filled_qty == D("0.4")
    assert second.filled_qty == D("0.1")
    venue.on_quote(quote(ask=100.0, ask_qty=0.5))  # a new quote offers its size again
    third = await venue.create_order(order("buy", "0.4"))
    assert third.filled_qty == D("0.4")


async def test_marketable_limit_fills_at_the_quote_not_at_its_limit(venue: PaperVenue) -> None:
    venue.on_quote(quote(ask=100.0, ask_qty=5.0))
    done = await venue.create_order(order("buy", "1", "105"))
    assert done.status is OrderStatus.FILLED
    assert done.avg_fill_price == D(100)
    [fill] = await venue.fetch_fills()
    assert fill.liquidity is Liquidity.TAKER


# -- resting orders -------------------------------------------------------------------------------


async def test_partial_fill_rests_then_fills_as_maker_when_market_crosses(
    venue: PaperVenue, recorder: Recorder
) -> None:
    venue.on_quote(quote(ask=100.0, ask_qty=0.3))
    placed = await venue.create_order(order("buy", "1", "101", cid="rest-1"))
    assert placed.status is OrderStatus.PARTIALLY_FILLED
    assert placed.filled_qty == D("0.3")
    [resting] = await venue.fetch_open_orders()
    assert resting.client_order_id == "rest-1"
    # The lock is the rest at the limit price plus the dearer fee.
    assert (await balance(venue, "USDT")).locked == D("0.7") * D(101) * D("1.002")

    venue.on_quote(quote(bid=101.0, ask=101.5, ask_qty=9.0))  # above the limit: nothing
    assert len(await venue.fetch_fills()) == 1
    venue.on_quote(quote(bid=100.0, ask=100.5, ask_qty=0.5))  # crosses: 0.5 at our 101
    venue.on_quote(quote(bid=100.0, ask=101.0, ask_qty=5.0))  # touches: the last 0.2
    fills = await venue.fetch_fills()
    assert [(f.qty, f.price, f.liquidity) for f in fills] == [
        (D("0.3"), D(100), Liquidity.TAKER),
        (D("0.5"), D(101), Liquidity.MAKER),
        (D("0.2"), D(101), Liquidity.MAKER),
    ]
    assert [f.fee for f in fills] == [D("0.06"), D("0.0505"), D("0.0202")]
    assert await venue.fetch_open_orders() == []
    usdt = await balance(venue, "USDT")
    assert usdt.total == D(100_000) - D(30) - D("50.5") - D("20.2") - D("0.1307")
    assert usdt.locked == 0
    assert (await balance(venue, "BTC")).total == D(2)
    assert recorder.states("rest-1") == ["PARTIALLY_FILLED", "PARTIALLY_FILLED", "FILLED"]
    final = await venue.fetch_order("rest-1", SPOT.symbol)
    assert final is not None and final.avg_fill_price == (D(30) + D("70.7")) / D(1)


async def test_resting_sell_fills_when_bid_reaches_it(venue: PaperVenue) -> None:
    venue.on_quote(quote(bid=99.0, ask=100.0))
    placed = await venue.create_order(order("sell", "0.5", "102"))
    assert placed.status is OrderStatus.OPEN
    assert (await balance(venue, "BTC")).locked == D("0.5")
    venue.on_quote(quote(bid=101.99, ask=102.5, bid_qty=10))
    assert await venue.fetch_fills() == []
    venue.on_quote(quote(bid=103.0, ask=103.5, bid_qty=10))
    [fill] = await venue.fetch_fills()
    assert (fill.price, fill.qty, fill.liquidity) == (D(102), D("0.5"), Liquidity.MAKER)
    assert fill.fee == D("0.051")
    btc, usdt = await balance(venue, "BTC"), await balance(venue, "USDT")
    assert (btc.total, btc.locked) == (D("0.5"), D(0))
    assert usdt.total == D(100_000) + D(51) - D("0.051")


async def test_resting_orders_share_a_quote_in_price_time_priority(venue: PaperVenue) -> None:
    venue.on_quote(quote(bid=90.0, ask=110.0))
    low = await venue.create_order(order("buy", "1", "100"))
    first = await venue.create_order(order("buy", "1", "101"))
    second = await venue.create_order(order("buy", "1", "101"))
    venue.on_quote(quote(bid=90.0, ask=100.5, ask_qty=1.5))
    got = {o.client_order_id: o.filled_qty for o in await venue.fetch_open_orders()}
    assert got == {low.client_order_id: D(0), second.client_order_id: D("0.5")}
    assert (await venue.fetch_order(first.client_order_id, SPOT.symbol)).status is (  # type: ignore[union-attr]
        OrderStatus.FILLED
    )


async def test_quote_without_crossing_leaves_orders_alone(venue: PaperVenue) -> None:
    await venue.create_order(order("buy", "0.1", "90"))
    for i in range(100):
        venue.on_quote(quote(bid=95.0 + i * 0.001, ask=96.0))
    assert await venue.fetch_fills() == []
    assert len(await venue.fetch_open_orders()) == 1


async def test_limit_order_before_any_quote_rests(venue: PaperVenue) -> None:
    placed = await venue.create_order(order("buy", "0.1", "100"))
    assert placed.status is OrderStatus.OPEN
    venue.on_quote(quote(ask=99.0))
    [fill] = await venue.fetch_fills()
    assert (fill.price, fill.liquidity) == (D(100), Liquidity.MAKER)


# -- time in force --------------------------------------------------------------------------------


async def test_ioc_fills_what_is_visible_and_cancels_the_rest(venue: PaperVenue) -> None:
    venue.on_quote(quote(ask=100.0, ask_qty=0.25))
    done = await venue.create_order(order("buy", "1", "100", tif=TimeInForce.IOC))
    assert (done.status, done.filled_qty) == (OrderStatus.CANCELED, D("0.25"))
    assert await venue.fetch_open_orders() == []
    assert (await balance(venue, "USDT")).locked == 0


async def test_ioc_that_cannot_trade_is_canceled_without_fill(venue: PaperVenue) -> None:
    venue.on_quote(quote(ask=100.0))
    done = await venue.create_order(order("buy", "1", "99", tif=TimeInForce.IOC))
    assert (done.status, done.filled_qty) == (OrderStatus.CANCELED, D(0))
    assert "nothing at 99" in (done.reason or "")
    assert await venue.fetch_fills() == []


async def test_fok_fills_whole_or_not_at_all(venue: PaperVenue, recorder: Recorder) -> None:
    venue.on_quote(quote(ask=100.0, ask_qty=0.5))
    killed = await venue.create_order(order("buy", "1", "100", tif=TimeInForce.FOK))
    assert (killed.status, killed.filled_qty) == (OrderStatus.CANCELED, D(0))
    assert "FOK" in (killed.reason or "") and "0.5" in (killed.reason or "")
    assert await venue.fetch_fills() == []
    assert await balance(venue, "USDT") == Balance("USDT", D(100_000))
    filled = await venue.create_order(order("buy", "0.5", "100", tif=TimeInForce.FOK))
    assert (filled.status, filled.filled_qty) == (OrderStatus.FILLED, D("0.5"))
    assert recorder.states(killed.client_order_id) == ["CANCELED"]


async def test_post_only_that_would_cross_is_rejected(venue: PaperVenue) -> None:
    venue.on_quote(quote(bid=99.0, ask=100.0))
    with pytest.raises(OrderRejected, match=r"post-only buy 1 @ 100 .* ask is 100"):
        await venue.create_order(order("buy", "1", "100", tif=TimeInForce.POST_ONLY))
    placed = await venue.create_order(order("buy", "1", "99.5", tif=TimeInForce.POST_ONLY))
    assert placed.status is OrderStatus.OPEN
    venue.on_quote(quote(bid=98.0, ask=99.5, ask_qty=2.0))
    [fill] = await venue.fetch_fills()
    assert fill.liquidity is Liquidity.MAKER
    assert fill.fee == D("99.5") * D("0.001")


# -- funds ----------------------------------------------------------------------------------------


async def test_insufficient_funds_names_asset_venue_and_numbers(venue: PaperVenue) -> None:
    with pytest.raises(InsufficientFunds) as caught:
        await venue.create_order(order("buy", "1", "200000"))
    assert str(caught.value) == "insufficient USDT on sim-a: need 200400.00, free 100000.00"
    with pytest.raises(
        InsufficientFunds, match=r"^insufficient BTC on sim-a: need 2.00, free 1.00$"
    ):
        await venue.create_order(order("sell", "2", "100"))
    assert await venue.fetch_open_orders() == []
    assert await venue.fetch_balances() == {a: Balance(a, amount) for a, amount in STARTING.items()}


async def test_market_buy_is_checked_against_the_ask(venue: PaperVenue) -> None:
    venue.on_quote(quote(ask=60_000.0, ask_qty=10.0))
    with pytest.raises(InsufficientFunds, match=r"need 120240.00, free 100000.00"):
        await venue.create_order(order("buy", "2"))


async def test_locks_count_against_later_orders_and_are_released_on_cancel(
    venue: PaperVenue,
) -> None:
    placed = await venue.create_order(order("buy", "900", "100"))
    usdt = await balance(venue, "USDT")
    assert usdt.locked == D("90180") and usdt.free == D("9820")
    with pytest.raises(InsufficientFunds, match=r"free 9820\.00"):
        await venue.create_order(order("buy", "100", "100"))
    sell = await venue.create_order(order("sell", "0.75", "200"))
    assert (await balance(venue, "BTC")).locked == D("0.75")
    canceled = await venue.cancel_order(placed.client_order_id, SPOT.symbol)
    assert canceled.status is OrderStatus.CANCELED and canceled.reason is None
    await venue.cancel_order(sell.client_order_id, SPOT.symbol)
    assert await venue.fetch_balances() == {a: Balance(a, amount) for a, amount in STARTING.items()}


async def test_cancel_of_an_ended_order_returns_it_and_unknown_raises(venue: PaperVenue) -> None:
    venue.on_quote(quote(ask=100.0))
    done = await venue.create_order(order("buy", "0.1"))
    again = await venue.cancel_order(done.client_order_id, SPOT.symbol)
    assert again == done
    with pytest.raises(OrderNotFound):
        await venue.cancel_order("nope", SPOT.symbol)
    placed = await venue.create_order(order("buy", "0.1", "50"))
    with pytest.raises(OrderNotFound):
        await venue.cancel_order(placed.client_order_id, PERP.symbol)


async def test_cancel_all_by_symbol_and_everything(venue: PaperVenue, recorder: Recorder) -> None:
    a = await venue.create_order(order("buy", "0.1", "50"))
    b = await venue.create_order(order("sell", "0.1", "500"))
    c = await venue.create_order(order("buy", "1", "50", symbol=PERP.symbol))
    canceled = await venue.cancel_all(SPOT.symbol)
    assert [o.client_order_id for o in canceled] == [a.client_order_id, b.client_order_id]
    assert all(o.status is OrderStatus.CANCELED for o in canceled)
    assert [o.client_order_id for o in await venue.fetch_open_orders()] == [c.client_order_id]
    assert [o.client_order_id for o in await venue.cancel_all()] == [c.client_order_id]
    assert await venue.fetch_open_orders() == []
    assert all(b.locked == 0 for b in (await venue.fetch_balances()).values())
    assert recorder.states(c.client_order_id) == ["OPEN", "CANCELED"]


async def test_fetch_order_by_client_id(venue: PaperVenue) -> None:
    placed = await venue.create_order(order("buy", "0.1", "50", cid="mine-1"))
    assert placed.venue_order_id is not None
    assert await venue.fetch_order("mine-1", SPOT.symbol) == placed
    assert await venue.fetch_order("mine-1", PERP.symbol) is None
    assert await venue.fetch_order("other", SPOT.symbol) is None
    await venue.cancel_order("mine-1", SPOT.symbol)
    ended = await venue.fetch_order("mine-1", SPOT.symbol)
    assert ended is not None and ended.status is OrderStatus.CANCELED


# -- validation -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"symbol": "DOGE/USDT"}, r"unknown symbol DOGE/USDT on sim-a"),
        ({"price": "100.005"}, r"price 100.005 is not a multiple of tick 0.01 for BTC/USDT"),
        ({"qty": "0.00015"}, r"quantity 0.00015 is not a multiple of step 0.0001 for BTC/USDT"),
        ({"qty": "0.01"}, r"notional 1.00 USDT \(0.01 @ 100\) is below the minimum 5.00"),
        ({"venue": "sim-b"}, r"is for sim-b, not sim-a"),
        ({"reduce_only": True}, r"reduce-only applies to derivatives"),
    ],
)  # fmt: skip
async def test_rejections_name_the_numbers(
    venue: PaperVenue, kwargs: dict[str, object], message: str
) -> None:
    args = {"side": "buy", "qty": "1", "price": "100", **kwargs}
    with pytest.raises(OrderRejected, match=message):
        await venue.create_order(order(**args))  # type: ignore[arg-type]
    assert await venue.fetch_open_orders() == []
    assert await venue.fetch_fills() == []
    assert (await balance(venue, "USDT")).locked == 0


async def test_below_min_qty_is_rejected(make_venue: MakeVenue) -> None:
    inst = type(SPOT)(VENUE, "ETH/USDT", "ETH", "USDT", min_qty=D("0.01"), step_size=D("0.001"))
    venue = make_venue(instruments=[inst])
    await venue.connect()
    with pytest.raises(OrderRejected, match=r"quantity 0.005 is below the minimum 0.01"):
        await venue.create_order(order("buy", "0.005", "100", symbol="ETH/USDT"))


async def test_market_and_ioc_orders_need_a_quote(venue: PaperVenue) -> None:
    with pytest.raises(OrderRejected, match=r"no quote yet for BTC/USDT on sim-a: a market order"):
        await venue.create_order(order("buy", "1"))
    with pytest.raises(OrderRejected, match=r"no quote yet .* an IOC order"):
        await venue.create_order(order("buy", "1", "100", tif=TimeInForce.IOC))
    venue.on_quote(quote(bid=99.0, ask=0.0, ask_qty=0.0))
    with pytest.raises(OrderRejected, match=r"no ask for BTC/USDT"):
        await venue.create_order(order("buy", "1"))


async def test_duplicate_client_order_id_and_wrong_state_are_rejected(venue: PaperVenue) -> None:
    await venue.create_order(order("buy", "0.1", "50", cid="dup"))
    with pytest.raises(OrderRejected, match="duplicate client order id dup"):
        await venue.create_order(order("buy", "0.1", "50", cid="dup"))
    sent = order("buy", "0.1", "50").transition(OrderStatus.PENDING_SUBMIT, 1)
    assert (await venue.create_order(sent)).status is OrderStatus.OPEN
    opened = order("buy", "0.1", "50").transition(OrderStatus.PENDING_SUBMIT, 1)
    opened = opened.transition(OrderStatus.OPEN, 2)
    with pytest.raises(OrderRejected, match="only NEW or PENDING_SUBMIT"):
        await venue.create_order(opened)


async def test_requests_before_connect_are_transient(make_venue: MakeVenue) -> None:
    venue = make_venue()
    with pytest.raises(TransientError, match="not connected"):
        await venue.create_order(order("buy", "1", "100"))


# -- listener -------------------------------------------------------------------------------------


async def test_listener_hears_fill_before_order_then_balances(
    venue: PaperVenue, recorder: Recorder
) -> None:
    venue.on_quote(quote(ask=100.0, ask_qty=5))
    done = await venue.create_order(order("buy", "1", "100"))
    kinds = [type(e).__name__ for e in recorder.log]
    assert kinds == ["Fill", "Order", "Balance", "Balance"]
    assert recorder.orders[-1] == done
    assert {b.asset for _, b in recorder.balances} == {"BTC", "USDT"}
    assert all(venue_name == VENUE for venue_name, _ in recorder.balances)


async def test_a_failing_listener_does_not_break_the_venue(venue: PaperVenue) -> None:
    class Broken(Recorder):
        def on_fill(self, fill: object) -> None:
            raise RuntimeError("boom")

    broken = Broken()
    venue.set_listener(broken)
    venue.on_quote(quote(ask=100.0))
    await venue.create_order(order("buy", "0.1", "100.5"))
    assert len(await venue.fetch_fills()) == 1
    assert broken.orders and broken.balances


async def test_trade_ids_are_unique_and_increasing(venue: PaperVenue) -> None:
    for _ in range(5):
        venue.on_quote(quote(ask=100.0, ask_qty=1))
        await venue.create_order(order("buy", "0.1"))
    ids = [f.trade_id for f in await venue.fetch_fills()]
    assert ids == ["1", "2", "3", "4", "5"]


async def test_fetch_fills_filters_by_time_and_symbol(venue: PaperVenue, clock: object) -> None:
    from app.core.clock import ManualClock

    assert isinstance(clock, ManualClock)
    venue.on_quote(quote(ask=100.0, ask_qty=1))
    await venue.create_order(order("buy", "0.1"))
    clock.set(5_000)
    venue.on_quote(quote(symbol=PERP.symbol, ask=100.0, ask_qty=1))
    await venue.create_order(order("buy", "1", symbol=PERP.symbol))
    assert len(await venue.fetch_fills()) == 2
    assert [f.symbol for f in await venue.fetch_fills(since_ns=2_000)] == [PERP.symbol]
    assert [f.symbol for f in await venue.fetch_fills(symbol=SPOT.symbol)] == [SPOT.symbol]


async def test_fills_reach_side_and_symbol(venue: PaperVenue) -> None:
    venue.on_quote(quote(bid=99.0, bid_qty=1))
    await venue.create_order(order("sell", "0.1"))
    [fill] = await venue.fetch_fills()
    assert (fill.side, fill.symbol, fill.venue) == (Side.SELL, SPOT.symbol, VENUE)
