"""Every transition of a real order reaches the append-only journal, and ``arbdesk orders show``
prints it: submitted, acknowledged, cancel asked (by whom), canceled."""

from __future__ import annotations

import asyncio
import json
from decimal import Decimal
from pathlib import Path

import pytest

from app.cli.main import main
from app.core.orders import OrderRequest, Side
from app.engine.engine import Engine
from tests.support.engines import make_settings, manual_market, start_manual


async def _order_then_cancel() -> str:
    settings = make_settings()
    market, feed, _ = manual_market(settings)
    engine = Engine(settings, market=market)
    await start_manual(engine, feed)
    try:
        request = OrderRequest("sim-a", "BTC/USDT", Side.BUY, Decimal("0.01"), Decimal("49900"))
        order = await engine.submit_manual_order(request)
        await engine.cancel_order(order.client_order_id, actor="manual")
    finally:
        await engine.stop()
    return order.client_order_id


def test_an_orders_history_is_every_transition_in_order(
    arbdesk_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cid = asyncio.run(_order_then_cancel())
    capsys.readouterr()
    assert main(["orders", "show", cid, "--json"]) == 0
    history = json.loads(capsys.readouterr().out)
    steps = [(e["actor"], e["action"], e["status"]) for e in history["events"]]
    assert steps == [
        ("manual", "submit", "PENDING_SUBMIT"),
        ("venue", "venue_update", "OPEN"),
        ("manual", "cancel_request", "PENDING_CANCEL"),
        ("venue", "venue_update", "CANCELED"),
    ]
    assert history["order"]["status"] == "CANCELED"
