"""Making a ccxt exchange for an account: URL overrides keep paths, sandbox or a clear refusal,
the quote and private caches stay tapped whatever ccxt assigns, REST limits are shared."""

from __future__ import annotations

import pytest

from app.venues.ccxt_exchange import (
    ExchangeConfig,
    NoSandbox,
    RestLimits,
    make_exchange,
    override_urls,
)


def test_an_override_replaces_scheme_host_and_port_and_keeps_every_path() -> None:
    urls = {
        "public": "https://api.binance.com/api/v3",
        "ws": {"spot": "wss://stream.binance.com:9443/ws", "ws-api": {"spot": "wss://x.com/v3"}},
        "other": ["https://a.com/p"],
    }
    out = override_urls(urls, "http://127.0.0.1:8080", "ws://127.0.0.1:9090/base")
    assert out == {
        "public": "http://127.0.0.1:8080/api/v3",
        "ws": {
            "spot": "ws://127.0.0.1:9090/base/ws",
            "ws-api": {"spot": "ws://127.0.0.1:9090/base/v3"},
        },
        "other": ["http://127.0.0.1:8080/p"],
    }
    assert override_urls(urls, "", "") == urls  # nothing asked: nothing changed


async def test_an_account_exchange_is_pointed_and_limited_to_its_market_type() -> None:
    config = ExchangeConfig(
        "binance", "spot", rest_url="http://127.0.0.1:1", ws_url="ws://127.0.0.1:1"
    )
    exchange = make_exchange(config)
    try:
        assert exchange.urls["api"]["private"] == "http://127.0.0.1:1/api/v3"
        assert exchange.urls["api"]["ws"]["ws-api"]["spot"] == "ws://127.0.0.1:1/ws-api/v3"
        assert exchange.options["fetchMarkets"]["types"] == ["spot"]
        assert exchange.timeout == 8000
    finally:
        await exchange.close()


async def test_sandbox_uses_the_testnet_where_ccxt_has_one() -> None:
    exchange = make_exchange(ExchangeConfig("binance", sandbox=True))
    try:
        assert "testnet" in exchange.urls["api"]["public"]
    finally:
        await exchange.close()


def test_sandbox_where_the_exchange_has_none_is_refused_with_what_to_do() -> None:
    with pytest.raises(NoSandbox, match="no sandbox, testnet or demo"):
        make_exchange(ExchangeConfig("mexc", sandbox=True))
    with pytest.raises(ValueError, match="no streaming client"):
        make_exchange(ExchangeConfig("no-such-exchange"))


async def test_the_caches_stay_tapped_when_ccxt_replaces_them() -> None:
    exchange = make_exchange(ExchangeConfig("binance"))
    quotes: list[str] = []
    orders: list[object] = []
    exchange.quote_tap = lambda symbol, _ticker: quotes.append(symbol)
    exchange.order_tap = orders.append
    try:
        exchange.bidsasks["BTC/USDT"] = {"bid": 1.0}
        exchange.clean_ws_data()  # ccxt's own reset: fresh dicts for its caches
        exchange.tickers["ETH/USDT"] = {"bid": 2.0}
        from ccxt.async_support.base.ws.cache import ArrayCacheBySymbolById

        exchange.orders = ArrayCacheBySymbolById(10)
        exchange.orders.append({"id": "1", "symbol": "BTC/USDT"})
        assert quotes == ["BTC/USDT", "ETH/USDT"]
        assert orders == [{"id": "1", "symbol": "BTC/USDT"}]
        assert len(exchange.orders) == 1  # ccxt's cache still holds it
    finally:
        await exchange.close()


def test_rest_limits_hold_until_their_time_and_a_ban_is_a_ban() -> None:
    limits = RestLimits()
    assert limits.wait_s() == 0
    limits.block(30, banned=False)
    assert 29 < limits.wait_s() <= 30 and not limits.banned
    limits.block(1, banned=True)  # a shorter block never shortens a longer one
    assert 29 < limits.wait_s() <= 30 and limits.banned
