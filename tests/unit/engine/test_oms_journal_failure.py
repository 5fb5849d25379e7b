"""A journal that cannot be written (disk full): nothing is sent, nothing is left half-known.

The failure is the database's own: a trigger on the journal's table refuses every new order row
with SQLite's "database or disk is full", whoever writes it; dropping it makes room again.
"""

from __future__ import annotations

import sqlite3
from decimal import Decimal

import pytest

from app.core.events import Alert, AlertLevel
from app.core.orders import OrderRequest, OrderStatus, Side
from app.engine.orders.oms import JournalWriteFailed
from app.runtime import paths

from .conftest import MakeHarness

ROOM = {"USDT": 1_000, "BTC": 1, "ETH": 10}  # one 0.015 BTC order at ~50,000 fits, not two


def disk_full(full: bool) -> None:
    """Make the engine's database refuse new journal rows (or take them again)."""
    db = sqlite3.connect(paths.data_dir() / "arbdesk.sqlite", timeout=10)
    try:
        if full:
            db.execute(
                "CREATE TRIGGER disk_full BEFORE INSERT ON orders "
                "BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END"
            )
        else:
            db.execute("DROP TRIGGER disk_full")
        db.commit()
    finally:
        db.close()


async def test_a_full_disk_refuses_the_order_before_it_leaves(make_harness: MakeHarness) -> None:
    h = await make_harness(paper={"starting_balances": ROOM})
    engine = h.engine
    alerts: list[Alert] = []
    engine.subscribe(Alert, alerts.append)
    request = OrderRequest("sim-a", "BTC/USDT", Side.BUY, Decimal("0.015"), Decimal("49900"))

    disk_full(True)
    with pytest.raises(JournalWriteFailed, match=r"disk is full.*nothing was sent"):
        await engine.submit_order(request)

    assert engine.open_orders() == [] and engine.orders() == ()
    assert h.venue.create_calls == 0
    assert await h.venue.fetch_open_orders() == []
    assert any(a.level is AlertLevel.CRITICAL and "journal" in a.message for a in alerts)

    # the disk has room again: the order goes through, so the funds held for the failed one
    # were released (both would need more USDT than there is); another price, as the
    # duplicate-order rule still remembers the first attempt for its window
    disk_full(False)
    order = await engine.submit_order(
        OrderRequest("sim-a", "BTC/USDT", Side.BUY, Decimal("0.015"), Decimal("49890"))
    )
    assert order.status is OrderStatus.OPEN
    assert len(engine.open_orders()) == 1
