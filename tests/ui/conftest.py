"""UI tests: offscreen Qt, a qasync loop for every async test, and a running desk to click on.

pytest-asyncio's ``pytest_asyncio_loop_factories`` hook hands the tests of this folder a qasync
loop, so engine tasks and Qt events run on one loop as in the app. Inside those tests, wait with
``until`` (asyncio sleeps), never with ``qtbot.waitSignal``/``waitUntil``: a nested Qt loop would
lose the loop's tasks (DESIGN.md, pitfalls).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from collections.abc import AsyncIterator, Callable, Collection
from decimal import Decimal
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest
import qasync
from PySide6.QtWidgets import QApplication

from app.core.orders import Order, OrderRequest, OrderStatus, Side
from app.engine.engine import Engine
from app.runtime.settings import Settings
from app.runtime.settings_loader import merge, validate
from app.ui.app import Desk
from tests.support.engines import ManualFeed, manual_market


def _qapp() -> QApplication:
    app = QApplication.instance()
    return app if isinstance(app, QApplication) else QApplication([])


def pytest_asyncio_loop_factories(config: pytest.Config, item: pytest.Item) -> dict[str, Any]:
    return {"qasync": lambda: qasync.QEventLoop(_qapp())}


def ui_settings(**over: Any) -> Settings:
    # English whatever the machine's locale: the tests read the window's English texts
    base: dict[str, Any] = {"market": {"speed": 2.0}, "ui": {"language": "en"}}
    return validate(merge(merge(Settings().model_dump(mode="json"), base), over), "ui-test")


async def until(predicate: Callable[[], object], limit_s: float = 5.0, what: str = "") -> None:
    """Poll ``predicate`` on the running loop (Qt events and engine tasks keep going)."""
    deadline = time.monotonic() + limit_s
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {limit_s} s waiting for {what or predicate}")
        await asyncio.sleep(0.02)


@contextlib.asynccontextmanager
async def open_desk(**over: Any) -> AsyncIterator[Desk]:
    """A started desk on the simulated market, shut down on the way out.

    A context manager inside the test rather than an async fixture: with qasync, what runs
    between pytest-asyncio's separate loop runs (fixture setup, test, teardown) runs without a
    running loop, and the engine's tasks must not be woken there.
    """
    desk = Desk(Engine(ui_settings(**over)))
    try:
        await desk.start()
        await until(lambda: len(desk.bridge.all_quotes) >= 15, 10, "a quote of every book")
        yield desk
    finally:
        await desk.shutdown()


#: Mid prices of the manual market's books, the same on every venue (no arbitrage among them).
MIDS = {
    "BTC/USDT": 50_000.0,
    "ETH/USDT": 3_000.0,
    "ETH/BTC": 0.06,
    "BTC/USDT:USDT": 50_010.0,
    "ETH/USDT:USDT": 3_001.0,
}


def push_books(feed: ManualFeed, skip: Collection[tuple[str, str]] = ()) -> None:
    """A quote of every book of the manual market (but ``skip``), 1 bp either side of its mid."""
    for inst in feed.instruments():
        if (inst.venue, inst.symbol) not in skip:
            mid = MIDS[inst.symbol]
            feed.push(inst.venue, inst.symbol, mid * 0.9999, mid * 1.0001)


@contextlib.asynccontextmanager
async def open_manual_desk(**over: Any) -> AsyncIterator[tuple[Desk, ManualFeed]]:
    """A started desk over a market the test drives quote by quote: every event the window
    shows comes from what the test pushed, through the engine as in the app. Market time moves
    only with the quotes (``feed.advance``)."""
    settings = ui_settings(**over)
    market, feed, _ = manual_market(settings, ("sim-a", "sim-b", "sim-c"))
    desk = Desk(Engine(settings, market=market))
    try:
        await desk.start()
        await until(lambda: feed.running, what="the feed to start")
        push_books(feed)
        await until(lambda: len(desk.bridge.all_quotes) >= 15, 10, "a quote of every book")
        yield desk, feed
    finally:
        await desk.shutdown()


async def resting_order(desk: Desk, side: Side = Side.BUY, away: str = "0.02") -> Order:
    """A limit order far enough from the touch to rest (inside the risk price band)."""
    quote = desk.bridge.latest_quote("sim-a", "BTC/USDT")
    assert quote is not None
    factor = 1 - Decimal(away) if side is Side.BUY else 1 + Decimal(away)
    price = (Decimal(str(quote.bid)) * factor).quantize(Decimal("0.01"))
    request = OrderRequest("sim-a", "BTC/USDT", side, Decimal("0.001"), price)
    return await desk.engine.submit_manual_order(request)


def status_of(desk: Desk, client_order_id: str) -> OrderStatus | None:
    """The order's status as the engine knows it (None: it does not know the order)."""
    order = desk.engine.order(client_order_id)
    return None if order is None else order.status
