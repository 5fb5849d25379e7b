"""ccxt markets -> Instruments: every TRADING symbol of a real Binance exchangeInfo (2021-10-12),
parsed offline by an unmodified ``ccxt.binance``, keeps Binance's own filters exactly; a
decimal-places exchange from a hand-written market."""

from __future__ import annotations

import gzip
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import ccxt
import pytest
from ccxt.base import decimal_to_precision as dtp

from app.core.instruments import InstrumentKind
from app.venues.ccxt_instruments import (
    DECIMAL_PLACES,
    DEFAULT_FEE,
    SIGNIFICANT_DIGITS,
    TICK_SIZE,
    instruments_from_markets,
)

DATA = Path(__file__).parents[2] / "data" / "binance-exchangeinfo-2021-10-12.json.gz"


def test_precision_constants_match_ccxt() -> None:
    assert (TICK_SIZE, DECIMAL_PLACES, SIGNIFICANT_DIGITS) == (
        dtp.TICK_SIZE,
        dtp.DECIMAL_PLACES,
        dtp.SIGNIFICANT_DIGITS,
    )


@pytest.fixture(scope="module")
def binance() -> tuple[list[dict[str, Any]], dict[str, Any], int]:
    raw = json.loads(gzip.decompress(DATA.read_bytes()))["symbols"]
    # the margin pair lists are normally fetched by fetch_markets; empty ones keep this offline
    exchange = ccxt.binance(
        {"options": {"crossMarginPairsData": [], "isolatedMarginPairsData": []}}
    )
    markets = {m["symbol"]: m for m in exchange.parse_markets(raw)}
    return raw, markets, exchange.precisionMode


def norm(value: str) -> Decimal:
    return Decimal(value).normalize()


def test_every_trading_binance_symbol_keeps_its_filters(
    binance: tuple[list[dict[str, Any]], dict[str, Any], int],
) -> None:
    raw, markets, mode = binance
    assert mode == TICK_SIZE
    by_id = {m["id"]: m for m in markets.values()}
    instruments = {i.symbol: i for i in instruments_from_markets("binance", markets, mode)}
    trading = [s for s in raw if s["status"] == "TRADING"]
    assert len(trading) == 1262
    assert len(instruments) == len(trading)  # the others are not active
    for entry in trading:
        filters = {f["filterType"]: f for f in entry["filters"]}
        market = by_id[entry["symbol"]]
        inst = instruments[market["symbol"]]
        where = entry["symbol"]
        assert inst.kind is InstrumentKind.SPOT, where
        # ccxt's unified codes (YOYO is YOYOW there)
        assert (inst.base, inst.quote) == (market["base"], market["quote"]), where
        assert inst.tick_size.normalize() == norm(filters["PRICE_FILTER"]["tickSize"]), where
        assert inst.step_size.normalize() == norm(filters["LOT_SIZE"]["stepSize"]), where
        assert inst.min_qty.normalize() == norm(filters["LOT_SIZE"]["minQty"]), where
        assert inst.min_notional.normalize() == norm(filters["MIN_NOTIONAL"]["minNotional"]), where
        assert inst.contract_size == 1 and inst.settle is None and not inst.inverse


def decimal_places_market(**over: Any) -> dict[str, Any]:
    market: dict[str, Any] = {
        "id": "XBTUSDTM",
        "symbol": "BTC/USDT:USDT",
        "base": "BTC",
        "quote": "USDT",
        "settle": "USDT",
        "type": "swap",
        "spot": False,
        "swap": True,
        "future": False,
        "option": False,
        "active": True,
        "contract": True,
        "linear": True,
        "inverse": False,
        "contractSize": 0.001,
        "maker": 0.0002,
        "taker": "0.0006",
        "expiry": None,
        "precision": {"price": 1.0, "amount": 0},
        "limits": {"amount": {"min": 1.0, "max": None}, "cost": {"min": None}},
    }
    market.update(over)
    return market


def test_a_decimal_places_exchange() -> None:
    markets = {
        "BTC/USDT:USDT": decimal_places_market(),
        "BTC/USD:BTC": decimal_places_market(
            id="XBTUSDM",
            symbol="BTC/USD:BTC",
            quote="USD",
            settle="BTC",
            linear=False,
            inverse=True,
            contractSize=1,
            maker=None,
            taker=None,
            precision={"price": "2", "amount": 0.0},
        ),
        "ETH/USDT": decimal_places_market(
            symbol="ETH/USDT",
            base="ETH",
            settle=None,
            type="spot",
            spot=True,
            swap=False,
            contract=False,
            contractSize=None,
            precision={"price": 2, "amount": 8},
            limits={"amount": {"min": 0.0001}, "cost": {"min": 5}},
        ),
        "BTC/USDT:USDT-250328": decimal_places_market(
            symbol="BTC/USDT:USDT-250328",
            type="future",
            swap=False,
            future=True,
            expiry=1743148800000,
        ),
        "BTC/USDT:USDT-250328-90000-C": decimal_places_market(type="option", option=True),
        "OLD/USDT": decimal_places_market(symbol="OLD/USDT", type="spot", active=False),
    }
    got = {i.symbol: i for i in instruments_from_markets("kucoinfutures", markets, DECIMAL_PLACES)}
    assert sorted(got) == ["BTC/USD:BTC", "BTC/USDT:USDT", "BTC/USDT:USDT-250328", "ETH/USDT"]
    linear = got["BTC/USDT:USDT"]
    assert linear.kind is InstrumentKind.PERPETUAL and linear.tick_size == Decimal("0.1")
    assert linear.step_size == 1 and linear.min_qty == 1 and linear.min_notional == 0
    assert linear.contract_size == Decimal("0.001") and linear.settle == "USDT"
    assert (linear.maker_fee, linear.taker_fee) == (Decimal("0.0002"), Decimal("0.0006"))
    inverse = got["BTC/USD:BTC"]
    assert inverse.inverse and inverse.settle == "BTC" and inverse.tick_size == Decimal("0.01")
    assert (inverse.maker_fee, inverse.taker_fee) == (DEFAULT_FEE, DEFAULT_FEE)
    spot = got["ETH/USDT"]
    assert spot.kind is InstrumentKind.SPOT and spot.step_size == Decimal("1E-8")
    assert spot.min_qty == Decimal("0.0001") and spot.min_notional == 5
    assert spot.settle is None and spot.contract_size == 1
    future = got["BTC/USDT:USDT-250328"]
    assert future.kind is InstrumentKind.FUTURE and future.expiry_ms == 1743148800000


def test_a_market_without_precision_is_skipped_and_significant_digits_refused() -> None:
    market = decimal_places_market(precision={"price": None, "amount": 2})
    assert instruments_from_markets("x", {"BTC/USDT:USDT": market}, TICK_SIZE) == []
    with pytest.raises(ValueError, match="no fixed tick"):
        instruments_from_markets("x", {}, SIGNIFICANT_DIGITS)
