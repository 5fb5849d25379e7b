"""Client order ids per exchange: every encoding respects the exchange's rule and gives our id
back; ccxt's own request builders (offline) put it in the exchange's parameter."""

from __future__ import annotations

from typing import Any

import ccxt
import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.core.client_ids import format_id
from app.venues.ccxt_ids import (
    CCXT_PARAM,
    VENUE_PARAM,
    VENUE_RULE,
    client_id_params,
    our_client_id,
    venue_client_id,
)

EXCHANGES = sorted(VENUE_RULE)
ours = st.integers(min_value=0, max_value=2**64).map(format_id)
any_valid = st.from_regex(r"^[A-Za-z0-9]{1,32}$", fullmatch=True)


@given(seq_id=ours, exchange=st.sampled_from(EXCHANGES))
def test_every_id_we_hand_out_fits_every_exchange_and_comes_back(
    seq_id: str, exchange: str
) -> None:
    venue_cid = venue_client_id(exchange, seq_id)
    assert VENUE_RULE[exchange].match(venue_cid), venue_cid
    assert our_client_id(exchange, venue_cid) == seq_id


@given(cid=any_valid, exchange=st.sampled_from(EXCHANGES))
def test_any_valid_id_fits_or_is_refused_never_mangled(cid: str, exchange: str) -> None:
    try:
        venue_cid = venue_client_id(exchange, cid)
    except ValueError:
        assert exchange in ("gate", "kraken", "hyperliquid")
        return
    assert VENUE_RULE[exchange].match(venue_cid), venue_cid
    assert our_client_id(exchange, venue_cid) == cid


@given(a=any_valid, b=any_valid, exchange=st.sampled_from(EXCHANGES))
def test_distinct_ids_stay_distinct(a: str, b: str, exchange: str) -> None:
    try:
        va, vb = venue_client_id(exchange, a), venue_client_id(exchange, b)
    except ValueError:
        return
    assert (va == vb) == (a == b)


@given(text=st.text(max_size=40), exchange=st.sampled_from(EXCHANGES))
def test_reading_back_never_raises(text: str, exchange: str) -> None:
    cid = our_client_id(exchange, text)
    assert cid is None or venue_client_id(exchange, cid) in (text, text.lower().replace("-", ""))


def test_known_forms() -> None:
    assert venue_client_id("gate", "AD1z") == "t-AD1z"
    assert client_id_params("gate", "AD1z") == {CCXT_PARAM: "AD1z"}
    assert our_client_id("gate", "t-AD1z") == "AD1z"
    assert our_client_id("gate", "apiv4") is None
    hl = venue_client_id("hyperliquid", "AD1z")
    assert hl == "0xad" + (int("1z", 36)).to_bytes(15, "big").hex()
    assert client_id_params("hyperliquid", "AD1z") == {CCXT_PARAM: hl}
    assert our_client_id("hyperliquid", hl.upper().replace("0X", "0x")) == "AD1z"
    assert our_client_id("hyperliquid", "0x" + "00" * 16) is None
    assert venue_client_id("kraken", "AD1z") == "AD1z"
    long_id = format_id(36**20)
    uuid_form = venue_client_id("kraken", long_id)
    assert len(long_id) > 18 and len(uuid_form) == 32
    dashed = "-".join((uuid_form[:8], uuid_form[8:12], uuid_form[12:16], uuid_form[16:20]))
    assert our_client_id("kraken", dashed + "-" + uuid_form[20:]) == long_id
    for exchange in ("binance", "okx", "bybit", "bitget", "mexc", "someother"):
        assert client_id_params(exchange, "AD1z") == {CCXT_PARAM: "AD1z"}
        assert our_client_id(exchange, "AD1z") == "AD1z"
        assert our_client_id(exchange, "x-R4BD3S82abc_def") is None  # another program's
        assert our_client_id(exchange, None) is None


def test_refusals() -> None:
    with pytest.raises(ValueError, match="not one of our"):
        venue_client_id("binance", "ad-1")
    with pytest.raises(ValueError, match="28"):
        venue_client_id("gate", "A" * 29)
    with pytest.raises(ValueError, match="16 bytes"):
        venue_client_id("hyperliquid", "X" * 19)


# --- ccxt (offline) sends our id in the exchange's own parameter -------------------------------


def market(market_id: str) -> dict[str, Any]:
    return {
        "id": market_id,
        "symbol": "BTC/USDT",
        "base": "BTC",
        "quote": "USDT",
        "baseId": "BTC",
        "quoteId": "USDT",
        "type": "spot",
        "spot": True,
        "swap": False,
        "contract": False,
        "active": True,
        "precision": {"amount": 0.0001, "price": 0.01},
        "limits": {"amount": {}, "price": {}, "cost": {}},
        "info": {"orderTypes": ["LIMIT", "MARKET"]},
    }


@pytest.mark.parametrize(
    ("exchange_id", "market_id"),
    [
        ("binance", "BTCUSDT"),
        ("okx", "BTC-USDT"),
        ("bybit", "BTCUSDT"),
        ("gate", "BTC_USDT"),
        ("bitget", "BTCUSDT"),
    ],
)
def test_ccxt_maps_the_param_to_the_exchanges_own(exchange_id: str, market_id: str) -> None:
    exchange = getattr(ccxt, exchange_id)({"apiKey": "k", "secret": "s", "password": "p"})
    exchange.set_markets([market(market_id)])
    cid = format_id(2**40)
    params = client_id_params(exchange_id, cid)
    request = exchange.create_order_request("BTC/USDT", "limit", "buy", 1, 100, params)
    sent = request[VENUE_PARAM[exchange_id]]
    assert sent == venue_client_id(exchange_id, cid)
    assert our_client_id(exchange_id, sent) == cid
    assert CCXT_PARAM not in request
