"""SIGKILL between the journal write and the venue's answer, then a restart on the same data.

A child process runs the engine on the simulated market with persistent paper venues, places one
order normally, then sends a second through a venue wrapper that kills the process:

- before the request leaves (the order is in the journal, the venue never got it): after the
  restart reconciliation rejects it as never having reached the venue, and the venue has no trace;
- after the venue accepted and saved it, before the answer came back: after the restart
  reconciliation finds it on the venue exactly once, resting or filled as its price says, the
  journal agrees, its fill is recorded once, and nothing is sent again.

Either way the order ids handed out after the restart never repeat one from before the crash.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from app.core.client_ids import PREFIX
from app.core.orders import Order, OrderRequest, OrderStatus, Side
from app.core.trading_state import TradingState
from app.engine.engine import Engine
from app.store import repositories as repo
from app.store.engine import sqlite_url
from app.store.store import Store
from tests.support.engines import make_settings, sim_market, wait_for_quotes
from tests.support.faulty_venue import FaultyVenue
from tests.support.stores import engine_store

ROOT = Path(__file__).resolve().parents[2]
S = OrderStatus
VENUE, SYMBOL = "sim-a", "BTC/USDT"
QTY = Decimal("0.0002")
SETTINGS: dict[str, Any] = {"risk": {"limits": {"price_band_bps": 5000}}}

CHILD = textwrap.dedent(
    """
    import asyncio, json, sys
    from decimal import Decimal

    sys.path.insert(0, {root!r})
    from app.core.orders import OrderRequest, Side
    from app.engine.engine import Engine
    from tests.support.engines import make_settings, sim_market, wait_for_quotes
    from tests.support.faulty_venue import Fault, FaultyVenue

    MODE, PRICE_KIND = sys.argv[1], sys.argv[2]


    async def main() -> None:
        settings = make_settings(**json.loads({settings!r}))
        market, faulty = sim_market(
            settings, wrap=[{venue!r}], factory=lambda v: FaultyVenue(v, drop_reports=True)
        )
        engine = Engine(settings, market=market)
        await engine.start()
        await wait_for_quotes(engine, [({venue!r}, {symbol!r})])
        quote = engine.quote({venue!r}, {symbol!r})
        qty = Decimal({qty!r})
        resting = Decimal(f"{{quote.bid * 0.7:.2f}}")
        request = OrderRequest({venue!r}, {symbol!r}, Side.BUY, qty, resting)
        first = await engine.submit_order(request)
        assert first.status.value == "OPEN", first
        price = resting - 1 if PRICE_KIND == "resting" else Decimal(f"{{quote.ask * 1.01:.2f}}")
        print(json.dumps({{"prior": [first.client_order_id], "price": str(price)}}), flush=True)
        faulty[{venue!r}].fail_create(Fault(MODE))
        await engine.submit_order(OrderRequest({venue!r}, {symbol!r}, Side.BUY, qty, price))
        print("still alive", flush=True)  # never: the wrapper killed the process


    asyncio.run(main())
    """
)


def run_child(home: Path, tmp_path: Path, mode: str, price_kind: str) -> dict[str, Any]:
    script = tmp_path / "child.py"
    script.write_text(
        CHILD.format(
            root=str(ROOT),
            settings=json.dumps(SETTINGS),
            venue=VENUE,
            symbol=SYMBOL,
            qty=str(QTY),
        )
    )
    env = {**os.environ, "ARBDESK_HOME": str(home), "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, str(script), mode, price_kind],
        capture_output=True,
        text=True,
        timeout=90,
        env=env,
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        check=False,
    )
    assert result.returncode == -signal.SIGKILL, (result.returncode, result.stderr[-3000:])
    assert "still alive" not in result.stdout
    data: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return data


async def journal_after_crash(home: Path) -> list[Order]:
    store = Store(sqlite_url(home / "data" / "arbdesk.sqlite"))
    await store.open()
    try:
        return await store.run(repo.load_orders)
    finally:
        await store.close()


def venue_rows(home: Path, cid: str) -> tuple[int, int]:
    """How many orders and fills the paper venue's own file holds for ``cid``."""
    db = sqlite3.connect(home / "data" / "paper.sqlite")
    try:
        orders = db.execute(
            "SELECT COUNT(*) FROM paper_orders WHERE venue = ? AND client_order_id = ?",
            (VENUE, cid),
        ).fetchone()[0]
        fills = db.execute(
            "SELECT COUNT(*) FROM paper_fills WHERE venue = ? AND client_order_id = ?",
            (VENUE, cid),
        ).fetchone()[0]
    finally:
        db.close()
    return int(orders), int(fills)


def seq(cid: str) -> int:
    assert cid.startswith(PREFIX)
    return int(cid[len(PREFIX) :], 36)


async def restart(home: Path) -> tuple[Engine, FaultyVenue, Store]:
    """The engine started again on the same data folder, with its venue and store."""
    settings = make_settings(**SETTINGS)
    market, faulty = sim_market(settings, wrap=[VENUE])
    store = engine_store(settings)
    engine = Engine(settings, market=market, store=store)
    await engine.start()
    return engine, faulty[VENUE], store


async def audit_chain_intact(engine: Engine, store: Store) -> None:
    """What the crash cut off was never written; what was written still chains."""
    await engine.flush_records()
    assert (await store.run(repo.verify_audit_chain)).ok


def known(engine: Engine, cid: str) -> Order:
    order = engine.order(cid)
    assert order is not None, f"the engine does not know {cid}"
    return order


def crash_order(journal: list[Order], prior: list[str]) -> Order:
    (order,) = [o for o in journal if o.client_order_id not in prior]
    return order


async def submit_after_restart(engine: Engine, journal: list[Order]) -> None:
    await wait_for_quotes(engine, [(VENUE, SYMBOL)])
    quote = engine.quote(VENUE, SYMBOL)
    assert quote is not None
    price = Decimal(f"{quote.bid * 0.7:.2f}") - 2
    new = await engine.submit_order(OrderRequest(VENUE, SYMBOL, Side.BUY, QTY, price))
    assert new.status is S.OPEN
    before = {o.client_order_id for o in journal}
    assert new.client_order_id not in before
    assert seq(new.client_order_id) > max(seq(cid) for cid in before)


@pytest.mark.slow
async def test_killed_after_the_journal_before_the_venue(
    arbdesk_home: Path, tmp_path: Path
) -> None:
    child = run_child(arbdesk_home, tmp_path, "kill_before_send", "resting")
    journal = await journal_after_crash(arbdesk_home)
    crashed = crash_order(journal, child["prior"])
    assert crashed.status is S.PENDING_SUBMIT  # journaled, and nothing more was learned
    assert venue_rows(arbdesk_home, crashed.client_order_id) == (0, 0)

    engine, venue, store = await restart(arbdesk_home)
    try:
        report = engine.last_reconciliation
        assert report is not None and report.ok, report
        (result,) = [v for v in report.venues if v.venue == VENUE]
        assert result.rejected_unsent == 1
        order = known(engine, crashed.client_order_id)
        assert order.status is S.REJECTED
        assert order.reason is not None and "never reached the venue" in order.reason
        assert await venue.fetch_order(crashed.client_order_id, SYMBOL) is None
        stored = await store.run(repo.load_order, crashed.client_order_id)
        assert stored is not None and stored.status is S.REJECTED
        # the order placed before the crash is still open, on both sides
        (prior,) = child["prior"]
        assert known(engine, prior).status is S.OPEN
        on_venue = [o.client_order_id for o in await venue.fetch_open_orders()]
        assert on_venue == [prior]
        assert engine.trading_state is TradingState.ACTIVE
        await submit_after_restart(engine, journal)
        assert venue.inner_creates[crashed.client_order_id] == 0
        await audit_chain_intact(engine, store)
    finally:
        await engine.stop()
    assert venue_rows(arbdesk_home, crashed.client_order_id) == (0, 0)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("price_kind", "final", "fills"), [("resting", S.OPEN, 0), ("crossing", S.FILLED, 1)]
)
async def test_killed_after_the_venue_accepted_before_the_answer(
    arbdesk_home: Path, tmp_path: Path, price_kind: str, final: OrderStatus, fills: int
) -> None:
    child = run_child(arbdesk_home, tmp_path, "kill_after_send", price_kind)
    journal = await journal_after_crash(arbdesk_home)
    crashed = crash_order(journal, child["prior"])
    cid = crashed.client_order_id
    assert crashed.status is S.PENDING_SUBMIT  # the answer never made it to the journal
    assert str(crashed.price) == child["price"]
    assert venue_rows(arbdesk_home, cid) == (1, fills)  # but the venue has it

    engine, venue, store = await restart(arbdesk_home)
    try:
        report = engine.last_reconciliation
        assert report is not None and report.ok, report
        (result,) = [v for v in report.venues if v.venue == VENUE]
        assert result.rejected_unsent == 0 and result.adopted == 0
        assert result.fills_added == fills
        order = known(engine, cid)
        assert order.status is final and order.origin == "manual"
        truth = await venue.fetch_order(cid, SYMBOL)
        assert truth is not None and truth.status is final
        assert order.filled_qty == truth.filled_qty == (QTY if fills else 0)
        stored = await store.run(repo.load_order, cid)
        assert stored is not None and stored.status is final
        recorded = await store.run(lambda c: repo.load_fills(c, client_order_id=cid))
        on_venue = [f for f in await venue.fetch_fills() if f.client_order_id == cid]
        assert [f.trade_id for f in recorded] == [f.trade_id for f in on_venue]
        assert len(recorded) == fills
        assert engine.trading_state is TradingState.ACTIVE
        await submit_after_restart(engine, journal)
        assert venue.inner_creates[cid] == 0
        await audit_chain_intact(engine, store)
    finally:
        await engine.stop()
    assert venue_rows(arbdesk_home, cid) == (1, fills)  # sent once, filled at most once
