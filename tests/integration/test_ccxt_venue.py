"""The ccxt venue and feed against the loopback fake Binance, with unmodified ccxt code: client
ids and precision, lost answers, rate limits and bans, clock skew, dropped streams, close."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from decimal import Decimal

import pytest

from app.core.backoff import Backoff
from app.core.events import VenueState
from app.core.orders import Order, OrderStatus, OrderType, Side
from app.core.quotes import Quote
from app.core.secrets import KeyMaterial, Secret
from app.venues.ccxt_exchange import ExchangeConfig, make_exchange
from app.venues.ccxt_feed import CcxtFeed
from app.venues.ccxt_instruments import instruments_from_markets
from app.venues.ccxt_venue import CcxtVenue
from app.venues.errors import (
    AmbiguousOutcome,
    ClockSkew,
    InsufficientFunds,
    OrderRejected,
    RateLimited,
    VenueBanned,
)
from tests.support.engines import eventually
from tests.support.fake_binance import FakeBinance, symbol_rules
from tests.support.venue_rig import FAST, Heard, venue_rig

SYMBOLS = ("BTC/USDT", "ETH/USDT")


@dataclass
class Live:
    fake: FakeBinance
    venue: CcxtVenue
    feed: CcxtFeed
    heard: Heard
    quotes: list[Quote]
    states: list[VenueState]


@asynccontextmanager
async def live(
    *,
    timeout_s: float = 2.0,
    backoff: Backoff = FAST,
    poll_s: float = 0.02,
    fetch_by_listing: bool | None = None,
) -> AsyncIterator[Live]:
    async with FakeBinance() as fake:
        keys = KeyMaterial(Secret(fake.api_key), Secret(fake.secret))
        config = ExchangeConfig(
            "binance", rest_url=fake.rest_url, ws_url=fake.ws_url, timeout_s=timeout_s
        )
        rig = venue_rig(
            "bn",
            make_exchange(config, keys),
            keys,
            SYMBOLS,
            timeout_s=timeout_s,
            backoff=backoff,
            poll_s=poll_s,
            fetch_by_listing=fetch_by_listing,
        )
        async with rig as r:
            yield Live(fake, r.venue, r.feed, r.heard, r.quotes, r.states)


def order(cid: str, qty: str, price: str | None, side: Side = Side.BUY) -> Order:
    kind = OrderType.LIMIT if price is not None else OrderType.MARKET
    return Order(cid, "bn", "BTC/USDT", side, kind, Decimal(qty), Decimal(price) if price else None)


async def test_instruments_keep_the_exchange_filters_of_every_trading_market() -> None:
    async with FakeBinance() as fake:
        config = ExchangeConfig("binance", rest_url=fake.rest_url, ws_url=fake.ws_url)
        exchange = make_exchange(config)
        try:
            await exchange.load_markets()
            # ccxt renames a few assets (YOYO is YOYOW): go through the exchange's market id
            unified = {mid: ms[0]["symbol"] for mid, ms in exchange.markets_by_id.items()}
            found = {
                inst.symbol: inst
                for inst in instruments_from_markets("bn", exchange.markets, exchange.precisionMode)
            }
        finally:
            await exchange.close()
    trading = [r for r in symbol_rules().values() if r.status == "TRADING"]
    assert len(trading) == 1262
    for rules in trading:
        inst = found[unified[rules.symbol]]
        assert (inst.tick_size, inst.step_size) == (rules.tick, rules.step), rules.symbol
        assert (inst.min_qty, inst.min_notional) == (rules.min_qty, rules.min_notional)


async def test_an_order_carries_our_client_id_at_the_exchange_precision() -> None:
    async with live() as lv:
        lv.fake.push_book("BTC/USDT", "50000", "1", "50001", "1")
        ack = await lv.venue.create_order(order("AD1a", "0.0123456", "40000.123"))
        assert ack.status is OrderStatus.OPEN
        assert ack.client_order_id == "AD1a"
        [create] = [r for r in lv.fake.requests if r.method == "POST"]
        assert create.query["newClientOrderId"] == "AD1a"
        assert create.query["quantity"] == "0.01234"  # LOT_SIZE step 0.00001
        assert create.query["price"] == "40000.12"  # PRICE_FILTER tick 0.01
        seen = await lv.venue.fetch_order("AD1a", "BTC/USDT")
        assert seen is not None and seen.status is OrderStatus.OPEN
        assert seen.venue_order_id == ack.venue_order_id is not None
        assert await lv.venue.fetch_order("AD9z", "BTC/USDT") is None
        open_ = await lv.venue.fetch_open_orders()
        assert [o.client_order_id for o in open_] == ["AD1a"]
        canceled = await lv.venue.cancel_order("AD1a", "BTC/USDT")
        assert canceled.status is OrderStatus.CANCELED
        assert lv.fake.open_orders() == []


async def test_a_market_order_fills_and_its_trade_names_our_order() -> None:
    async with live() as lv:
        lv.fake.push_book("BTC/USDT", "50000", "1", "50001", "1")
        ack = await lv.venue.create_order(order("AD2b", "0.01", None))
        assert ack.status is OrderStatus.FILLED
        fills = await lv.venue.fetch_fills(0)
        assert [(f.client_order_id, f.qty, f.price) for f in fills] == [
            ("AD2b", Decimal("0.01"), Decimal("50001"))
        ]
        assert fills[0].fee == Decimal("0.50001")
        await eventually(lambda: any(f.trade_id == fills[0].trade_id for f in lv.heard.fills))
        assert {f.client_order_id for f in lv.heard.fills} == {"AD2b"}


async def test_where_fetch_by_client_id_misses_orders_they_are_found_by_listing() -> None:
    # Kraken and Bybit (FETCH_BY_LISTING): the same path, on the fake Binance
    async with live(fetch_by_listing=True) as lv:
        lv.fake.push_book("BTC/USDT", "50000", "1", "50001", "1")
        lv.fake.lose_next_create("503")
        with pytest.raises(AmbiguousOutcome):
            await lv.venue.create_order(order("AD6g", "0.01", "40000"))
        lv.fake.lose_next_create("503")
        with pytest.raises(AmbiguousOutcome):
            await lv.venue.create_order(order("AD6h", "0.01", None))
        resting = await lv.venue.fetch_order("AD6g", "BTC/USDT")
        filled = await lv.venue.fetch_order("AD6h", "BTC/USDT")
        assert resting is not None and resting.status is OrderStatus.OPEN
        assert filled is not None and filled.status is OrderStatus.FILLED
        assert await lv.venue.fetch_order("AD6i", "BTC/USDT") is None
        by_client_id = [r for r in lv.fake.requests if "origClientOrderId" in r.query]
        assert by_client_id == []


async def test_a_rejection_keeps_the_exchange_text() -> None:
    async with live() as lv:
        lv.fake.reject_next_create(-2010, "Account has insufficient balance for requested action.")
        with pytest.raises(InsufficientFunds, match="Account has insufficient balance"):
            await lv.venue.create_order(order("AD3c", "0.01", "40000"))
        with pytest.raises(OrderRejected, match="not a market of bn"):
            await lv.venue.create_order(
                Order("AD3d", "bn", "LTC/USDT", Side.BUY, OrderType.MARKET, Decimal(1), None)
            )


@pytest.mark.parametrize("mode", ["503", "reset", "timeout"])
async def test_a_lost_answer_is_ambiguous_and_the_order_is_found_by_its_client_id(
    mode: str,
) -> None:
    async with live(timeout_s=0.5) as lv:
        lv.fake.push_book("BTC/USDT", "50000", "1", "50001", "1")
        lv.fake.lose_next_create(mode)  # type: ignore[arg-type]
        with pytest.raises(AmbiguousOutcome):
            await lv.venue.create_order(order("AD4e", "0.01", "40000"))
        found = await lv.venue.fetch_order("AD4e", "BTC/USDT")
        assert found is not None and found.status is OrderStatus.OPEN
        assert lv.fake.creates_by_client_id() == {"AD4e": 1}


async def test_a_429_makes_the_venue_wait_for_retry_after_before_it_asks_again() -> None:
    async with live() as lv:
        lv.fake.rate_limit(1, retry_after_s=30.0)
        with pytest.raises(RateLimited) as err:
            await lv.venue.fetch_balances()
        assert err.value.retry_after_s == 30.0
        sent = len(lv.fake.requests)
        with pytest.raises(RateLimited):  # longer than a call may wait: refused, not sent
            await lv.venue.fetch_balances()
        assert len(lv.fake.requests) == sent


async def test_a_short_retry_after_is_waited_out_and_the_call_goes_through() -> None:
    async with live() as lv:
        lv.fake.rate_limit(1, retry_after_s=0.2)
        with pytest.raises(RateLimited):
            await lv.venue.fetch_balances()
        assert "USDT" in await lv.venue.fetch_balances()


async def test_a_418_ban_blocks_every_rest_call_of_that_venue() -> None:
    async with live() as lv:
        lv.fake.ban(retry_after_s=60)
        with pytest.raises(VenueBanned):
            await lv.venue.fetch_open_orders()
        sent = len(lv.fake.requests)
        for call in (lv.venue.fetch_balances(), lv.venue.fetch_fills(0)):
            with pytest.raises(VenueBanned):
                await call
        with pytest.raises(VenueBanned):
            await lv.venue.create_order(order("AD5f", "0.01", "40000"))
        assert len(lv.fake.requests) == sent
        assert lv.fake.creates_by_client_id() == {}


async def test_a_ban_met_by_an_order_call_stops_the_polling_too() -> None:
    async with live(backoff=Backoff(0.3, jitter=0)) as lv:  # down 0.3 s: some 15 polls due
        await lv.fake.wait_public_subscribed("BTC/USDT")
        lv.fake.ban(retry_after_s=60)
        with pytest.raises(VenueBanned):
            await lv.venue.fetch_balances()
        sent = len(lv.fake.requests)
        await lv.fake.drop_public()  # the stream is down: the feed would poll every 20 ms
        await lv.fake.until(lambda: lv.fake.public_subscriptions > 1)
        assert len(lv.fake.requests) == sent


async def test_a_rate_limit_met_by_polling_holds_the_order_calls_back() -> None:
    async with live(backoff=Backoff(5.0, jitter=0)) as lv:  # stays down: polls run
        await lv.fake.wait_public_subscribed("BTC/USDT")
        await lv.fake.drop_public()
        sent = len(lv.fake.requests)
        lv.fake.rate_limit(1, retry_after_s=30.0)
        await lv.fake.until(lambda: len(lv.fake.requests) > sent)  # a poll met the 429
        await asyncio.sleep(0.1)  # further polls would come every 20 ms
        sent = len(lv.fake.requests)
        with pytest.raises(RateLimited):
            await lv.venue.fetch_balances()
        assert len(lv.fake.requests) == sent


async def test_a_clock_skew_error_resyncs_the_time_difference() -> None:
    async with live() as lv:
        lv.fake.clock_offset_ms = 120_000
        with pytest.raises(ClockSkew):
            await lv.venue.fetch_balances()
        assert "USDT" in await lv.venue.fetch_balances()


async def test_every_streamed_update_arrives_once_in_order() -> None:
    async with live() as lv:
        await lv.fake.wait_public_subscribed("BTC/USDT")
        for i in range(200):
            lv.fake.push_book("BTC/USDT", 50_000 + i, "1", 50_001 + i, "1")
        lv.fake.resend_last("BTC/USDT")
        await eventually(lambda: len(lv.quotes) >= 200)
        await asyncio.sleep(0.05)
        assert [q.bid for q in lv.quotes] == [50_000.0 + i for i in range(200)]
        assert lv.feed.duplicates("bn") >= 1


async def test_a_stream_dropped_three_times_resubscribes_polls_meanwhile_and_repeats_nothing() -> (
    None
):
    slow = Backoff(0.4, max_s=0.4, jitter=0.5)  # down long enough for polls to happen
    async with live(backoff=slow) as lv:
        fake = lv.fake
        await fake.wait_public_subscribed("BTC/USDT")
        bid = 50_000
        for drop in range(3):
            subscribed = fake.public_subscriptions
            fake.push_book("BTC/USDT", bid, "1", bid + 1, "1")
            await eventually(lambda b=bid: lv.quotes and lv.quotes[-1].bid == b)
            await fake.drop_public()
            bid += 10  # moves while the stream is down: only a poll can bring it
            fake.push_book("BTC/USDT", bid, "1", bid + 1, "1")
            await eventually(lambda b=bid: lv.quotes[-1].bid == b, what=f"a poll ({drop})")
            await fake.until(lambda s=subscribed: fake.public_subscriptions > s)
            fake.resend_last("BTC/USDT")  # the same update again after the reconnect
            bid += 10
        fake.push_book("BTC/USDT", bid, "1", bid + 1, "1")
        await eventually(lambda: lv.quotes[-1].bid == bid)
        bids = [q.bid for q in lv.quotes if q.symbol == "BTC/USDT"]
        assert bids == sorted(set(bids))  # nothing twice, nothing out of order
        assert lv.feed.reconnects["bn"] == 3
        assert lv.feed.polled["bn"] >= 3
        assert lv.states.count(VenueState.DOWN) == 3
        assert lv.states.count(VenueState.CONNECTED) == 4


async def test_a_silent_stream_is_polled() -> None:
    async with live() as lv:
        await lv.fake.wait_public_subscribed("BTC/USDT")
        lv.fake.push_book("ETH/USDT", "3000", "1", "3001", "1")
        await eventually(lambda: lv.feed.polled["bn"] > 0, what="a poll of the silent stream")


async def test_close_returns_within_its_bound_against_a_silent_exchange() -> None:
    async with live() as lv:
        lv.fake.silent = True
        hanging = asyncio.ensure_future(lv.venue.fetch_balances())
        await asyncio.sleep(0.05)
        async with asyncio.timeout(3.0):
            await lv.venue.close()
        hanging.cancel()
