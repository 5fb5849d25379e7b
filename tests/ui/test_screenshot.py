"""Renders the window after 10 s of simulated trading, so changes to the look can be reviewed.

The PNG goes to the test's temporary folder. With ``ARBDESK_UPDATE_SCREENSHOT=1`` it also
replaces ``resources/screenshots/main_window.png`` (the one the README shows).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import shutil
import time
from decimal import Decimal
from pathlib import Path

from PySide6.QtGui import QImage
from pytestqt.qtbot import QtBot

from app.core.orders import OrderRequest, OrderType, Side, TimeInForce
from app.engine.orders.oms import OrderRefused
from app.ui.app import Desk
from app.ui.ticket_form import TicketType

from .conftest import open_desk, resting_order

SCREENSHOT = Path(__file__).resolve().parents[2] / "resources" / "screenshots" / "main_window.png"
TRADING_S = 10.0


def market(venue: str, symbol: str, side: Side, qty: str) -> OrderRequest:
    return OrderRequest(venue, symbol, side, Decimal(qty), None, OrderType.MARKET, TimeInForce.IOC)


async def trade(desk: Desk, seconds: float) -> None:
    """A trader working the chart's pair and the perpetuals, as a bot soon will."""
    legs = [
        (
            market("sim-a", "BTC/USDT", Side.BUY, "0.02"),
            market("sim-b", "BTC/USDT", Side.SELL, "0.02"),
        ),
        (
            market("sim-a", "BTC/USDT:USDT", Side.SELL, "0.05"),
            market("sim-c", "BTC/USDT:USDT", Side.BUY, "0.05"),
        ),
        (
            market("sim-b", "BTC/USDT", Side.BUY, "0.02"),
            market("sim-a", "BTC/USDT", Side.SELL, "0.02"),
        ),
        (
            market("sim-b", "ETH/USDT:USDT", Side.BUY, "0.8"),
            market("sim-c", "ETH/USDT", Side.SELL, "0.8"),
        ),
    ]
    end = time.monotonic() + seconds
    i = 0
    while time.monotonic() < end:
        for request in legs[i % len(legs)]:
            with contextlib.suppress(OrderRefused):
                await desk.engine.submit_manual_order(request)
        i += 1
        await asyncio.sleep(1.1)


async def test_main_window_after_10_s_of_simulated_trading(qtbot: QtBot, tmp_path: Path) -> None:
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.INFO)  # as the app's logging is configured: the log panel shows it
    try:
        await _run(tmp_path)
    finally:
        root.setLevel(level)


async def _run(tmp_path: Path) -> None:
    async with open_desk(market={"speed": 6.0}, sim={"seed": 7}) as desk:
        for side, away in ((Side.BUY, "0.012"), (Side.SELL, "0.015"), (Side.BUY, "0.02")):
            await resting_order(desk, side, away)
        await trade(desk, TRADING_S)
        ticket = desk.window.ticket
        ticket.kind.setCurrentIndex(ticket.kind.findData(TicketType.LIMIT.value))
        ticket.quantity.setText("0.05")
        ticket.price_at_touch()
        await asyncio.sleep(0.6)  # one more snapshot and chart frame

        image = desk.window.grab().toImage()
        out = tmp_path / "main_window.png"
        assert image.save(str(out))

    saved = QImage(str(out))
    assert (saved.width(), saved.height()) == (1920, 1080)
    assert desk.window.orders.fills.rowCount() >= 8
    assert desk.window.positions.positions.rowCount() >= 1
    assert len(desk.window.spread.series) > 100
    if os.environ.get("ARBDESK_UPDATE_SCREENSHOT") == "1":
        SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(out, SCREENSHOT)
    assert out.stat().st_size < 500_000
