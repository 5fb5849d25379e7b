"""``arbdesk resume`` leaves HALTED after a fresh reconciliation, through the running instance or
from the shell, audited as the window's "Resume trading…"; refused when a venue disagrees."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from control_seed import SETTINGS_TOML, VENUES, rest_orders, write_settings
from test_control_cli import REPO, arbdesk, as_json, env, open_orders
from test_control_cli import seed as seed_in_subprocess

from app.cli import exit_codes
from app.control import client
from app.control.server import ControlServer
from app.core.trading_state import TradingState
from app.engine.engine import Engine
from app.engine.wiring import Market, build_market
from app.runtime import paths
from app.runtime.settings_loader import load_settings
from app.store import repositories as repo
from app.store.store import Store
from tests.support.faulty_venue import Fault, FaultyVenue
from tests.support.stores import engine_store


def audit_actions(home: Path, *actions: str) -> list[tuple[str, str, dict[str, Any]]]:
    """(actor, action, detail) of the audit entries with those actions, in order."""
    marks = ",".join("?" * len(actions))
    with sqlite3.connect(home / "data" / "arbdesk.sqlite") as db:
        rows = db.execute(
            f"SELECT actor, action, detail FROM audit_log WHERE action IN ({marks}) ORDER BY id",
            actions,
        ).fetchall()
    return [(actor, action, json.loads(detail)) for actor, action, detail in rows]


# -- resume through the running instance -------------------------------------------------------


@pytest.fixture
def records(arbdesk_home: Path) -> Store:
    write_settings(arbdesk_home)
    return engine_store(load_settings())


@pytest.fixture
def market(records: Store) -> Market:
    """The sim market, sim-a behind a fault-injecting wrapper (no fault unless a test asks)."""
    market = build_market(load_settings(), paths.data_dir())
    market.venues["sim-a"] = FaultyVenue(market.venues["sim-a"])
    return market


@pytest.fixture
def sim_a(market: Market) -> FaultyVenue:
    venue = market.venues["sim-a"]
    assert isinstance(venue, FaultyVenue)
    return venue


@pytest.fixture
async def running(records: Store, market: Market) -> AsyncIterator[Engine]:
    """An engine on the sim market at real speed with its control server."""
    engine = Engine(load_settings(), market=market, store=records)
    await engine.start()
    server = ControlServer(engine)
    await server.start()
    try:
        yield engine
    finally:
        await server.close()
        await engine.stop()


async def arbdesk_async(*args: str, home: Path) -> tuple[int, str, str]:
    """The CLI in a subprocess without blocking this loop (the instance answers on it)."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "app",
        *args,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=env(home),
        cwd=REPO,
    )
    out, err = await asyncio.wait_for(proc.communicate(), 120)
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


async def test_cli_resume_asks_the_running_instance(
    arbdesk_home: Path, running: Engine, records: Store
) -> None:
    await rest_orders(running, per_venue=1)
    await client.request("panic", {"reason": "drill"}, timeout=30)
    assert running.trading_state is TradingState.HALTED

    code, out, err = await arbdesk_async("resume", "--yes", "--json", home=arbdesk_home)

    assert code == exit_codes.RESUMED, err
    result = json.loads(out.strip().splitlines()[-1])
    assert result["source"] == "instance" and result["pid"] > 0
    assert result["resumed"] is True and result["trading_state"] == "ACTIVE"
    assert result["problems"] == []
    assert result["venues"] == {
        name: {"ok": True, "error": "", "unresolved": []} for name in VENUES
    }
    assert running.trading_state.value == "ACTIVE"
    await running.flush_records()
    entries = await records.run(lambda c: repo.load_audit(c))
    resets = [
        (e.actor, e.action) for e in entries if e.action in ("reset_requested", "reset_refused")
    ]
    assert resets == [("cli", "reset_requested")]
    last = [e for e in entries if e.action == "trading_state"][-1]
    assert (last.actor, last.detail["to"]) == ("cli", "ACTIVE")


async def test_resume_through_the_channel_is_refused_when_a_venue_disagrees(
    running: Engine, sim_a: FaultyVenue
) -> None:
    ids = await rest_orders(running, per_venue=1)
    lost = next(o.client_order_id for o in running.open_orders("sim-a"))
    assert lost in ids
    await running.set_trading_state(TradingState.HALTED, "drill", actor="test")
    sim_a.fail_fetch_open(Fault.NOT_FOUND)  # the venue's list shows no order ...
    sim_a.fail_fetch(Fault.NOT_FOUND)  # ... and it does not know ours

    result = await client.request("resume", {"confirm": True}, timeout=30)

    assert result["resumed"] is False and result["trading_state"] == "HALTED"
    assert result["venues"]["sim-a"]["ok"] is False
    assert [lost in u for u in result["venues"]["sim-a"]["unresolved"]] == [True]
    assert [p.startswith("sim-a: order " + lost) for p in result["problems"]] == [True]
    assert result["venues"]["sim-b"] == {"ok": True, "error": "", "unresolved": []}
    assert running.trading_state is TradingState.HALTED


async def test_resume_through_the_channel_needs_a_confirmation(running: Engine) -> None:
    await running.set_trading_state(TradingState.HALTED, "drill", actor="test")
    with pytest.raises(client.ControlError, match="confirm"):
        await client.request("resume", timeout=5)
    assert running.trading_state is TradingState.HALTED


# -- resume with no instance -------------------------------------------------------------------


def test_cli_resume_offline_after_a_panic(arbdesk_home: Path) -> None:
    seed_in_subprocess(arbdesk_home, per_venue=1)
    panicked = arbdesk("panic", "--json", home=arbdesk_home)
    assert panicked.returncode == exit_codes.CLEAN, panicked.stderr
    assert as_json(arbdesk("status", "--json", home=arbdesk_home))["trading_state"] == "HALTED"

    result = arbdesk("resume", "--yes", "--json", home=arbdesk_home)

    assert result.returncode == exit_codes.RESUMED, result.stderr
    assert "no running instance" in result.stderr
    outcome = as_json(result)
    assert outcome["source"] == "offline"
    assert outcome["resumed"] is True and outcome["trading_state"] == "ACTIVE"
    assert set(outcome["venues"]) == set(VENUES) and outcome["problems"] == []
    status = as_json(arbdesk("status", "--json", home=arbdesk_home))
    assert status["trading_state"] == "ACTIVE" and open_orders(status) == []
    audited = audit_actions(arbdesk_home, "reset_requested", "reset_refused", "trading_state")
    assert [(actor, action) for actor, action, _ in audited[-2:]] == [
        ("cli", "reset_requested"),
        ("cli", "trading_state"),
    ]
    assert audited[-1][2]["to"] == "ACTIVE"
    assert arbdesk("audit", "verify", home=arbdesk_home).returncode == exit_codes.CLEAN

    text = arbdesk("resume", "--yes", home=arbdesk_home)  # already ACTIVE: reconciles, says so
    assert text.returncode == exit_codes.RESUMED, text.stderr
    assert "Resumed by this shell: every venue agrees; trading is ACTIVE" in text.stdout


def test_cli_resume_refused_when_the_venues_disagree_stays_halted(
    arbdesk_home: Path, tmp_path: Path
) -> None:
    ids = seed_in_subprocess(arbdesk_home, per_venue=1)
    # the same records, but paper venues whose books were lost: they know none of our orders
    other = tmp_path / "lost-books.toml"
    other.write_text(SETTINGS_TOML + '\n[paper]\nstate_file = "lost-books.sqlite"\n')
    arbdesk("panic", "--settings", str(other), home=arbdesk_home)
    assert as_json(arbdesk("status", "--json", home=arbdesk_home))["trading_state"] == "HALTED"

    result = arbdesk("resume", "--yes", "--json", "--settings", str(other), home=arbdesk_home)

    assert result.returncode == exit_codes.REFUSED, result.stderr
    outcome = as_json(result)
    assert outcome["resumed"] is False and outcome["trading_state"] == "HALTED"
    assert len(outcome["problems"]) == len(ids)
    assert all(any(cid in p for p in outcome["problems"]) for cid in ids)
    assert all(not v["ok"] for v in outcome["venues"].values())
    assert as_json(arbdesk("status", "--json", home=arbdesk_home))["trading_state"] == "HALTED"
    audited = audit_actions(arbdesk_home, "reset_requested", "reset_refused")
    assert [(actor, action) for actor, action, _ in audited] == [
        ("cli", "reset_requested"),
        ("cli", "reset_refused"),
    ]

    text = arbdesk("resume", "--yes", "--settings", str(other), home=arbdesk_home)
    assert text.returncode == exit_codes.REFUSED
    assert "NOT RESUMED by this shell: the venues do not agree; trading is HALTED" in text.stdout
    assert ids[0] in text.stdout


def test_cli_resume_without_yes_and_without_a_terminal_does_nothing(arbdesk_home: Path) -> None:
    result = arbdesk("resume", home=arbdesk_home)  # stdin is /dev/null: no one to ask
    assert result.returncode == exit_codes.COULD_NOT_RUN
    assert "--yes" in result.stderr and "nothing was changed" in result.stderr
    assert not (arbdesk_home / "data" / "arbdesk.sqlite").exists()
