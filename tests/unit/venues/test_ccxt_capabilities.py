"""Capabilities of the target exchanges as ccxt 4.5.90 reports them, and the README table."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.venues.ccxt_capabilities import (
    COLUMNS,
    README_MARKER,
    TARGETS,
    capabilities,
    markdown_table,
)

README = Path(__file__).parents[3] / "README.md"


def test_the_checked_facts() -> None:
    binance = capabilities("binance")
    assert (binance.spot, binance.swap, binance.sandbox) == (True, True, True)
    assert binance.quote_stream == "watchBidsAsks"
    assert binance.private_streams == ("watchOrders", "watchMyTrades")
    assert binance.client_id_param == "newClientOrderId"
    assert binance.cancel_all and binance.cancel_all_needs_symbol
    okx = capabilities("okx")
    assert not okx.cancel_all and okx.cancel_all_needs_symbol is None
    assert okx.client_id_param == "clOrdId" and "alphanumeric" in okx.notes
    hyperliquid = capabilities("hyperliquid")
    assert hyperliquid.quote_stream == "watchTickers"  # no watchBidsAsks in ccxt 4.5.90
    assert not hyperliquid.cancel_all and hyperliquid.client_id_param == "cloid"
    kraken = capabilities("kraken")
    assert (kraken.spot, kraken.swap, kraken.sandbox) == (True, False, False)
    assert capabilities("bitget").cancel_all_needs_symbol is True
    assert not capabilities("bitget").sandbox  # demo trading by header, no test URL
    assert capabilities("gate").client_id_param == "text"
    assert capabilities("bybit").client_id_param == "orderLinkId"


def test_every_target_has_private_streams_and_a_quote_stream() -> None:
    for exchange_id in TARGETS:
        cap = capabilities(exchange_id)
        assert cap.ccxt_id == exchange_id and cap.spot
        assert cap.quote_stream is not None
        assert cap.private_streams == ("watchOrders", "watchMyTrades")
        assert cap.tested


def test_another_exchange_gets_metadata_and_unchecked_facts() -> None:
    cap = capabilities("kucoin")
    assert cap.client_id_param == "clientOrderId" and cap.tested == "not tested"
    with pytest.raises(ValueError, match="no exchange"):
        capabilities("nosuchexchange")


def test_markdown_table_shape() -> None:
    table = markdown_table()
    lines = table.splitlines()
    assert table.endswith("\n") and len(lines) == 2 + len(TARGETS)
    assert lines[0] == "| " + " | ".join(COLUMNS) + " |"
    assert lines[1] == "|" + "---|" * len(COLUMNS)
    rows = [[c.strip() for c in line.strip("|").split("|")] for line in lines[2:]]
    assert [r[0] for r in rows] == list(TARGETS)
    assert all(len(r) == len(COLUMNS) for r in rows)
    by_id = {r[0]: dict(zip(COLUMNS, r, strict=True)) for r in rows}
    assert by_id["binance"]["cancel-all"] == "per symbol"
    assert by_id["okx"]["cancel-all"] == "no"
    assert by_id["bybit"]["cancel-all"] == "yes"
    assert by_id["kraken"]["swap"] == "no"
    assert by_id["hyperliquid"]["quotes stream"] == "`watchTickers`"
    assert by_id["gate"]["client-id parameter"] == "`text`"


def test_readme_table_is_the_generated_one_once_it_has_the_marker() -> None:
    text = README.read_text(encoding="utf-8")
    if README_MARKER not in text:
        pytest.skip("the README has no capability table yet")
    after = text.split(README_MARKER, 1)[1].lstrip("\n")
    assert after.startswith(markdown_table())
