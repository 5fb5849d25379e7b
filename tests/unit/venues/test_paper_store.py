"""The paper venue's own persistence: restart, several venues per file, reset."""

from __future__ import annotations

import sqlite3
from decimal import Decimal
from pathlib import Path

import pytest
from test_paper_support import PERP, SPOT, STARTING, VENUE, Recorder, order, quote

from app.core.accounting import Balance
from app.core.clock import ManualClock
from app.core.orders import Liquidity, OrderStatus
from app.venues.errors import OrderRejected
from app.venues.paper import PaperVenue
from app.venues.paper_store import OrderRecord, PaperStateStore

D = Decimal


def make(store: PaperStateStore, name: str = VENUE) -> PaperVenue:
    instruments = [
        type(SPOT)(name, i.symbol, i.base, i.quote, i.kind, i.tick_size, i.step_size,
                   i.min_qty, i.min_notional, i.contract_size, i.maker_fee, i.taker_fee,
                   i.settle, i.inverse)
        for i in (SPOT, PERP)
    ]  # fmt: skip
    return PaperVenue(
        name, instruments, starting_balances=STARTING, store=store, clock=ManualClock(7)
    )


async def trade(venue: PaperVenue) -> None:
    """Leave an open order, a partial fill, a perpetual position and some fees behind."""
    venue.on_quote(quote(ask=100.0, ask_qty=0.3, venue=venue.name))
    await venue.create_order(order("buy", "1", "101", cid="rests", venue=venue.name))
    await venue.create_order(order("sell", "0.2", "150", cid="sells", venue=venue.name))
    venue.on_quote(quote(PERP.symbol, bid=99.9, ask=100.0, ask_qty=9, venue=venue.name))
    await venue.create_order(order("buy", "1.5", symbol=PERP.symbol, venue=venue.name))
    venue.apply_funding(PERP.symbol, 0.000123, 100.05)


async def test_state_survives_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "paper.sqlite"
    store = PaperStateStore(path)
    first = make(store)
    await first.connect()
    await trade(first)
    orders = await first.fetch_open_orders()
    balances = await first.fetch_balances()
    positions = await first.fetch_positions()
    fills = await first.fetch_fills()
    assert len(orders) == 2 and len(positions) == 1 and len(fills) == 2
    await first.close()
    store.close()

    store = PaperStateStore(path)
    second = make(store)
    await second.connect()
    assert await second.fetch_open_orders() == orders
    assert await second.fetch_balances() == balances
    assert await second.fetch_positions() == positions
    assert await second.fetch_fills() == fills
    assert balances["USDT"].locked > 0 and balances["BTC"].locked == D("0.2")
    # The restored order still rests in the book and trade ids carry on.
    second.on_quote(quote(ask=100.5, ask_qty=5))
    new = (await second.fetch_fills())[-1]
    assert (new.client_order_id, new.qty, new.liquidity) == ("rests", D("0.7"), Liquidity.MAKER)
    assert new.trade_id == "3"
    store.close()


async def test_a_new_venue_on_an_existing_file_starts_fresh_and_venues_stay_apart(
    tmp_path: Path,
) -> None:
    path = tmp_path / "paper.sqlite"
    with PaperStateStore(path) as store:
        a = make(store, "sim-a")
        await a.connect()
        await trade(a)
        b = make(store, "sim-b")
        await b.connect()
        assert await b.fetch_balances() == {k: Balance(k, v) for k, v in STARTING.items()}
        assert await b.fetch_fills() == []
        await b.create_order(order("sell", "0.5", "200", cid="rests", venue="sim-b"))
        a_fills = await a.fetch_fills()
    with PaperStateStore(path) as store:
        a, b = make(store, "sim-a"), make(store, "sim-b")
        await a.connect()
        await b.connect()
        assert await a.fetch_fills() == a_fills
        [b_order] = await b.fetch_open_orders()
        assert (b_order.venue, b_order.side.value) == ("sim-b", "sell")
        assert (await b.fetch_balances())["BTC"].locked == D("0.5")
        assert (await a.fetch_order("rests", SPOT.symbol)).venue == "sim-a"  # type: ignore[union-attr]


async def test_decimals_are_stored_exactly_as_text(tmp_path: Path) -> None:
    path = tmp_path / "paper.sqlite"
    with PaperStateStore(path) as store:
        venue = make(store)
        await venue.connect()
        await trade(venue)
        total = (await venue.fetch_balances())["USDT"].total
    db = sqlite3.connect(path)
    [(text, kind)] = db.execute(
        "SELECT total, typeof(total) FROM paper_balances WHERE venue = ? AND asset = 'USDT'",
        (VENUE,),
    ).fetchall()
    assert kind == "text" and D(text) == total
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    db.close()


async def test_reset_restores_starting_balances_and_keeps_history(
    tmp_path: Path,
) -> None:
    path = tmp_path / "paper.sqlite"
    store = PaperStateStore(path)
    venue = make(store)
    recorder = Recorder()
    venue.set_listener(recorder)
    await venue.connect()
    await trade(venue)
    fills = await venue.fetch_fills()
    recorder.clear()

    venue.reset()
    assert await venue.fetch_open_orders() == []
    assert await venue.fetch_positions() == []
    assert await venue.fetch_balances() == {k: Balance(k, v) for k, v in STARTING.items()}
    assert await venue.fetch_fills() == fills
    canceled = [o for o in recorder.orders if o.status is OrderStatus.CANCELED]
    assert {o.client_order_id for o in canceled} == {"rests", "sells"}
    assert all(o.reason == "paper account reset" for o in canceled)
    assert [(p.instrument_id.symbol, p.qty) for _, p in recorder.positions] == [(PERP.symbol, D(0))]
    assert {b.asset for _, b in recorder.balances} == {"USDT", "BTC", "ETH"}
    # New trades after the reset never reuse a trade id.
    venue.on_quote(quote(ask=100.0))
    await venue.create_order(order("buy", "0.1"))
    assert (await venue.fetch_fills())[-1].trade_id == "3"
    store.close()

    with PaperStateStore(path) as store:
        again = make(store)
        await again.connect()
        assert await again.fetch_positions() == []
        assert await again.fetch_open_orders() == []
        assert len(await again.fetch_fills()) == 3


async def test_memory_store_is_per_instance() -> None:
    with PaperStateStore(":memory:") as store:
        venue = make(store)
        await venue.connect()
        assert store.load(VENUE) is not None
        assert store.load("other") is None


async def test_duplicate_id_of_an_order_ended_before_a_restart_is_refused(tmp_path: Path) -> None:
    """The ids of the duplicate check are read from the file: an id from a past session counts."""
    path = tmp_path / "paper.sqlite"
    store = PaperStateStore(path)
    first = make(store)
    await first.connect()
    await first.create_order(order("buy", "0.1", "50", cid="old", venue=first.name))
    await first.cancel_order("old", SPOT.symbol)
    await first.close()
    store.close()

    store = PaperStateStore(path)
    second = make(store)
    await second.connect()
    assert store.has_order(VENUE, "old") and not store.has_order(VENUE, "never-seen")
    with pytest.raises(OrderRejected, match="duplicate client order id old"):
        await second.create_order(order("buy", "0.1", "50", cid="old", venue=second.name))
    await second.create_order(order("buy", "0.1", "50", cid="new", venue=second.name))
    assert store.has_order(VENUE, "new")
    with pytest.raises(OrderRejected, match="duplicate client order id new"):
        await second.create_order(order("buy", "0.1", "50", cid="new", venue=second.name))
    await second.close()
    store.close()


def test_staged_ids_count_at_once_and_a_failed_commit_forgets_them(tmp_path: Path) -> None:
    path = tmp_path / "paper.sqlite"
    with PaperStateStore(path) as store:
        store.save(VENUE, orders=[OrderRecord(order("buy", "0.1", "50", cid="a"), 1)])
        other = sqlite3.connect(path)  # the disk refuses the next order row
        other.execute(
            "CREATE TRIGGER refuse BEFORE INSERT ON paper_orders WHEN NEW.client_order_id = 'b' "
            "BEGIN SELECT RAISE(ABORT, 'injected: disk full'); END"
        )
        other.commit()
        other.close()
        store.stage(VENUE, orders=[OrderRecord(order("buy", "0.1", "49", cid="b"), 2)])
        assert store.has_order(VENUE, "b")  # staged: a second order "b" is already a duplicate
        with pytest.raises(sqlite3.DatabaseError, match="disk full"):
            store.commit()
        assert store.has_order(VENUE, "a")
        assert not store.has_order(VENUE, "b")  # rolled back: the id is free again
        assert store.order(VENUE, "b") is None
