"""The engine on a live market (``market.source = "live"``) against the loopback fake Binance:
paper trading on live quotes with no keys, and live trading on an account added with its keys
(lost answers settled by client id, fills missed while the private stream was down recovered
once, the kill switch verified clean)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from decimal import Decimal
from typing import Any

import pytest

from app.core.events import Alert, AlertLevel, FillReceived, VenueState
from app.core.orders import OrderRequest, OrderStatus, OrderType, Side
from app.engine.engine import Engine
from app.engine.live_errors import LiveSetupError
from tests.support.engines import eventually, wait_for_quotes
from tests.support.fake_binance import FakeBinance
from tests.support.live_setup import BALANCES, LABEL, add_account, live_settings
from tests.support.memory_keyring import MemoryKeyring, installed


@pytest.fixture(autouse=True)
def keychain() -> Iterator[None]:
    with installed(MemoryKeyring()):
        yield


@asynccontextmanager
async def running(settings: Any) -> AsyncIterator[Engine]:
    engine = await Engine.create(settings)
    try:
        await engine.start()
        yield engine
    finally:
        await engine.stop()


def buy(venue: str, qty: str, price: str | None) -> OrderRequest:
    kind = OrderType.LIMIT if price else OrderType.MARKET
    return OrderRequest(
        venue, "BTC/USDT", Side.BUY, Decimal(qty), Decimal(price) if price else None, kind
    )


async def quoted(fake: FakeBinance, engine: Engine, venue: str) -> None:
    await fake.wait_public_subscribed("BTC/USDT")
    fake.push_book("BTC/USDT", "50000", "2", "50001", "2")
    fake.push_book("ETH/USDT", "3000", "5", "3001", "5")
    await wait_for_quotes(engine, [(venue, "BTC/USDT"), (venue, "ETH/USDT")], 5.0)


async def test_paper_trading_on_live_quotes_needs_no_keys_and_sends_nothing() -> None:
    async with (
        FakeBinance(balances=BALANCES) as fake,
        running(live_settings(fake, mode="paper")) as engine,
    ):
        await quoted(fake, engine, "binance")
        order = await engine.submit_manual_order(buy("binance", "0.01", None))
        cid = order.client_order_id
        await eventually(lambda: engine.order(cid).status is OrderStatus.FILLED)
        assert fake.creates_by_client_id() == {}
        assert engine.summary()["mode"] == "paper"


async def test_a_silent_stream_turns_the_venue_light_stale_and_quotes_turn_it_back() -> None:
    def light(engine: Engine) -> VenueState | None:
        states = {v.venue: v.state for v in engine.snapshot().venues}
        return states.get("binance")

    async with FakeBinance(balances=BALANCES) as fake:
        settings = live_settings(fake, mode="paper", health={"venue_stale_ms": 400})
        async with running(settings) as engine:
            await quoted(fake, engine, "binance")
            assert light(engine) is VenueState.CONNECTED
            await eventually(lambda: light(engine) is VenueState.STALE, what="stale")
            fake.push_book("BTC/USDT", "50100", "2", "50101", "2")
            await eventually(lambda: light(engine) is VenueState.CONNECTED, what="fresh")


async def test_live_orders_reach_the_exchange_with_our_client_id() -> None:
    async with FakeBinance(balances=BALANCES) as fake:
        await add_account(fake)
        async with running(live_settings(fake)) as engine:
            await quoted(fake, engine, LABEL)
            order = await engine.submit_manual_order(buy(LABEL, "0.01", "49000"))
            await eventually(lambda: engine.order(order.client_order_id).status is OrderStatus.OPEN)
            assert fake.creates_by_client_id() == {order.client_order_id: 1}
            assert fake.order("BTC/USDT", order.client_order_id)["status"] == "NEW"
            report = await engine.panic("test: live kill switch")
            assert report.clean
            assert fake.open_orders() == []
            assert engine.order(order.client_order_id).status is OrderStatus.CANCELED


async def test_a_filled_market_order_reports_its_trade_once() -> None:
    # Binance's answer to the create lists the trade, and the private stream sends it again
    async with FakeBinance(balances=BALANCES) as fake:
        await add_account(fake)
        async with running(live_settings(fake)) as engine:
            await quoted(fake, engine, LABEL)
            await fake.wait_private_subscribed()
            order = await engine.submit_manual_order(buy(LABEL, "0.01", None))
            cid = order.client_order_id
            await eventually(lambda: engine.order(cid).status is OrderStatus.FILLED)
            await fake.until(lambda: len(fake.trades()) == 1)
            await asyncio.sleep(0.3)  # room for the stream's copy of the trade
            stats = engine.order_stats()
            assert (stats.fills_total, stats.duplicate_fills) == (1, 0)


async def test_a_create_whose_answer_is_lost_ends_known_and_was_sent_once() -> None:
    async with FakeBinance(balances=BALANCES) as fake:
        await add_account(fake)
        async with running(live_settings(fake)) as engine:
            await quoted(fake, engine, LABEL)
            fake.lose_next_create("reset")
            order = await engine.submit_manual_order(buy(LABEL, "0.01", "49000"))
            await eventually(
                lambda: engine.order(order.client_order_id).status is OrderStatus.OPEN,
                what="the order settled through its client id",
            )
            assert fake.creates_by_client_id() == {order.client_order_id: 1}


async def test_fills_missed_while_the_private_stream_was_down_are_recovered_once() -> None:
    async with FakeBinance(balances=BALANCES) as fake:
        await add_account(fake)
        async with running(live_settings(fake)) as engine:
            await quoted(fake, engine, LABEL)
            await fake.wait_private_subscribed()
            fills: list[FillReceived] = []
            engine.subscribe(FillReceived, fills.append)
            order = await engine.submit_manual_order(buy(LABEL, "0.01", "49990"))
            cid = order.client_order_id
            await eventually(lambda: engine.order(cid).status is OrderStatus.OPEN)
            await fake.drop_private()
            fake.push_book("BTC/USDT", "49900", "2", "49950", "2")  # crosses: fills, unpushed
            assert fake.order("BTC/USDT", cid)["status"] == "FILLED"
            fake.private_down = False
            await eventually(
                lambda: engine.order(cid).status is OrderStatus.FILLED,
                what="the fill recovered by the reconciliation after the resubscribe",
            )
            await asyncio.sleep(0.3)  # room for a second report of the fill, if one came
            assert [(e.fill.client_order_id, e.fill.qty) for e in fills] == [(cid, Decimal("0.01"))]
            assert engine.order_stats().fills_total == 1


async def test_a_wrong_account_or_symbol_says_what_to_change() -> None:
    async with FakeBinance(balances=BALANCES) as fake:
        with pytest.raises(LiveSetupError, match=f"no account '{LABEL}'"):
            await Engine.create(live_settings(fake))
        with pytest.raises(LiveSetupError, match="has no active market NOPE/USDT"):
            await Engine.create(live_settings(fake, mode="paper", symbols=["NOPE/USDT"]))
        with pytest.raises(LiveSetupError, match="none of BTC/USDT:USDT is a spot market"):
            await Engine.create(live_settings(fake, mode="paper", symbols=["BTC/USDT:USDT"]))


async def test_a_private_stream_that_drops_raises_a_warning() -> None:
    async with FakeBinance(balances=BALANCES) as fake:
        await add_account(fake)
        async with running(live_settings(fake)) as engine:
            alerts: list[Alert] = []
            engine.subscribe(Alert, alerts.append)
            await fake.wait_private_subscribed()
            await fake.drop_private()
            await eventually(
                lambda: any(a.level is AlertLevel.WARNING and LABEL in a.message for a in alerts)
            )
