"""The loopback Binance fake against an unmodified ``ccxt.pro.binance``: what ccxt sends arrives
as Binance would see it, what the fake answers ccxt parses, and every fault behaves as the
fake's docstrings promise (so product tests built on it test the product, not the fake)."""

from __future__ import annotations

import asyncio
import copy
import json
import subprocess
import sys
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import ccxt
import ccxt.pro
import pytest

from tests.support.fake_binance import CCXT_OPTIONS, FakeBinance, point_at, symbol_rules

SYMBOLS = ("BTC/USDT", "ETH/USDT", "ETH/BTC")
_markets: list[Any] = []


@pytest.fixture
async def fake() -> AsyncIterator[FakeBinance]:
    async with FakeBinance() as server:
        yield server


async def real_markets(rest_url: str, ws_url: str) -> list[Any]:
    """The markets of one real ``load_markets``, cut to the symbols the tests use: loading
    all 1,695 symbols costs 0.3 s, too much for every test."""
    if not _markets:
        loader = ccxt.pro.binance({"options": dict(CCXT_OPTIONS)})
        point_at(loader, rest_url, ws_url)
        try:
            keep(await loader.load_markets())
        finally:
            await loader.close()
    return copy.deepcopy(_markets)


def keep(markets: dict[str, Any]) -> None:
    if not _markets:
        _markets.extend(copy.deepcopy(markets[s]) for s in SYMBOLS)


async def make_exchange(fake: FakeBinance, **overrides: Any) -> Any:
    """An exchange on ``fake``; no 0.25 s wait on close, which only TLS connections need."""
    exchange = ccxt.pro.binance(fake.ccxt_config(timeout_on_exit=0, **overrides))
    fake.point(exchange)
    exchange.set_markets(await real_markets(fake.rest_url, fake.ws_url))
    return exchange


@pytest.fixture
async def ex(fake: FakeBinance) -> AsyncIterator[Any]:
    exchange = await make_exchange(fake)
    yield exchange
    await exchange.close()


async def test_load_markets_reads_the_real_exchange_info(fake: FakeBinance) -> None:
    exchange = ccxt.pro.binance(fake.ccxt_config())
    fake.point(exchange)
    try:
        markets = await exchange.load_markets()
    finally:
        await exchange.close()
    keep(markets)
    assert len(markets) == 1695
    assert sum(1 for m in markets.values() if m["active"]) == 1262
    btc = markets["BTC/USDT"]
    assert (btc["precision"]["price"], btc["precision"]["amount"]) == (0.01, 0.00001)
    assert btc["limits"]["cost"]["min"] == 10.0
    assert [(r.method, r.path) for r in fake.requests] == [("GET", "/api/v3/exchangeInfo")]


async def test_a_limit_order_that_crosses_fills_at_the_ask_with_the_fee(
    fake: FakeBinance, ex: Any
) -> None:
    fake.push_book("BTC/USDT", "30000", "1", "30000.01", "2")
    order = await ex.create_order("BTC/USDT", "limit", "buy", 0.01, 30001, {"clientOrderId": "x1"})
    sent = fake.requests[-1]
    assert (sent.method, sent.path) == ("POST", "/api/v3/order")
    assert sent.query["newClientOrderId"] == "x1" and "signature" in sent.query
    assert order["clientOrderId"] == "x1" and order["status"] == "closed"
    assert order["filled"] == 0.01 and order["cost"] == 300.0001
    assert order["fee"] == {"currency": "USDT", "cost": 0.3000001}
    free, locked = fake.balances()["USDT"]
    assert free == Decimal("100000") - Decimal("300.0001") - Decimal("0.30000010")
    assert locked == 0
    assert fake.balances()["BTC"] == (Decimal("10.01"), Decimal(0))
    assert fake.creates_by_client_id() == {"x1": 1}


async def test_a_market_buy_with_a_price_spends_that_much_quote(fake: FakeBinance, ex: Any) -> None:
    fake.push_book("ETH/USDT", "2000", "5", "2000.5", "5")
    order = await ex.create_order("ETH/USDT", "market", "buy", 1, 2000.5, {"clientOrderId": "m1"})
    assert fake.requests[-1].query["quoteOrderQty"] == "2000.5"
    assert order["status"] == "closed" and order["filled"] == 1.0 and order["cost"] == 2000.5
    trades = await ex.fetch_my_trades("ETH/USDT")
    assert [(t["side"], t["takerOrMaker"], t["price"]) for t in trades] == [
        ("buy", "taker", 2000.5)
    ]


async def test_a_wrong_secret_or_key_is_an_authentication_error(fake: FakeBinance) -> None:
    for overrides in ({"secret": "not-the-secret"}, {"apiKey": "not-the-key"}):
        exchange = await make_exchange(fake, **overrides)
        try:
            with pytest.raises(ccxt.AuthenticationError):
                await exchange.fetch_balance()
        finally:
            await exchange.close()
    assert fake.requests[-1].path == "/api/v3/account"
    exchange = await make_exchange(fake, secret="not-the-secret")
    try:
        # the ws-api checks it too; ccxt 4.5.90 then trips on its own cleanup (handle_ws_error
        # has already dropped the 'spot' subscription) and raises KeyError from the auth error
        with pytest.raises(KeyError) as caught:
            await exchange.watch_orders()
        assert isinstance(caught.value.__context__, ccxt.AuthenticationError)
        assert "-1022" in str(caught.value.__context__)
    finally:
        await exchange.close()
    assert fake.private_subscriptions == 1


async def test_fetch_and_cancel_by_client_id(fake: FakeBinance, ex: Any) -> None:
    fake.push_book("BTC/USDT", "30000", "1", "30000.01", "2")
    await ex.create_order("BTC/USDT", "limit", "buy", 0.01, 29000, {"clientOrderId": "rest1"})
    assert fake.balances()["USDT"][1] == Decimal("290") * Decimal("1.001")  # price, qty, fee
    order = await ex.fetch_order(None, "BTC/USDT", {"clientOrderId": "rest1"})
    assert fake.requests[-1].query["origClientOrderId"] == "rest1"
    assert (order["status"], order["clientOrderId"]) == ("open", "rest1")
    assert [o["clientOrderId"] for o in await ex.fetch_open_orders("BTC/USDT")] == ["rest1"]
    canceled = await ex.cancel_order(None, "BTC/USDT", {"clientOrderId": "rest1"})
    assert canceled["status"] == "canceled" and canceled["info"]["origClientOrderId"] == "rest1"
    assert fake.balances()["USDT"] == (Decimal("100000"), Decimal(0))
    with pytest.raises(ccxt.OrderNotFound, match="Unknown order sent"):
        await ex.cancel_order(None, "BTC/USDT", {"clientOrderId": "rest1"})
    with pytest.raises(ccxt.OrderNotFound, match="Order does not exist"):
        await ex.fetch_order(None, "BTC/USDT", {"clientOrderId": "never"})
    again = await ex.fetch_order(order["id"], "BTC/USDT")
    assert again["status"] == "canceled"


async def test_cancel_all_and_all_orders(fake: FakeBinance, ex: Any) -> None:
    for cid in ("a1", "a2"):
        await ex.create_order("ETH/USDT", "limit", "sell", 0.1, 2500, {"clientOrderId": cid})
    canceled = await ex.cancel_all_orders("ETH/USDT")
    assert sorted(o["status"] for o in canceled) == ["canceled", "canceled"]
    assert await ex.fetch_open_orders("ETH/USDT") == []
    assert [o["clientOrderId"] for o in await ex.fetch_orders("ETH/USDT")] == ["a1", "a2"]
    with pytest.raises(ccxt.OrderNotFound):
        await ex.cancel_all_orders("ETH/USDT")


async def test_filters_balance_and_duplicates_are_refused_like_binance(
    fake: FakeBinance, ex: Any
) -> None:
    base = {"symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT", "timeInForce": "GTC"}
    with pytest.raises(ccxt.InvalidOrder, match="PRICE_FILTER"):
        await ex.private_post_order({**base, "quantity": "0.01", "price": "29000.005"})
    with pytest.raises(ccxt.InvalidOrder, match="LOT_SIZE"):
        await ex.private_post_order({**base, "quantity": "0.000015", "price": "29000"})
    with pytest.raises(ccxt.BadRequest, match="MIN_NOTIONAL"):
        await ex.private_post_order({**base, "quantity": "0.0001", "price": "29000"})
    with pytest.raises(ccxt.InsufficientFunds):
        await ex.create_order("BTC/USDT", "limit", "buy", 5, 29000)
    await ex.create_order("BTC/USDT", "limit", "buy", 0.01, 29000, {"clientOrderId": "d1"})
    with pytest.raises(ccxt.InvalidOrder, match="Duplicate order sent"):
        await ex.create_order("BTC/USDT", "limit", "buy", 0.01, 29000, {"clientOrderId": "d1"})
    assert fake.creates_by_client_id()["d1"] == 2
    assert len(fake.open_orders()) == 1


async def test_watch_bids_asks_gets_each_push_and_a_resend_keeps_its_update_id(
    fake: FakeBinance, ex: Any
) -> None:
    watch = asyncio.create_task(ex.watch_bids_asks(["BTC/USDT"]))
    await fake.wait_public_subscribed("BTC/USDT")
    assert fake.public_subscriptions == 1
    assert fake.push_book("BTC/USDT", "30000", "1.5", "30000.02", "2") == 1
    quote = (await watch)["BTC/USDT"]
    assert (quote["bid"], quote["bidVolume"], quote["ask"]) == (30000.0, 1.5, 30000.02)
    watch = asyncio.create_task(ex.watch_bids_asks(["BTC/USDT"]))
    await asyncio.sleep(0)  # the watch registers its future before the frame goes out
    fake.resend_last("BTC/USDT")
    assert (await watch)["BTC/USDT"]["info"]["u"] == 1
    book = await ex.fetch_bids_asks(["BTC/USDT"])
    assert book["BTC/USDT"]["ask"] == 30000.02


async def test_watch_orders_trades_and_balance_see_a_resting_order_fill(
    fake: FakeBinance, ex: Any
) -> None:
    fake.push_book("BTC/USDT", "30000", "1", "30000.01", "2")
    orders = asyncio.create_task(ex.watch_orders("BTC/USDT"))
    balance = asyncio.create_task(ex.watch_balance())
    await fake.wait_private_subscribed()
    await ex.create_order("BTC/USDT", "limit", "sell", 0.01, 30100, {"clientOrderId": "w1"})
    assert [(o["clientOrderId"], o["status"]) for o in await orders] == [("w1", "open")]
    assert (await balance)["BTC"] == {"free": 9.99, "used": 0.01, "total": 10.0}
    # a watch sees only what arrives after it was called: all three wait before the fill
    orders = asyncio.create_task(ex.watch_orders("BTC/USDT"))
    trades = asyncio.create_task(ex.watch_my_trades("BTC/USDT"))
    balance = asyncio.create_task(ex.watch_balance())
    await asyncio.sleep(0)
    fake.push_book("BTC/USDT", "30100", "1", "30100.01", "2")  # the bid reaches the sell
    (trade,) = await trades
    assert (trade["side"], trade["takerOrMaker"], trade["price"]) == ("sell", "maker", 30100.0)
    assert trade["fee"] == {"cost": 0.301, "currency": "USDT"}
    filled = (await orders)[-1]
    assert (filled["clientOrderId"], filled["status"], filled["filled"]) == ("w1", "closed", 0.01)
    assert (await balance)["BTC"] == {"free": 9.99, "used": 0.0, "total": 9.99}
    assert fake.private_subscriptions == 1
    assert [t["id"] for t in fake.trades()] == [500]


@pytest.mark.parametrize("abort", [False, True])
async def test_drop_public_raises_network_error_and_the_next_watch_redials(
    fake: FakeBinance, ex: Any, abort: bool
) -> None:
    watch = asyncio.create_task(ex.watch_bids_asks(["ETH/USDT"]))
    await fake.wait_public_subscribed("ETH/USDT")
    await fake.drop_public(abort=abort)
    with pytest.raises(ccxt.NetworkError):
        await watch
    watch = asyncio.create_task(ex.watch_bids_asks(["ETH/USDT"]))
    await fake.wait_public_subscribed("ETH/USDT")
    fake.push_book("ETH/USDT", "2000", "1", "2000.01", "1")
    assert (await watch)["ETH/USDT"]["bid"] == 2000.0
    assert fake.public_subscriptions == 2


async def test_fills_while_private_is_down_are_recovered_over_rest_once(
    fake: FakeBinance, ex: Any
) -> None:
    fake.push_book("BTC/USDT", "30000", "1", "30000.01", "2")
    watch = asyncio.create_task(ex.watch_orders())
    await fake.wait_private_subscribed()
    await fake.drop_private(abort=True)
    with pytest.raises(ccxt.NetworkError):
        await watch
    with pytest.raises(ccxt.NetworkError):  # still down: the redial is refused
        await ex.watch_orders()
    order = await ex.create_order("BTC/USDT", "limit", "buy", 0.01, 30001, {"clientOrderId": "p1"})
    assert order["status"] == "closed"
    fake.private_down = False
    watch = asyncio.create_task(ex.watch_orders())
    await fake.wait_private_subscribed()
    assert not watch.done()  # the missed fill is not replayed on the new subscription
    trades = await ex.fetch_my_trades("BTC/USDT")
    assert [t["order"] for t in trades] == [order["id"]]
    await ex.create_order("BTC/USDT", "limit", "buy", 0.01, 29000, {"clientOrderId": "p2"})
    assert [o["clientOrderId"] for o in await watch] == ["p2"]
    assert fake.private_subscriptions == 2


@pytest.mark.parametrize(
    ("mode", "error"),
    [("timeout", ccxt.RequestTimeout), ("reset", ccxt.NetworkError), ("503", ccxt.NetworkError)],
)
async def test_a_lost_create_answer_still_placed_the_order(
    fake: FakeBinance, mode: Any, error: type[Exception]
) -> None:
    exchange = await make_exchange(fake, timeout=300)
    try:
        fake.push_book("BTC/USDT", "30000", "1", "30000.01", "2")
        fake.lose_next_create(mode)
        with pytest.raises(error):
            await exchange.create_order(
                "BTC/USDT", "limit", "buy", 0.01, 30001, {"clientOrderId": "lost1"}
            )
        placed = fake.order("BTC/USDT", "lost1")
        assert placed is not None and placed["status"] == "FILLED"
        assert fake.creates_by_client_id() == {"lost1": 1}
        assert fake.balances()["BTC"] == (Decimal("10.01"), Decimal(0))
        settled = await exchange.fetch_order(None, "BTC/USDT", {"clientOrderId": "lost1"})
        assert settled["status"] == "closed"
    finally:
        await exchange.close()


async def test_rate_limit_answers_429_with_retry_after_then_recovers(
    fake: FakeBinance, ex: Any
) -> None:
    fake.rate_limit(2, retry_after_s=7)
    for _ in range(2):
        with pytest.raises(ccxt.DDoSProtection, match="-1003"):
            await ex.fetch_time()
        assert ex.last_response_headers["Retry-After"] == "7"
    assert await ex.fetch_time() > 0
    assert int(ex.last_response_headers["x-mbx-used-weight-1m"]) == 3


async def test_a_ban_answers_418_to_everything_until_it_ends(fake: FakeBinance, ex: Any) -> None:
    fake.ban(0.2)
    with pytest.raises(ccxt.DDoSProtection, match="418"):
        await ex.fetch_time()
    with pytest.raises(ccxt.DDoSProtection, match="banned until"):
        await ex.fetch_balance()
    await asyncio.sleep(0.25)
    assert await ex.fetch_time() > 0


async def test_reject_next_create_answers_the_given_error_once(fake: FakeBinance, ex: Any) -> None:
    fake.reject_next_create(-2010, "Account has insufficient balance for requested action.")
    with pytest.raises(ccxt.InsufficientFunds):
        await ex.create_order("ETH/USDT", "limit", "sell", 0.1, 2500, {"clientOrderId": "r1"})
    assert fake.open_orders() == []
    await ex.create_order("ETH/USDT", "limit", "sell", 0.1, 2500, {"clientOrderId": "r1"})
    assert fake.creates_by_client_id() == {"r1": 2}
    assert [o["clientOrderId"] for o in fake.open_orders()] == ["r1"]


async def test_a_silent_exchange_hangs_and_close_still_returns(fake: FakeBinance) -> None:
    exchange = await make_exchange(fake)
    fake.silent = True
    rest = asyncio.create_task(exchange.fetch_balance())
    stream = asyncio.create_task(exchange.watch_bids_asks(["BTC/USDT"]))
    await fake.until(lambda: len(fake.requests) == 1 and fake.public_subscriptions == 1)
    await asyncio.sleep(0.05)
    assert not rest.done() and not stream.done()
    await asyncio.wait_for(exchange.close(), 2)
    for task in (rest, stream):
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def test_a_skewed_clock_is_invalid_nonce_until_the_time_difference_is_loaded(
    fake: FakeBinance, ex: Any
) -> None:
    for offset in (-60_000, 60_000):  # the request ahead of the server, then too old
        fake.clock_offset_ms = offset
        with pytest.raises(ccxt.InvalidNonce, match="-1021"):
            await ex.fetch_balance()
        await ex.load_time_difference()
        assert (await ex.fetch_balance())["USDT"]["free"] == 100000.0
    assert fake.requests[-2].path == "/api/v3/time"


def test_every_symbol_has_the_filters_the_engine_needs() -> None:
    rules = symbol_rules()
    assert len(rules) == 1695
    assert rules["ETHBTC"].tick == Decimal("0.000001") and rules["ETHBTC"].quote == "BTC"


async def test_standalone_generator_streams_book_tickers() -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.support.fake_binance", "--rate", "2000",
        "--symbols", "BTC/USDT", "--duration", "5", "--key", "k", "--secret", "s",
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        assert process.stdout is not None
        ready = json.loads(await asyncio.wait_for(process.stdout.readline(), 10))
        assert ready["ws_url"].startswith("ws://127.0.0.1:")
        exchange = ccxt.pro.binance({"apiKey": "k", "secret": "s", "enableRateLimit": False})
        point_at(exchange, ready["rest_url"], ready["ws_url"])
        exchange.set_markets(await real_markets(ready["rest_url"], ready["ws_url"]))
        try:
            first = await exchange.watch_bids_asks(["BTC/USDT"])
            second = await exchange.watch_bids_asks(["BTC/USDT"])
            assert (await exchange.fetch_balance())["free"]["USDT"] == 100000.0
        finally:
            await exchange.close()
        assert first["BTC/USDT"]["info"]["u"] < second["BTC/USDT"]["info"]["u"]
    finally:
        process.terminate()
        await process.wait()


async def test_time_in_force_and_fills_limited_to_the_book_size() -> None:
    async with FakeBinance(fill_to_book_size=True) as fake:
        exchange = await make_exchange(fake)
        try:
            fake.push_book("BTC/USDT", "30000", "1", "30000.01", "0.004")
            missed = await exchange.create_order(
                "BTC/USDT", "limit", "buy", 0.01, 29999, {"timeInForce": "IOC"}
            )
            assert (missed["status"], missed["filled"]) == ("expired", 0.0)
            fok = await exchange.create_order(
                "BTC/USDT", "limit", "buy", 0.01, 30001, {"timeInForce": "FOK"}
            )
            assert (fok["status"], fok["filled"]) == ("expired", 0.0)
            ioc = await exchange.create_order(
                "BTC/USDT", "limit", "buy", 0.01, 30001, {"timeInForce": "IOC"}
            )
            assert (ioc["status"], ioc["filled"]) == ("expired", 0.004)
            gtc = await exchange.create_order("BTC/USDT", "limit", "buy", 0.01, 30001)
            assert (gtc["status"], gtc["filled"]) == ("open", 0.0)  # the ask was used up
            fake.push_book("BTC/USDT", "30000", "1", "30000.01", "1")
            done = await exchange.fetch_order(gtc["id"], "BTC/USDT")
            assert (done["status"], done["filled"], done["price"]) == ("closed", 0.01, 30001.0)
            trades = await exchange.fetch_my_trades("BTC/USDT", params={"fromId": 501})
            assert [(t["id"], t["takerOrMaker"]) for t in trades] == [("501", "maker")]
            assert fake.balances()["USDT"][1] == 0
        finally:
            await exchange.close()
