"""Closing the window shuts down in order and within 5 s, even when a venue never answers."""

from __future__ import annotations

import asyncio
import time

from pytestqt.qtbot import QtBot

from app.engine.engine import Engine
from app.ui.app import Desk

from .conftest import ui_settings, until


async def test_closing_the_window_stops_the_engine_within_5_s_with_hanging_venues(
    qtbot: QtBot,
) -> None:
    desk = Desk(Engine(ui_settings()))
    await desk.start()
    await until(lambda: desk.engine.running, what="the engine")
    closed: list[str] = []

    async def never() -> None:
        closed.append("called")
        await asyncio.Event().wait()  # a venue whose close never returns

    for venue in desk.engine.venues.values():
        venue.close = never  # type: ignore[method-assign]
    assert desk.window.isVisible()

    t0 = time.perf_counter()
    desk.window.close()  # as the title bar's close button does
    assert desk.window.isVisible()  # the window waits for the ordered shutdown
    await asyncio.wait_for(desk.run_until_closed(), 5.0)
    elapsed = time.perf_counter() - t0

    assert elapsed < 5.0
    assert closed == ["called"] * 3
    assert not desk.engine.running
    assert not desk.engine.store.is_open  # the store was closed after the venues timed out
    assert not desk.window.isVisible()
    assert not desk.window.ticket.isEnabled()  # input stopped first
    assert desk.shutdown_s is not None and desk.shutdown_s < 5.0
