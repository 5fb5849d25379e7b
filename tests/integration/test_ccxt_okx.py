"""The ccxt venue and feed against the loopback fake OKX, with unmodified ccxt code: markets and
their rules, client ids in clOrdId at the market's precision, OKX's per-order refusals, lost
answers, cancel-all without a cancel-all endpoint, the bbo-tbt stream and the private orders
stream (fills from it once), through ``make_exchange`` and its URL override (OKX's REST URL is
the template ``https://{hostname}``)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest

from app.core.backoff import Backoff
from app.core.events import VenueState
from app.core.instruments import InstrumentKind
from app.core.orders import Liquidity, Order, OrderStatus, OrderType, Side
from app.core.quotes import Quote
from app.core.secrets import KeyMaterial, Secret
from app.venues.ccxt_capabilities import capabilities
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
    VenueError,
)
from tests.support.engines import eventually
from tests.support.fake_okx import FakeOkx, rules_of
from tests.support.venue_rig import FAST, Heard, venue_rig

SYMBOLS = ("BTC/USDT", "ETH/USDT")


@dataclass
class Live:
    fake: FakeOkx
    venue: CcxtVenue
    feed: CcxtFeed
    heard: Heard
    quotes: list[Quote]
    states: list[VenueState]


def keys_of(fake: FakeOkx, *, secret: str | None = None) -> KeyMaterial:
    return KeyMaterial(
        Secret(fake.api_key), Secret(secret or fake.secret), password=Secret(fake.passphrase)
    )


def okx_exchange(
    fake: FakeOkx, keys: KeyMaterial, market_type: str = "spot", timeout_s: float = 2.0
) -> Any:
    """The product's exchange on the fake, without ccxt's throttle (100 ms a request on OKX)
    and its 0.25 s wait on close (only TLS needs it): the tests stay fast."""
    config = ExchangeConfig(
        "okx",
        market_type,
        rest_url=fake.rest_url,
        ws_url=fake.ws_url,
        timeout_s=timeout_s,
        rate_limit=False,
    )
    exchange = make_exchange(config, keys)
    exchange.timeout_on_exit = 0
    return exchange


@asynccontextmanager
async def live(
    *, timeout_s: float = 2.0, backoff: Backoff = FAST, poll_s: float = 0.02
) -> AsyncIterator[Live]:
    async with FakeOkx() as fake:
        keys = keys_of(fake)
        exchange = okx_exchange(fake, keys, timeout_s=timeout_s)
        rig = venue_rig(
            "okx", exchange, keys, SYMBOLS, timeout_s=timeout_s, backoff=backoff, poll_s=poll_s
        )
        async with rig as r:
            yield Live(fake, r.venue, r.feed, r.heard, r.quotes, r.states)


def order(
    cid: str, qty: str, price: str | None, side: Side = Side.BUY, symbol: str = "BTC/USDT"
) -> Order:
    kind = OrderType.LIMIT if price is not None else OrderType.MARKET
    return Order(cid, "okx", symbol, side, kind, Decimal(qty), Decimal(price) if price else None)


@pytest.mark.parametrize("market_type", ["spot", "swap"])
async def test_instruments_from_load_markets_are_the_exchange_rules(market_type: str) -> None:
    async with FakeOkx() as fake:
        exchange = okx_exchange(fake, keys_of(fake), market_type)
        try:
            await exchange.load_markets()
            got = instruments_from_markets("okx", exchange.markets, exchange.precisionMode)
        finally:
            await exchange.close()
    kind = {"spot": "SPOT", "swap": "SWAP"}[market_type]
    # the template https://{hostname} was replaced: every request reached the fake
    assert {(r.method, r.path, r.query.get("instType")) for r in fake.requests} == {
        ("GET", "/api/v5/asset/currencies", None),  # signed: ccxt reads it whenever it has keys
        ("GET", "/api/v5/public/instruments", kind),
    }
    assert [
        (i.symbol, i.tick_size, i.step_size, i.min_qty, i.contract_size, i.kind) for i in got
    ] == [
        (
            r.symbol,
            r.tick,
            r.lot,
            r.min_sz,
            r.ct_val or Decimal(1),
            InstrumentKind.SPOT if kind == "SPOT" else InstrumentKind.PERPETUAL,
        )
        for r in sorted(
            (rules_of(s) for s in ("BTC/USDT", "ETH/USDT", "BTC/USDT:USDT")),
            key=lambda r: r.symbol,
        )
        if r.inst_type == kind
    ]


async def test_a_wrong_secret_fails_load_markets_with_okx_text() -> None:
    """ccxt signs its currencies request while loading markets: a bad key stops there."""
    from ccxt.base.errors import AuthenticationError

    async with FakeOkx() as fake:
        exchange = okx_exchange(fake, keys_of(fake, secret="not-the-secret"))
        try:
            with pytest.raises(AuthenticationError, match="Invalid Sign"):
                await exchange.load_markets()
        finally:
            await exchange.close()


async def test_an_order_carries_our_client_id_in_clordid_at_the_market_precision() -> None:
    async with live() as lv:
        lv.fake.push_book("BTC/USDT", "50000", "1", "50000.1", "1")
        ack = await lv.venue.create_order(order("AD1a", "0.0123456789", "40000.123"))
        assert ack.status is OrderStatus.OPEN
        assert ack.client_order_id == "AD1a" and ack.venue_order_id is not None
        [create] = [r for r in lv.fake.requests if r.method == "POST"]
        assert create.path == "/api/v5/trade/batch-orders"
        assert create.body == [
            {
                "instId": "BTC-USDT",
                "side": "buy",
                "ordType": "limit",
                "sz": "0.01234567",  # lotSz 0.00000001
                "tdMode": "cash",
                "tgtCcy": "base_ccy",
                "px": "40000.1",  # tickSz 0.1
                "clOrdId": "AD1a",
            }
        ]
        seen = await lv.venue.fetch_order("AD1a", "BTC/USDT")
        assert seen is not None and seen.status is OrderStatus.OPEN
        assert seen.venue_order_id == ack.venue_order_id
        assert await lv.venue.fetch_order("AD9z", "BTC/USDT") is None  # OKX 51603
        assert [o.client_order_id for o in await lv.venue.fetch_open_orders()] == ["AD1a"]
        canceled = await lv.venue.cancel_order("AD1a", "BTC/USDT")
        assert canceled.status is OrderStatus.CANCELED  # OKX's answer has no state: sCode 0
        assert lv.fake.open_orders() == []


async def test_a_rejection_keeps_okx_smsg() -> None:
    async with live() as lv:
        lv.fake.push_book("BTC/USDT", "50000", "1", "50000.1", "1")
        lv.fake.reject_next_create("51008", "Order failed. Insufficient USDT balance in account.")
        with pytest.raises(InsufficientFunds, match="Insufficient USDT balance in account"):
            await lv.venue.create_order(order("AD3c", "0.01", "40000"))
        lv.fake.set_balance("BTC", "0.001")  # the fake's own check, the same answer
        with pytest.raises(InsufficientFunds, match="Insufficient BTC balance in account"):
            await lv.venue.create_order(order("AD3d", "0.01", "60000", Side.SELL))
        with pytest.raises(OrderRejected, match="minimum order amount"):  # 51020, below minSz
            await lv.venue.create_order(order("AD3e", "0.000001", "40000"))
        assert lv.fake.open_orders() == []


@pytest.mark.parametrize("mode", ["503", "reset", "timeout"])
async def test_a_lost_answer_is_ambiguous_and_the_order_is_found_by_its_client_id(
    mode: str,
) -> None:
    async with live(timeout_s=0.3) as lv:
        lv.fake.push_book("BTC/USDT", "50000", "1", "50000.1", "1")
        lv.fake.lose_next_create(mode)  # type: ignore[arg-type]
        with pytest.raises(AmbiguousOutcome):
            await lv.venue.create_order(order("AD4e", "0.01", "40000"))
        found = await lv.venue.fetch_order("AD4e", "BTC/USDT")
        assert found is not None and found.status is OrderStatus.OPEN
        assert found.venue_order_id is not None
        assert lv.fake.creates_by_client_id() == {"AD4e": 1}


async def test_cancel_all_cancels_each_open_order_as_okx_has_no_cancel_all() -> None:
    async with live() as lv:
        assert not capabilities("okx").cancel_all  # what makes the venue loop
        lv.fake.push_book("BTC/USDT", "50000", "1", "50000.1", "1")
        lv.fake.push_book("ETH/USDT", "3000", "1", "3000.01", "1")
        await lv.venue.create_order(order("AD5a", "0.01", "40000"))
        await lv.venue.create_order(order("AD5b", "0.01", "60000", Side.SELL))
        await lv.venue.create_order(order("AD5c", "0.1", "2000", symbol="ETH/USDT"))
        lv.fake.place("ETH/USDT", "buy", "1999", "0.2")  # placed by hand: no clOrdId
        listed = await lv.venue.fetch_open_orders()
        assert len(listed) == 4
        assert {o.client_order_id for o in listed} >= {"AD5a", "AD5b", "AD5c"}
        canceled = await lv.venue.cancel_all()
        assert len(canceled) == 4
        assert all(o.status is OrderStatus.CANCELED for o in canceled)
        assert lv.fake.open_orders() == []
        assert await lv.venue.fetch_open_orders() == []
        posts = [r.path for r in lv.fake.requests if r.method == "POST"]
        assert posts.count("/api/v5/trade/cancel-order") == 4
        assert posts.count("/api/v5/trade/batch-orders") == 3


async def test_every_streamed_update_arrives_once_in_order() -> None:
    async with live() as lv:
        await lv.fake.wait_public_subscribed("BTC/USDT")
        for i in range(200):
            lv.fake.push_book("BTC/USDT", 50_000 + i, "1", 50_001 + i, "1")
        lv.fake.resend_last("BTC/USDT")  # the same seqId again
        await eventually(lambda: len(lv.quotes) >= 200)
        await eventually(lambda: lv.feed.duplicates("okx") >= 1, what="the resent update")
        assert [q.bid for q in lv.quotes] == [50_000.0 + i for i in range(200)]
        assert all(q.exchange_ns > 0 for q in lv.quotes)  # OKX's ts


async def test_a_dropped_stream_resubscribes_polls_meanwhile_and_repeats_nothing() -> None:
    slow = Backoff(0.2, max_s=0.2, jitter=0.5)  # down long enough for polls to happen
    async with live(backoff=slow) as lv:
        fake = lv.fake
        await fake.wait_public_subscribed("BTC/USDT")
        bid = 50_000

        async def quoted(b: int, what: str = "a quote") -> None:
            await eventually(lambda: bool(lv.quotes) and lv.quotes[-1].bid == b, what=what)

        async def resubscribed(before: int) -> None:
            await fake.until(lambda: fake.public_subscriptions > before)

        for drop in range(2):
            subscribed = fake.public_subscriptions
            fake.push_book("BTC/USDT", bid, "1", bid + 1, "1")
            await quoted(bid)
            await fake.drop_public(abort=drop == 1)
            bid += 10  # moves while the stream is down: only a poll can bring it
            fake.push_book("BTC/USDT", bid, "1", bid + 1, "1")
            await quoted(bid, f"a poll ({drop})")
            await resubscribed(subscribed)  # OKX pushes the current book again: not new
            bid += 10
        fake.push_book("BTC/USDT", bid, "1", bid + 1, "1")
        await quoted(bid)
        bids = [q.bid for q in lv.quotes if q.symbol == "BTC/USDT"]
        assert bids == sorted(set(bids))  # nothing twice, nothing out of order (a late poll)
        assert lv.feed.duplicates("okx") >= 2  # the re-pushed books, dropped
        assert lv.feed.reconnects["okx"] == 2
        assert lv.feed.polled["okx"] >= 2
        assert lv.states.count(VenueState.DOWN) == 2


async def test_a_poll_answered_after_newer_streamed_updates_is_not_emitted() -> None:
    async with live(backoff=Backoff(0.2, max_s=0.2, jitter=0.5)) as lv:
        fake = lv.fake
        await fake.wait_public_subscribed("BTC/USDT")
        fake.push_book("BTC/USDT", "50000", "1", "50001", "1")
        await eventually(lambda: bool(lv.quotes))
        fake.hold_polls()
        sent, subscribed = len(fake.requests), fake.public_subscriptions
        await fake.drop_public()
        fake.push_book("BTC/USDT", "50010", "1", "50011", "1")
        await fake.until(lambda: any(r.path.endswith("/tickers") for r in fake.requests[sent:]))
        await fake.until(lambda: fake.public_subscriptions > subscribed)  # the stream is back
        fake.push_book("BTC/USDT", "50020", "1", "50021", "1")
        await eventually(lambda: lv.quotes[-1].bid == 50_020)
        polled = lv.feed.polled["okx"]
        fake.release_polls()  # its answer: the book as it was, older than what the stream gave
        await eventually(lambda: lv.feed.polled["okx"] > polled, what="the held poll")
        assert [q.bid for q in lv.quotes] == [50_000, 50_010, 50_020]


async def test_the_private_stream_delivers_a_fill_once_also_after_a_reconnect() -> None:
    async with live() as lv:
        fake = lv.fake
        await fake.wait_private_subscribed()
        fake.push_book("BTC/USDT", "50000", "1", "50000.1", "1")
        await lv.venue.create_order(order("AD6a", "0.01", "49000"))
        fake.push_book("BTC/USDT", "48000", "1", "48999", "1")  # crosses the resting bid
        await eventually(lambda: bool(lv.heard.fills), what="the fill")
        [fill] = lv.heard.fills
        assert (fill.client_order_id, fill.qty, fill.price) == (
            "AD6a",
            Decimal("0.01"),
            Decimal(49000),
        )
        assert (fill.liquidity, fill.fee_currency) == (Liquidity.MAKER, "BTC")
        [fetched] = await lv.venue.fetch_fills(0)
        assert (fetched.trade_id, fetched.fee) == (fill.trade_id, fill.fee)
        assert fetched.fee == Decimal("0.000008")  # 0.08 % of 0.01 BTC, a cost

        logins = fake.private_logins
        await fake.drop_private()
        await fake.until(lambda: fake.private_logins > logins)  # logged in again
        await fake.wait_private_subscribed()
        await lv.venue.create_order(order("AD6b", "0.02", None, Side.SELL))  # a taker fill
        await eventually(lambda: len(lv.heard.fills) >= 2, what="the second fill")
        await asyncio.sleep(0.1)  # a repeat would come now: an absence has no event to await
        assert [(f.client_order_id, f.liquidity) for f in lv.heard.fills] == [
            ("AD6a", Liquidity.MAKER),
            ("AD6b", Liquidity.TAKER),
        ]
        assert lv.venue.private_reconnects == 1


async def test_a_429_makes_the_venue_wait_for_retry_after() -> None:
    async with live() as lv:
        lv.fake.rate_limit(1, retry_after_s=30.0)
        with pytest.raises(RateLimited) as err:
            await lv.venue.fetch_balances()
        assert err.value.retry_after_s == 30.0
        sent = len(lv.fake.requests)
        with pytest.raises(RateLimited):  # longer than a call may wait: refused, not sent
            await lv.venue.fetch_balances()
        assert len(lv.fake.requests) == sent


async def test_an_expired_timestamp_resyncs_the_time_difference() -> None:
    async with live() as lv:
        lv.fake.clock_offset_ms = 120_000  # OKX allows 30 s
        with pytest.raises(ClockSkew, match="Timestamp request expired"):
            await lv.venue.fetch_balances()
        balances = await lv.venue.fetch_balances()
        assert balances["USDT"].total == Decimal(100_000)


async def test_a_wrong_passphrase_on_a_read_is_a_venue_error_with_okx_text() -> None:
    async with live() as lv:
        lv.fake.passphrase = "changed"
        with pytest.raises(VenueError, match="OK-ACCESS-PASSPHRASE"):
            await lv.venue.fetch_balances()


async def test_a_swap_order_is_in_contracts_and_moves_the_position() -> None:
    async with FakeOkx() as fake:
        keys = keys_of(fake)
        exchange = okx_exchange(fake, keys, "swap")
        await exchange.load_markets()
        [swap] = instruments_from_markets("okx", exchange.markets, exchange.precisionMode)
        venue = CcxtVenue("okx", exchange, [swap], secrets=tuple(keys.secrets()))
        try:
            fake.push_book(swap.symbol, "50000", "100", "50000.1", "100")
            ack = await venue.create_order(order("AD7a", "2", None, symbol=swap.symbol))
            assert ack.client_order_id == "AD7a"
            create = fake.requests[-1].body[0]
            assert (create["instId"], create["sz"], create["tdMode"]) == (
                "BTC-USDT-SWAP",
                "2",
                "cross",
            )
            assert "tgtCcy" not in create
            [position] = await venue.fetch_positions()
            assert (position.instrument_id.symbol, position.qty) == (swap.symbol, Decimal(2))
            assert position.avg_entry == Decimal("50000.1")
            [fill] = await venue.fetch_fills(0)
            assert (fill.qty, fill.fee_currency) == (Decimal(2), "USDT")
            assert fill.fee == Decimal("1.000002")  # 0.1 % of 2 x 0.01 BTC x 50000.1
        finally:
            await venue.close()
