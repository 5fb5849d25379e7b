"""A journal that cannot be written (disk full): nothing is sent, nothing is left half-known."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest

from app.core.events import Alert, AlertLevel
from app.core.orders import OrderRequest, OrderStatus, Side
from app.engine.orders.oms import JournalWriteFailed
from app.store import repositories as repo

from .conftest import MakeEngine


async def test_a_full_disk_refuses_the_order_before_it_leaves(
    make_engine: MakeEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine, _ = await make_engine()
    alerts: list[Alert] = []
    engine.bus.subscribe(Alert, alerts.append)
    request = OrderRequest("sim-a", "BTC/USDT", Side.BUY, Decimal("0.01"), Decimal("49900"))
    run = engine.store.run

    async def full_disk(fn: Any, *args: Any) -> Any:
        if fn is repo.save_order:
            raise sqlite3.OperationalError("database or disk is full")
        return await run(fn, *args)

    monkeypatch.setattr(engine.store, "run", full_disk)
    with pytest.raises(JournalWriteFailed, match=r"disk is full.*nothing was sent"):
        await engine.submit_order(request)

    assert engine.open_orders() == []
    assert engine.oms.orders == {}
    assert all(held == 0 for held in engine.oms.in_flight("sim-a").values())  # hold released
    assert await engine.venues["sim-a"].fetch_open_orders() == []
    assert any(a.level is AlertLevel.CRITICAL and "journal" in a.message for a in alerts)

    # the disk has room again: orders go through (different prices: the duplicate-order rule
    # still remembers the first attempt for its window)
    monkeypatch.setattr(engine.store, "run", run)
    for price in ("49890", "49880"):
        order = await engine.submit_order(replace(request, price=Decimal(price)))
        assert order.status is OrderStatus.OPEN
    assert len(engine.open_orders()) == 2
