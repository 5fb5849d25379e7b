"""instruments: ids, contract maths and ccxt unified symbols."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.core.instruments import Instrument, InstrumentId, InstrumentKind, split_symbol

D = Decimal

SPOT = Instrument("binance", "BTC/USDT", "BTC", "USDT")
LINEAR = Instrument(
    "bybit",
    "BTC/USDT:USDT",
    "BTC",
    "USDT",
    kind=InstrumentKind.PERPETUAL,
    settle="USDT",
    contract_size=D("0.001"),
)
INVERSE = Instrument(
    "bitmex",
    "BTC/USD:BTC",
    "BTC",
    "USD",
    kind=InstrumentKind.PERPETUAL,
    inverse=True,
    contract_size=D("100"),
)
FUTURE = Instrument(
    "okx",
    "BTC/USDT:USDT-250328",
    "BTC",
    "USDT",
    kind=InstrumentKind.FUTURE,
    settle="USDT",
    expiry_ms=1_743_148_800_000,
)


def test_instrument_id_value_semantics() -> None:
    a = InstrumentId("binance", "BTC/USDT")
    assert a == InstrumentId("binance", "BTC/USDT")
    assert hash(a) == hash(InstrumentId("binance", "BTC/USDT"))
    assert a != InstrumentId("bybit", "BTC/USDT")
    assert str(a) == "binance:BTC/USDT"
    assert len({a, InstrumentId("binance", "BTC/USDT"), InstrumentId("binance", "ETH/USDT")}) == 2
    with pytest.raises(AttributeError):
        a.venue = "x"  # type: ignore[misc]


def test_instrument_id_orders_by_venue_then_symbol() -> None:
    ids = [
        InstrumentId("okx", "A/B"),
        InstrumentId("binance", "ETH/USDT"),
        InstrumentId("binance", "BTC/USDT"),
    ]
    assert sorted(ids) == [
        InstrumentId("binance", "BTC/USDT"),
        InstrumentId("binance", "ETH/USDT"),
        InstrumentId("okx", "A/B"),
    ]


def test_instrument_id_property_and_defaults() -> None:
    assert SPOT.id == InstrumentId("binance", "BTC/USDT")
    assert FUTURE.id == InstrumentId("okx", "BTC/USDT:USDT-250328")
    assert SPOT.kind is InstrumentKind.SPOT
    assert SPOT.contract_size == 1
    assert SPOT.tick_size == D("0.01")
    assert SPOT.expiry_ms is None
    assert not SPOT.inverse


def test_is_derivative() -> None:
    assert not SPOT.is_derivative
    assert LINEAR.is_derivative
    assert INVERSE.is_derivative
    assert FUTURE.is_derivative


def test_settle_currency() -> None:
    assert SPOT.settle_currency == "USDT"
    assert LINEAR.settle_currency == "USDT"
    assert INVERSE.settle_currency == "BTC"  # no explicit settle: inverse settles in base
    assert FUTURE.settle_currency == "USDT"
    linear_no_settle = Instrument("x", "ETH/USDC:USDC", "ETH", "USDC", InstrumentKind.PERPETUAL)
    assert linear_no_settle.settle_currency == "USDC"
    explicit = Instrument("x", "BTC/USD:BTC", "BTC", "USD", InstrumentKind.PERPETUAL, settle="XBT")
    assert explicit.settle_currency == "XBT"


def test_notional_linear() -> None:
    assert SPOT.notional(D("0.5"), D("60000")) == D("30000")
    assert SPOT.notional(D("-0.5"), D("60000")) == D("30000")  # absolute value
    # 2000 contracts of 0.001 BTC at 60000 USDT
    assert LINEAR.notional(D("2000"), D("60000")) == D("120000")
    assert LINEAR.notional(D("-2000"), D("60000")) == D("120000")
    assert LINEAR.notional_quote(D("2000"), D("60000")) == D("120000")


def test_notional_inverse() -> None:
    # 50 contracts of 100 USD at 50000 USD/BTC is 0.1 BTC
    assert INVERSE.notional(D("50"), D("50000")) == D("0.1")
    assert INVERSE.notional(D("-50"), D("50000")) == D("0.1")
    assert INVERSE.notional(D("50"), D("25000")) == D("0.2")
    # in quote (USD) it is just the contract value, whatever the price
    assert INVERSE.notional_quote(D("50"), D("50000")) == D("5000")
    assert INVERSE.notional_quote(D("-50"), D("1")) == D("5000")


def test_instrument_is_frozen() -> None:
    with pytest.raises(AttributeError):
        SPOT.tick_size = D("1")  # type: ignore[misc]


@pytest.mark.parametrize(
    ("symbol", "expected"),
    [
        ("BTC/USDT", ("BTC", "USDT", None, None)),
        ("BTC/USDT:USDT", ("BTC", "USDT", "USDT", None)),
        ("BTC/USD:BTC", ("BTC", "USD", "BTC", None)),
        ("BTC/USDT:USDT-250328", ("BTC", "USDT", "USDT", "250328")),
        ("1000PEPE/USDT:USDT", ("1000PEPE", "USDT", "USDT", None)),
        ("ETH/BTC", ("ETH", "BTC", None, None)),
    ],
)
def test_split_symbol(symbol: str, expected: tuple[str, str, str | None, str | None]) -> None:
    assert split_symbol(symbol) == expected


@pytest.mark.parametrize("bad", ["", "BTC", "BTCUSDT", "/USDT", "BTC/", "/", ":USDT", "BTC:USDT"])
def test_split_symbol_rejects_non_unified(bad: str) -> None:
    with pytest.raises(ValueError, match="unified symbol"):
        split_symbol(bad)


_code = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", min_size=1, max_size=8)


@given(_code, _code, st.none() | _code, st.none() | st.from_regex(r"\A[0-9]{6}\Z"))
def test_split_symbol_inverts_the_unified_format(
    base: str, quote: str, settle: str | None, expiry: str | None
) -> None:
    symbol = f"{base}/{quote}"
    if settle is not None:
        symbol += f":{settle}"
        if expiry is not None:
            symbol += f"-{expiry}"
    else:
        expiry = None
    assert split_symbol(symbol) == (base, quote, settle, expiry)
