"""SIGKILL in the middle of a bot's add, then a restart on the same data folder.

A child process runs the engine on the manual feed with paper venues (their books in the data
folder) and a spread DCA bot: it opens (step 1, both legs filled), then adds (step 2) while the
add's second leg, spot on sim-a, is held by the fault-injecting venue (``HANG``): the venue has
taken and filled it, its answer never comes back. When the add's intent is on disk (pending),
both its orders are journaled, the perpetual leg has ended and the spot order has reached its
venue, the child writes a marker file and the parent kills it with SIGKILL: no timing involved.

After the restart:
- reconciliation passes, and only then is the pending add settled, from the journal's orders
  under its trace id (the spot leg's fill learned from the venue): the bot is in the state the
  add left it in (phase, cycle, position, the add counted), and nothing of it is sent again;
- every client order id was created once on its venue (the paper venue's own file), and no
  order created before the crash reaches a venue again (``FaultyVenue.inner_creates``);
- no bot order is sent before the restart's reconciliation (the audit log's order);
- variant: trading was HALTED before the kill: the bot is settled the same way and sends nothing
  while HALTED (a halt stops every bot; it stays stopped until the user starts it), although
  its quotes would add and take profit.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from app.core.orders import Order, OrderStatus, Side
from app.core.trading_state import TradingState
from app.engine.api import BotStatus
from app.engine.engine import Engine
from app.store import repositories as repo
from app.store.engine import sqlite_url
from app.store.records import AuditEntry, IntentRow
from app.store.store import Store
from tests.support.engines import ManualFeed, eventually, make_settings, manual_market
from tests.support.faulty_venue import FaultyVenue
from tests.support.stores import engine_store

ROOT = Path(__file__).resolve().parents[2]
SETTINGS: dict[str, Any] = {
    "paper": {"starting_balances": {"USDT": 100_000, "BTC": 0, "ETH": 0}},
    # the held answer must not time out (the OMS would settle it) before the parent kills
    "oms": {"venue_timeout_s": 600},
}
PARAMS: dict[str, Any] = {
    "leg_a": "sim-a:BTC/USDT",
    "leg_b": "sim-b:BTC/USDT:USDT",
    "direction": "b_rich",
    "base_qty": "0.01",
    "entry": 20,
    "adds": [40],
    "max_adds": 1,
    "take_profit": 5,
    "stop": 120,
    "cooldown_ms": 0,
    "pool": {"sim-a:USDT": "50000", "sim-b:USDT": "50000"},
}
OPEN, ADD, CLOSE = "dca:1:1", "dca:1:2", "dca:1:3"
QTY = Decimal("0.01")

CHILD = textwrap.dedent(
    """
    import asyncio, json, os, sys, time
    from pathlib import Path

    sys.path.insert(0, {root!r})
    from app.core.trading_state import TradingState
    from app.engine.engine import Engine
    from tests.support.engines import eventually, make_settings, manual_market
    from tests.support.faulty_venue import Fault

    MODE, MARKER = sys.argv[1], Path(sys.argv[2])
    ADD = {add!r}


    def quotes(feed, spot, perp):
        feed.push("sim-a", "BTC/USDT", spot - 0.5, spot + 0.5)
        feed.push("sim-b", "BTC/USDT:USDT", perp - 0.5, perp + 0.5)


    async def add_in_flight(engine, spot):
        intents = await engine.bot_history("dca")
        if not any(i.trace_id == ADD and i.status == "pending" for i in intents):
            return None
        orders = [o for o in await engine.bot_orders("dca") if o.trace_id == ADD]
        sent = [o for o in orders if o.venue == "sim-a" and spot.inner_creates[o.client_order_id]]
        ended = [o for o in orders if o.venue == "sim-b" and o.status.is_terminal]
        return orders if len(orders) == 2 and sent and ended else None


    async def main():
        settings = make_settings(**json.loads({settings!r}))
        market, feed, faulty = manual_market(settings, wrap=["sim-a"])
        engine = Engine(settings, market=market)
        await engine.start()
        await eventually(lambda: feed.running, what="the feed to start")
        quotes(feed, 50_000, 50_000)
        await engine.create_bot("spread_dca", json.loads({params!r}), "dca")
        await engine.start_bot("dca")
        quotes(feed, 50_000, 50_150)  # 28 bps: opens
        await asyncio.wait_for(engine.order_gate.idle(), 10)
        opened = engine.bot("dca")
        assert opened.phase == "open", opened
        spot = faulty["sim-a"]
        spot.fail_create(Fault.HANG)  # the add's spot leg: taken by the venue, never answered,
        spot.hold_reports()  # and what the venue reports of it never arrives either
        quotes(feed, 50_000, 50_300)  # 58 bps: adds
        deadline = time.monotonic() + 60
        while (orders := await add_in_flight(engine, spot)) is None:
            assert time.monotonic() < deadline, "the add never got in flight"
            await asyncio.sleep(0.01)
        if MODE == "halted":
            await engine.set_trading_state(TradingState.HALTED, "halted before the kill")
        await engine.flush_records()
        marker = {{
            "add": sorted(o.client_order_id for o in orders),
            "open_position": opened.position,
        }}
        MARKER.with_suffix(".tmp").write_text(json.dumps(marker))
        os.replace(MARKER.with_suffix(".tmp"), MARKER)
        await asyncio.Event().wait()  # until the parent kills us


    asyncio.run(main())
    """
)


def run_child(home: Path, tmp_path: Path, mode: str) -> dict[str, Any]:
    """Run the child until its marker appears, then SIGKILL it; the marker's content."""
    script = tmp_path / "child.py"
    script.write_text(
        CHILD.format(
            root=str(ROOT), settings=json.dumps(SETTINGS), params=json.dumps(PARAMS), add=ADD
        )
    )
    marker = tmp_path / "add-in-flight.json"
    env = {**os.environ, "ARBDESK_HOME": str(home), "PYTHONPATH": str(ROOT)}
    with (tmp_path / "child.err").open("w") as err:
        child = subprocess.Popen(
            [sys.executable, str(script), mode, str(marker)],
            stdin=subprocess.DEVNULL,
            stdout=err,
            stderr=err,
            env=env,
            cwd=ROOT,
        )
        try:
            deadline = time.monotonic() + 120  # a bound, not a measurement
            while not marker.exists():
                failed = child.poll() is not None or time.monotonic() > deadline
                assert not failed, (tmp_path / "child.err").read_text()[-3000:]
                time.sleep(0.02)
            os.kill(child.pid, signal.SIGKILL)
            child.wait(timeout=30)
        finally:
            if child.poll() is None:
                child.kill()
                child.wait()
    assert child.returncode == -signal.SIGKILL, (tmp_path / "child.err").read_text()[-3000:]
    data: dict[str, Any] = json.loads(marker.read_text())
    return data


async def records_after_crash(home: Path) -> tuple[list[IntentRow], list[Order], int]:
    """The store as the crash left it: pending intents, the journal, the last audit entry."""
    store = Store(sqlite_url(home / "data" / "arbdesk.sqlite"))
    await store.open()
    try:
        pending = await store.run(repo.pending_intents, None)
        journal = await store.run(repo.orders_by_origin, "bot:dca")
        audit = await store.run(repo.load_audit)
    finally:
        await store.close()
    return pending, journal, max((e.id or 0) for e in audit)


def venue_creates(home: Path, cids: Sequence[str]) -> dict[str, int]:
    """How many orders the paper venues' own file holds for each client order id."""
    db = sqlite3.connect(home / "data" / "paper.sqlite")
    try:
        return {
            cid: int(
                db.execute(
                    "SELECT COUNT(*) FROM paper_orders WHERE client_order_id = ?", (cid,)
                ).fetchone()[0]
            )
            for cid in cids
        }
    finally:
        db.close()


def venue_fills(home: Path, cid: str) -> int:
    db = sqlite3.connect(home / "data" / "paper.sqlite")
    try:
        row = db.execute(
            "SELECT COUNT(*) FROM paper_fills WHERE client_order_id = ?", (cid,)
        ).fetchone()
    finally:
        db.close()
    return int(row[0])


async def restart() -> tuple[Engine, ManualFeed, dict[str, FaultyVenue], Store]:
    settings = make_settings(**SETTINGS)
    market, feed, faulty = manual_market(settings, wrap=["sim-a", "sim-b"])
    store = engine_store(settings)
    engine = Engine(settings, market=market, store=store)
    await engine.start()
    await eventually(lambda: feed.running, what="the feed to start")
    return engine, feed, faulty, store


def quotes(feed: ManualFeed, spot: float, perp: float) -> None:
    feed.push("sim-a", "BTC/USDT", spot - 0.5, spot + 0.5)
    feed.push("sim-b", "BTC/USDT:USDT", perp - 0.5, perp + 0.5)


async def settle(engine: Engine) -> None:
    await asyncio.wait_for(engine.order_gate.idle(), 10)


def held(orders: Sequence[Order]) -> tuple[Decimal, Decimal]:
    """(spot bought on sim-a, perpetual sold on sim-b) net of the orders' fills."""
    long = sum(
        (o.filled_qty * (1 if o.side is Side.BUY else -1) for o in orders if o.venue == "sim-a"),
        Decimal(0),
    )
    short = sum(
        (o.filled_qty * (1 if o.side is Side.SELL else -1) for o in orders if o.venue == "sim-b"),
        Decimal(0),
    )
    return long, short


def position_text(long: Decimal, short: Decimal) -> str:
    spot, perp = f"{long.normalize():f}", f"{short.normalize():f}"
    return f"long sim-a BTC/USDT {spot} / short sim-b BTC/USDT:USDT {perp}"


async def session_audit(store: Store, after_id: int) -> list[AuditEntry]:
    entries = await store.run(repo.load_audit)
    return [e for e in entries if (e.id or 0) > after_id]


async def assert_settled_as_the_add_left_it(
    engine: Engine, faulty: dict[str, FaultyVenue], add_cids: list[str], opened: str
) -> list[Order]:
    """The pending add was settled from its journaled orders, none sent again."""
    view = engine.bot("dca")
    orders = list(await engine.bot_orders("dca"))
    assert {o.trace_id for o in orders} == {OPEN, ADD}  # nothing new
    assert all(o.status is OrderStatus.FILLED for o in orders), orders
    long, short = held(orders)
    assert (long, short) == (2 * QTY, 2 * QTY)  # the opening and the add, both legs
    assert (view.phase, view.cycle, view.position) == ("open", 1, position_text(long, short))
    assert view.position != opened
    assert view.pnl.trades == 4 and view.orders == 4
    intents = {i.trace_id: i for i in await engine.bot_history("dca")}
    assert {t: i.status for t, i in intents.items()} == {OPEN: "done", ADD: "done"}
    result = intents[ADD].result
    assert result is not None and result["complete"] and not result["residual"]
    assert sorted(cid for leg in result["legs"] for cid in leg["orders"]) == add_cids
    assert [leg["filled"] for leg in result["legs"]] == [str(QTY), str(QTY)]
    for venue in faulty.values():  # nothing was sent by the restart itself
        assert venue.create_calls == 0 and not venue.inner_creates
    return orders


@pytest.mark.slow
async def test_killed_during_an_add_the_bot_resumes_in_the_state_the_add_left(
    arbdesk_home: Path, tmp_path: Path
) -> None:
    child = run_child(arbdesk_home, tmp_path, "active")
    add_cids: list[str] = child["add"]
    pending, journal, last_audit = await records_after_crash(arbdesk_home)
    assert [(i.trace_id, i.status) for i in pending] == [(ADD, "pending")]
    assert sorted(o.client_order_id for o in journal if o.trace_id == ADD) == add_cids
    crashed = {o.venue: o for o in journal if o.trace_id == ADD}
    assert crashed["sim-b"].status is OrderStatus.FILLED
    assert crashed["sim-a"].status is OrderStatus.PENDING_SUBMIT  # its answer never came back
    assert venue_fills(arbdesk_home, crashed["sim-a"].client_order_id) == 1  # the venue filled it
    before = [o.client_order_id for o in journal]
    assert venue_creates(arbdesk_home, before) == dict.fromkeys(before, 1)

    engine, feed, faulty, store = await restart()
    try:
        report = engine.last_reconciliation
        assert report is not None and report.ok, report
        (spot_venue,) = [v for v in report.venues if v.venue == "sim-a"]
        assert spot_venue.fills_added == 1  # the add's spot fill, learned from the venue
        assert engine.trading_state is TradingState.ACTIVE
        assert engine.bot("dca").status is BotStatus.RUNNING
        await assert_settled_as_the_add_left_it(engine, faulty, add_cids, child["open_position"])

        quotes(feed, 50_000, 50_300)  # the add's level again: the add is done, max_adds is 1
        await settle(engine)
        assert faulty["sim-a"].create_calls == faulty["sim-b"].create_calls == 0
        quotes(feed, 50_000, 50_010)  # ~2 bps: takes profit on both legs, the whole position
        await settle(engine)
        view = engine.bot("dca")
        assert (view.phase, view.cycle, view.position) == ("flat", 2, "flat")
        (cycle,) = view.cycles
        assert (cycle.adds, cycle.exit_reason) == (1, "take_profit")
        closing = [o for o in await engine.bot_orders("dca") if o.trace_id == CLOSE]
        assert sorted((o.venue, o.side, o.filled_qty) for o in closing) == [
            ("sim-a", Side.SELL, 2 * QTY),
            ("sim-b", Side.BUY, 2 * QTY),
        ]
        assert engine.positions() == ()

        # each order reached its venue once; none from before the crash again
        for venue in faulty.values():
            assert set(venue.inner_creates.values()) == {1}
            assert not set(venue.inner_creates) & set(before)

        # no bot order before this session's reconciliation passed
        await engine.flush_records()
        audit = await session_audit(store, last_audit)
        (reconciled,) = [e for e in audit if e.action == "reconciliation"]
        assert reconciled.detail["ok"] is True
        submits = [e for e in audit if e.action == "order_submit" and e.actor == "bot:dca"]
        assert [e.trace_id for e in submits] == [CLOSE, CLOSE]
        assert all((e.id or 0) > (reconciled.id or 0) for e in submits)
    finally:
        await engine.stop()
    everything = [o.client_order_id for o in journal] + [o.client_order_id for o in closing]
    assert venue_creates(arbdesk_home, everything) == dict.fromkeys(everything, 1)


@pytest.mark.slow
async def test_halted_before_the_kill_the_bot_is_settled_and_sends_nothing(
    arbdesk_home: Path, tmp_path: Path
) -> None:
    child = run_child(arbdesk_home, tmp_path, "halted")
    add_cids: list[str] = child["add"]
    pending, journal, last_audit = await records_after_crash(arbdesk_home)
    assert [(i.trace_id, i.status) for i in pending] == [(ADD, "pending")]

    engine, feed, faulty, store = await restart()
    try:
        assert engine.trading_state is TradingState.HALTED
        report = engine.last_reconciliation
        assert report is not None and report.ok, report
        await assert_settled_as_the_add_left_it(engine, faulty, add_cids, child["open_position"])
        assert engine.bot("dca").status is BotStatus.STOPPED  # a halt stops every bot

        quotes(feed, 50_000, 50_300)  # would add (were the add not done)
        quotes(feed, 50_000, 50_010)  # would take profit
        quotes(feed, 50_000, 50_700)  # would stop out
        await settle(engine)
        for venue in faulty.values():
            assert venue.create_calls == 0
        view = engine.bot("dca")
        assert (view.phase, view.cycle) == ("open", 1)
        assert {o.trace_id for o in await engine.bot_orders("dca")} == {OPEN, ADD}
        await engine.flush_records()
        audit = await session_audit(store, last_audit)
        assert not [e for e in audit if e.action == "order_submit"]
    finally:
        await engine.stop()
    before = [o.client_order_id for o in journal]
    assert venue_creates(arbdesk_home, before) == dict.fromkeys(before, 1)
