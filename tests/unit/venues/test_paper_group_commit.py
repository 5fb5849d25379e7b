"""Group commit of the paper venue's books: orders placed in one pass of the loop share one
transaction, and no acknowledgement or report leaves before its commit."""

from __future__ import annotations

import asyncio
import sqlite3
from decimal import Decimal
from pathlib import Path

import pytest
from test_paper_store import make
from test_paper_support import STARTING, VENUE, Recorder, order, quote

from app.core.accounting import Balance
from app.core.clock import ManualClock
from app.core.orders import OrderStatus
from app.venues.errors import OrderRejected
from app.venues.paper import PaperVenue
from app.venues.paper_store import PaperStateStore

D = Decimal
S = OrderStatus


def on_disk(path: Path, cid: str) -> str | None:
    """The order's status as another connection (another process) would read it."""
    with sqlite3.connect(path) as db:
        row = db.execute(
            "SELECT status FROM paper_orders WHERE client_order_id = ?", (cid,)
        ).fetchone()
    return None if row is None else str(row[0])


async def started(path: Path) -> tuple[PaperStateStore, PaperVenue, Recorder]:
    store = PaperStateStore(path)
    venue = make(store)
    recorder = Recorder()
    venue.set_listener(recorder)
    await venue.connect()
    venue.on_quote(quote(bid=99.0, ask=100.0))
    return store, venue, recorder


async def test_orders_of_one_pass_share_one_commit_and_each_ack_follows_it(
    tmp_path: Path,
) -> None:
    path = tmp_path / "paper.sqlite"
    store, venue, _ = await started(path)
    before = store.commits
    seen_at_ack: dict[str, str | None] = {}

    async def place(i: int) -> None:
        cid = f"g{i}"
        ack = await venue.create_order(order("buy", "0.1", str(90 + i), cid=cid))
        assert ack.status is S.OPEN
        seen_at_ack[cid] = on_disk(path, cid)

    await asyncio.gather(*(place(i) for i in range(8)))
    assert store.commits == before + 1  # eight orders, one transaction
    assert seen_at_ack == {f"g{i}": "OPEN" for i in range(8)}  # each on disk at its ack
    store.close()


async def test_reports_come_after_the_commit_in_order(tmp_path: Path) -> None:
    path = tmp_path / "paper.sqlite"
    store, venue, _ = await started(path)
    reported: list[tuple[str, str | None]] = []

    class Checking(Recorder):
        def on_order(self, o: object) -> None:
            cid = o.client_order_id  # type: ignore[attr-defined]
            reported.append((cid, on_disk(path, cid)))

    venue.set_listener(Checking())
    await asyncio.gather(
        venue.create_order(order("buy", "0.1", "95", cid="r1")),
        venue.create_order(order("buy", "0.1", "96", cid="r2")),
    )
    assert reported == [("r1", "OPEN"), ("r2", "OPEN")]
    store.close()


async def test_a_duplicate_id_staged_in_the_same_pass_is_refused(tmp_path: Path) -> None:
    store, venue, _ = await started(tmp_path / "paper.sqlite")
    first = asyncio.create_task(venue.create_order(order("buy", "0.1", "95", cid="dup")))
    await asyncio.sleep(0)  # staged, not yet committed
    with pytest.raises(OrderRejected, match="duplicate"):
        await venue.create_order(order("buy", "0.1", "95", cid="dup"))
    assert (await first).status is S.OPEN
    store.close()


async def test_reads_from_outside_commit_what_is_staged_first(tmp_path: Path) -> None:
    path = tmp_path / "paper.sqlite"
    store, venue, _ = await started(path)
    placing = asyncio.create_task(venue.create_order(order("buy", "0.1", "95", cid="st1")))
    await asyncio.sleep(0)
    assert store.has_staged
    open_orders = await venue.fetch_open_orders()
    assert [o.client_order_id for o in open_orders] == ["st1"]
    assert on_disk(path, "st1") == "OPEN"  # what was just told is already on disk
    await placing
    store.close()


async def test_a_failed_commit_fails_the_operations_and_reports_nothing(tmp_path: Path) -> None:
    path = tmp_path / "paper.sqlite"
    store, venue, recorder = await started(path)
    reported_before = len(recorder.orders)
    with sqlite3.connect(path) as db:  # the file itself refuses the write (as a full disk would)
        db.execute(
            "CREATE TRIGGER refuse BEFORE INSERT ON paper_orders "
            "BEGIN SELECT RAISE(ABORT, 'disk I/O error (injected)'); END"
        )
    with pytest.raises(sqlite3.DatabaseError, match="injected"):
        await venue.create_order(order("buy", "0.1", "95", cid="lost"))
    assert len(recorder.orders) == reported_before
    store.close()


async def test_a_restart_finds_every_acknowledged_order(tmp_path: Path) -> None:
    path = tmp_path / "paper.sqlite"
    store, venue, _ = await started(path)
    acks = await asyncio.gather(
        *(venue.create_order(order("buy", "0.1", str(90 + i), cid=f"k{i}")) for i in range(5))
    )
    # no close: as after a crash, only what was committed is there
    again = PaperVenue(
        VENUE, venue.instruments(), starting_balances=STARTING,
        store=PaperStateStore(path), clock=ManualClock(9),
    )  # fmt: skip
    await again.connect()
    assert {o.client_order_id for o in await again.fetch_open_orders()} == {
        a.client_order_id for a in acks
    }
    store.close()


async def test_filling_orders_of_one_pass_share_a_commit_and_all_survive_a_restart(
    tmp_path: Path,
) -> None:
    """One commit holds many operations that rewrite the same balances, position and counters
    (written once each, the last version): after a restart the books are exactly as before."""
    path = tmp_path / "paper.sqlite"
    store, venue, _ = await started(path)
    venue.on_quote(quote(ask=100.0, ask_qty=50))
    venue.on_quote(quote("BTC/USDT:USDT", bid=99.9, ask=100.0, bid_qty=50, ask_qty=50))
    before = store.commits
    spot = [order("buy", "0.1", "101", cid=f"s{i}") for i in range(6)]
    perp = [
        order("buy" if i % 2 else "sell", "0.5", "100" if i % 2 else "99", cid=f"p{i}")
        for i in range(6)
    ]
    perp = [
        type(o)(o.client_order_id, o.venue, "BTC/USDT:USDT", o.side, o.type, o.quantity, o.price)
        for o in perp
    ]
    acks = await asyncio.gather(*(venue.create_order(o) for o in spot + perp))
    assert store.commits == before + 1  # twelve filling orders, one transaction
    assert {a.status for a in acks} == {S.FILLED}
    balances = await venue.fetch_balances()
    positions = await venue.fetch_positions()
    fills = await venue.fetch_fills()
    assert len(fills) == 12 and balances["BTC"].total == D(1) + D("0.6")  # fees in USDT
    store.close()

    store = PaperStateStore(path)
    again = make(store)
    await again.connect()
    assert await again.fetch_balances() == balances
    assert await again.fetch_positions() == positions
    assert await again.fetch_fills() == fills
    for o in spot + perp:
        found = await again.fetch_order(o.client_order_id, o.symbol)
        assert found is not None and found.status is S.FILLED
    # trade ids and order sequence numbers carry on from the last version written
    again.on_quote(quote(ask=100.0, ask_qty=50))
    venue_next = await again.create_order(order("buy", "0.1", "101", cid="after"))
    assert venue_next.venue_order_id == f"{VENUE}-13"
    assert (await again.fetch_fills())[-1].trade_id == "13"
    store.close()


async def test_a_reset_in_the_same_commit_keeps_its_place(tmp_path: Path) -> None:
    """Writes staged before a reset land before its deletes; those after it, after them."""
    path = tmp_path / "paper.sqlite"
    store, venue, _ = await started(path)
    venue.on_quote(quote(ask=100.0, ask_qty=50))
    await venue.create_order(order("buy", "0.1", "101", cid="before"))
    store.stage(VENUE, balances=[Balance("XRP", D(5))])
    venue.reset()  # a save: the staged balance, then the deletes, then the starting balances
    assert await venue.fetch_balances() == {k: Balance(k, v) for k, v in STARTING.items()}
    store.close()
    with PaperStateStore(path) as store:
        again = make(store)
        await again.connect()
        assert await again.fetch_balances() == {k: Balance(k, v) for k, v in STARTING.items()}
