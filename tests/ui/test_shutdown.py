"""Closing the window shuts down in order, even when no venue ever answers its close.

How long that takes (within the 5 s budget) is measured by ``benchmarks/timing.py``; here the
shutdown only has to finish, bounded by pytest's timeout.
"""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from app.engine.engine import Engine
from app.ui.app import Desk
from tests.support.engines import sim_market
from tests.support.faulty_venue import Fault
from tests.support.stores import engine_store

from .conftest import ui_settings, until


async def test_closing_the_window_stops_the_engine_with_hanging_venues(qtbot: QtBot) -> None:
    settings = ui_settings()
    market, faulty = sim_market(settings, wrap=("sim-a", "sim-b", "sim-c"))
    store = engine_store(settings)
    desk = Desk(Engine(settings, market=market, store=store))
    await desk.start()
    await until(lambda: desk.engine.running, what="the engine")
    for venue in faulty.values():
        venue.fail_close(Fault.HANG)  # its close never returns
    assert desk.window.isVisible()

    desk.window.close()  # as the title bar's close button does
    assert desk.window.isVisible()  # the window waits for the ordered shutdown
    await desk.run_until_closed()

    assert [v.close_calls for v in faulty.values()] == [1, 1, 1]
    assert not desk.engine.running
    assert not store.is_open  # the store was closed after the venues timed out
    assert not desk.window.isVisible()
    assert not desk.window.ticket.isEnabled()  # input stopped first
