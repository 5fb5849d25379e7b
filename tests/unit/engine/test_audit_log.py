"""The audit log's own log lines: what a trader reads in the log panel."""

from __future__ import annotations

import logging
from decimal import Decimal

import pytest

from app.core.orders import OrderRequest, OrderType, Side

from .conftest import MakeEngine


async def test_an_order_action_is_logged_with_plain_values(
    make_engine: MakeEngine, caplog: pytest.LogCaptureFixture
) -> None:
    engine, _ = await make_engine()
    request = OrderRequest(
        "sim-a", "BTC/USDT", Side.SELL, Decimal("0.01"), None, type=OrderType.MARKET
    )
    with caplog.at_level(logging.INFO, logger="app.engine.audit"):
        order = await engine.submit_manual_order(request)
    lines = [r.getMessage() for r in caplog.records if r.name == "app.engine.audit"]
    submit = next(line for line in lines if "order_submit" in line)
    assert f"client_order_id={order.client_order_id}" in submit
    assert "side=sell" in submit and "qty=0.01" in submit and "type=market" in submit
    assert "Decimal(" not in submit and "<Side" not in submit
    assert "price=None" not in submit
