"""The control channel in front of a real engine on the simulated market, and the panic done
without any running instance; in-process, loopback only."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from control_seed import open_position, rest_orders, seed, write_settings

from app.control import client
from app.control.offline import REASON, panic_offline
from app.control.server import ControlServer
from app.core.trading_state import TradingState
from app.engine.engine import Engine
from app.engine.status import stored_status
from app.runtime.settings_loader import load_settings
from app.store import repositories as repo
from app.store.store import Store
from tests.support.stores import engine_store


@pytest.fixture
def records(arbdesk_home: Path) -> Store:
    """The store the running engine writes (built here: the engine's own is private)."""
    write_settings(arbdesk_home)
    return engine_store(load_settings())


@pytest.fixture
async def running(arbdesk_home: Path, records: Store) -> AsyncIterator[Engine]:
    """An engine on the sim market at real speed, with its control server."""
    engine = Engine(load_settings(), store=records)
    await engine.start()
    server = ControlServer(engine)
    await server.start()
    try:
        yield engine
    finally:
        await server.close()
        await engine.stop()


async def test_status_through_the_channel(running: Engine) -> None:
    ids = await rest_orders(running, per_venue=2)
    status = await client.request("status", timeout=5)
    assert status["source"] == "instance" and status["pid"] == os.getpid()
    assert status["trading_state"] == "ACTIVE"
    per_venue = status["open_orders"]
    assert set(per_venue) == {"sim-a", "sim-b", "sim-c"}
    assert sorted(o["client_order_id"] for v in per_venue.values() for o in v) == sorted(ids)
    assert all(o["status"] == "OPEN" and o["side"] == "buy" for o in per_venue["sim-a"])


async def test_panic_through_the_channel_cancels_everything(
    running: Engine, records: Store
) -> None:
    await rest_orders(running, per_venue=2)
    report = await client.request("panic", {"reason": "drill"}, timeout=30)
    assert report["clean"] is True
    assert report["canceled"] == 6
    assert {v["canceled"] for v in report["venues"].values()} == {2}
    assert report["trading_state"] == "HALTED"
    assert running.trading_state is TradingState.HALTED
    assert running.open_orders() == []
    await running.flush_records()
    starts = await records.run(lambda c: repo.load_audit(c, action="panic_start"))
    assert [(e.actor, e.detail["reason"]) for e in starts] == [("cli", "drill")]


async def test_panic_with_flatten_through_the_channel_closes_positions(running: Engine) -> None:
    await open_position(running)
    assert running.snapshot().positions
    report = await client.request("panic", {"flatten": True}, timeout=30)
    assert report["clean"] is True, report
    assert report["venues"]["sim-a"]["closed_positions"]
    assert not running.snapshot().positions


async def test_offline_panic_cancels_and_the_halt_survives_a_restart(arbdesk_home: Path) -> None:
    write_settings(arbdesk_home)
    ids = await seed(per_venue=2)
    settings = load_settings()
    before = await stored_status(settings)
    assert sum(len(v) for v in before["open_orders"].values()) == len(ids) == 6

    done = await panic_offline(settings)
    assert done.report.clean and done.report.actor == "cli" and done.report.reason == REASON
    assert sum(v.canceled for v in done.report.venues) == 6
    assert done.trading_state == "HALTED"

    after = await stored_status(settings)
    assert after["source"] == "store" and after["trading_state"] == "HALTED"
    assert not any(after["open_orders"].values())

    engine = Engine(settings)
    await engine.start()
    try:
        assert engine.trading_state is TradingState.HALTED
        assert engine.open_orders() == []
    finally:
        await engine.stop()


async def test_offline_panic_with_flatten_closes_the_position(arbdesk_home: Path) -> None:
    write_settings(arbdesk_home)
    await seed(per_venue=1, position=True)
    settings = load_settings()
    assert (await stored_status(settings))["positions"]
    done = await panic_offline(settings, flatten=True)
    assert done.report.clean, done.report.summary()
    sim_a = next(v for v in done.report.venues if v.venue == "sim-a")
    assert sim_a.closed_positions and sim_a.canceled == 1
    assert done.notes == ()
    assert (await stored_status(settings))["positions"] == []
