"""The instrument catalog: the bundled Binance rules, and clear errors for a bad file."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from app.core.instruments import InstrumentKind
from app.venues.instrument_catalog import (
    InstrumentCatalogError,
    catalog_to_json,
    load_catalog,
    load_instruments,
    parse_catalog,
)
from app.venues.replay import DEFAULT_INSTRUMENTS_FILE

SPOT_ENTRY: dict[str, Any] = {
    "venue": "binance",
    "symbol": "BTC/USDT",
    "market_id": "BTCUSDT",
    "kind": "spot",
    "tick_size": "0.01",
    "step_size": "0.00001",
    "maker_fee": "0.001",
    "taker_fee": "0.001",
}


def catalog_of(*entries: dict[str, Any]) -> dict[str, Any]:
    return {"instruments": list(entries)}


def test_bundled_catalog_has_the_real_binance_rules() -> None:
    catalog = load_catalog(DEFAULT_INSTRUMENTS_FILE)
    assert [(i.venue, i.symbol) for i in catalog.instruments] == [
        ("binance", "BTC/USDT"),
        ("binance", "ETH/USDT"),
        ("binanceusdm", "BTC/USDT:USDT"),
        ("binanceusdm", "ETH/USDT:USDT"),
        ("binancecoinm", "BTC/USD:BTC"),
        ("binancecoinm", "ETH/USD:ETH"),
    ]
    spot = catalog.get("binance", "BTC/USDT")
    assert spot is not None
    assert (spot.tick_size, spot.step_size, spot.min_notional) == (
        Decimal("0.01"),
        Decimal("0.00001"),
        Decimal("5"),
    )
    assert (spot.maker_fee, spot.taker_fee, spot.kind) == (
        Decimal("0.001"),
        Decimal("0.001"),
        InstrumentKind.SPOT,
    )
    usdm = catalog.by_market_id("binanceusdm", "BTCUSDT")
    assert usdm is not None and usdm.symbol == "BTC/USDT:USDT"
    assert (usdm.tick_size, usdm.step_size, usdm.maker_fee, usdm.taker_fee) == (
        Decimal("0.1"),
        Decimal("0.001"),
        Decimal("0.0002"),
        Decimal("0.0005"),
    )
    assert usdm.kind is InstrumentKind.PERPETUAL and usdm.settle == "USDT" and not usdm.inverse
    coinm = catalog.by_market_id("binancecoinm", "BTCUSD_PERP")
    assert coinm is not None and coinm.symbol == "BTC/USD:BTC"
    assert coinm.inverse and coinm.settle_currency == "BTC"
    assert (coinm.contract_size, coinm.step_size, coinm.tick_size) == (
        Decimal(100),
        Decimal(1),
        Decimal("0.1"),
    )
    eth_coinm = catalog.get("binancecoinm", "ETH/USD:ETH")
    assert eth_coinm is not None and eth_coinm.contract_size == Decimal(10)
    # Money is exact: built from strings, not floats.
    assert all(isinstance(i.taker_fee, Decimal) for i in catalog.instruments)
    assert catalog.venues() == ["binance", "binanceusdm", "binancecoinm"]


def test_round_trip_through_json(tmp_path: Path) -> None:
    catalog = load_catalog(DEFAULT_INSTRUMENTS_FILE)
    ids = {(venue, symbol): mid for (venue, mid), symbol in catalog.market_ids.items()}
    data = catalog_to_json((i, ids[(i.venue, i.symbol)]) for i in catalog.instruments)
    path = tmp_path / "copy.json"
    path.write_text(json.dumps(data))
    again = load_catalog(path)
    assert again == catalog
    assert load_instruments(path) == list(catalog.instruments)


def test_derived_fields_and_defaults() -> None:
    inst = parse_catalog(catalog_of(SPOT_ENTRY)).instruments[0]
    assert (inst.base, inst.quote, inst.settle, inst.inverse) == ("BTC", "USDT", None, False)
    assert inst.min_qty == 0 and inst.min_notional == 0 and inst.contract_size == 1


BAD_ENTRIES: dict[str, tuple[dict[str, Any], str]] = {
    "float money": ({**SPOT_ENTRY, "tick_size": 0.01}, "tick_size must be a decimal string"),
    "not a number": ({**SPOT_ENTRY, "taker_fee": "ten"}, "taker_fee is not a number: 'ten'"),
    "zero tick": ({**SPOT_ENTRY, "tick_size": "0"}, "tick_size must be > 0"),
    "negative minimum": ({**SPOT_ENTRY, "min_notional": "-5"}, "min_notional must be >= 0"),
    "missing field": (
        {k: v for k, v in SPOT_ENTRY.items() if k != "step_size"},
        "missing step_size",
    ),
    "unknown key": ({**SPOT_ENTRY, "tick": "0.01"}, "unknown key(s) tick"),
    "bad kind": ({**SPOT_ENTRY, "kind": "swap"}, "kind 'swap' is not one of spot, perpetual"),
    "kind vs symbol": ({**SPOT_ENTRY, "kind": "perpetual"}, "does not match the symbol"),
    "bad symbol": ({**SPOT_ENTRY, "symbol": "BTCUSDT"}, "not a unified symbol"),
    "base disagrees": ({**SPOT_ENTRY, "base": "ETH"}, "base 'ETH' disagrees with the symbol"),
    "inverse settles in quote": (
        {**SPOT_ENTRY, "symbol": "BTC/USD:USD", "kind": "perpetual", "inverse": True},
        "an inverse contract settles in its base currency",
    ),
    "not an object": ("BTC/USDT", "expected an object, got str"),  # type: ignore[dict-item]
}


@pytest.mark.parametrize("case", sorted(BAD_ENTRIES))
def test_bad_entry_is_named(case: str) -> None:
    entry, message = BAD_ENTRIES[case]
    with pytest.raises(InstrumentCatalogError) as caught:
        parse_catalog(catalog_of(SPOT_ENTRY | {"symbol": "ETH/USDT", "market_id": "E"}, entry))
    assert "instruments[1]" in str(caught.value)
    assert message in str(caught.value)
    assert isinstance(caught.value, ValueError)


def test_duplicates_are_refused() -> None:
    with pytest.raises(InstrumentCatalogError, match="duplicate instrument binance BTC/USDT"):
        parse_catalog(catalog_of(SPOT_ENTRY, SPOT_ENTRY))
    other = SPOT_ENTRY | {"symbol": "ETH/USDT"}
    with pytest.raises(InstrumentCatalogError, match="duplicate market_id 'BTCUSDT'"):
        parse_catalog(catalog_of(SPOT_ENTRY, other))


def test_file_errors_name_the_file(tmp_path: Path) -> None:
    with pytest.raises(InstrumentCatalogError, match=r"missing\.json: instrument file not found"):
        load_catalog(tmp_path / "missing.json")
    broken = tmp_path / "broken.json"
    broken.write_text('{"instruments": [\n  {"venue": }\n]}')
    with pytest.raises(InstrumentCatalogError, match=r"broken.json: not valid JSON \(line 2"):
        load_catalog(broken)
    wrong = tmp_path / "wrong.json"
    wrong.write_text("[]")
    with pytest.raises(
        InstrumentCatalogError, match=r'wrong\.json: expected an object with an "inst'
    ):
        load_catalog(wrong)
