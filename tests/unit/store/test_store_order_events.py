"""The order journal's events: appended in order, read back exactly, written with their order."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import Connection, Engine, inspect, select, text

from app.core.orders import Order, OrderEvent, OrderStatus, OrderType, Side
from app.store import repositories as repo
from app.store.engine import create_store_engine
from app.store.migrate import current_revision, downgrade, migrate
from app.store.schema import order_events

D = Decimal
S = OrderStatus


def _order(coid: str = "c-1", status: OrderStatus = S.NEW, filled: str = "0") -> Order:
    return Order(
        client_order_id=coid,
        venue="sim-a",
        symbol="BTC/USDT",
        side=Side.BUY,
        type=OrderType.LIMIT,
        quantity=D("0.30"),
        price=D("65000.10"),
        origin="bot:3",
        status=status,
        filled_qty=D(filled),
        created_ns=10,
        updated_ns=10,
        trace_id="t-9",
    )


def _event(
    coid: str, ts_ns: int, action: str, status: OrderStatus, filled: str = "0", detail: str = ""
) -> OrderEvent:
    actor = "bot:3" if action == "submit" else "venue"
    return OrderEvent(coid, ts_ns, actor, action, status, D(filled), detail)


HISTORY = [
    _event("c-1", 30, "submit", S.PENDING_SUBMIT),
    # out of time order on purpose: the journal keeps the order of appending, not of the clock
    _event("c-1", 20, "venue_update", S.OPEN, detail="accepted: venue id 77"),
    _event("c-1", 40, "fill", S.PARTIALLY_FILLED, "0.10"),
    _event("c-1", 40, "fill", S.FILLED, "0.30", detail="trade t-2\nlast"),
]


def test_events_round_trip_exactly_in_append_order(conn: Connection) -> None:
    repo.save_order_events(conn, HISTORY[:2])
    repo.save_order_events(conn, [_event("c-2", 1, "submit", S.PENDING_SUBMIT)])
    repo.save_order_events(conn, HISTORY[2:])
    loaded = repo.load_order_events(conn, "c-1")
    assert loaded == HISTORY
    assert [str(e.filled_qty) for e in loaded] == ["0", "0", "0.10", "0.30"]  # digits kept
    assert repo.load_order_events(conn, "c-2") == [_event("c-2", 1, "submit", S.PENDING_SUBMIT)]
    assert repo.load_order_events(conn, "nope") == []


def test_identical_events_are_all_kept(conn: Connection) -> None:
    """Append-only: two equal transitions (a repeated venue answer) are two rows, never merged."""
    twice = [_event("c-1", 5, "venue_update", S.OPEN)] * 2
    repo.save_order_events(conn, twice)
    repo.save_order_events(conn, [])
    assert repo.load_order_events(conn, "c-1") == twice


def test_events_are_written_outside_a_begun_transaction_too(engine: Engine) -> None:
    """The plain SQLAlchemy path (no transaction begun yet), not only the SQLite cursor path."""
    with engine.connect() as conn:
        repo.save_order_events(conn, HISTORY)
        conn.commit()
    with engine.connect() as conn:
        assert repo.load_order_events(conn, "c-1") == HISTORY


def test_journal_order_writes_the_state_and_its_event(conn: Connection) -> None:
    repo.journal_order(conn, _order(status=S.PENDING_SUBMIT), HISTORY[0])
    filled = _order(status=S.FILLED, filled="0.30")
    repo.journal_order(conn, filled, HISTORY[3])
    assert repo.load_order(conn, "c-1") == filled
    assert repo.load_order_events(conn, "c-1") == [HISTORY[0], HISTORY[3]]


def test_journal_order_is_undone_with_the_callers_transaction(engine: Engine) -> None:
    with pytest.raises(RuntimeError, match="after the journal"), engine.begin() as conn:
        repo.journal_order(conn, _order(status=S.PENDING_SUBMIT), HISTORY[0])
        raise RuntimeError("after the journal")
    with engine.connect() as conn:
        assert repo.load_order(conn, "c-1") is None
        assert repo.load_order_events(conn, "c-1") == []


def test_a_bad_event_undoes_its_order_row(engine: Engine) -> None:
    """The order and its event are one write: an event that cannot be stored stores neither."""
    bad = _event("c-1", 1, "submit", S.PENDING_SUBMIT, filled="NaN")
    with pytest.raises(Exception, match="finite"), engine.begin() as conn:
        repo.journal_order(conn, _order(status=S.PENDING_SUBMIT), bad)
    with engine.connect() as conn:
        assert repo.load_order(conn, "c-1") is None
        assert conn.execute(select(order_events)).all() == []


# -- migration 0006 ------------------------------------------------------------------------------


def test_migration_adds_the_events_table_over_old_rows(db_url: str) -> None:
    engine = create_store_engine(db_url)
    migrate(engine, "0005")
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO orders VALUES ('c1', 'sim-a', 'BTC/USDT', 'buy', 'limit', 'GTC',"
                " '0.1', '65000.5', 'OPEN', '0', NULL, NULL, 0, 'bot:3', NULL, 1, 2, 't-1')"
            )
        )
    migrate(engine, "0006")
    assert current_revision(engine) == "0006"
    insp = inspect(engine)
    assert {tuple(i["column_names"]) for i in insp.get_indexes("orders")} == {
        ("status",),
        ("venue", "symbol"),
    }
    assert {tuple(i["column_names"]) for i in insp.get_indexes("order_events")} == {
        ("client_order_id", "id")
    }
    with engine.begin() as conn:
        order = repo.load_order(conn, "c1")
        assert order is not None and order.origin == "bot:3" and order.trace_id == "t-1"
        assert repo.load_order_events(conn, "c1") == []
        repo.save_order_events(conn, HISTORY)

    downgrade(engine, "0005")
    insp = inspect(engine)
    assert "order_events" not in insp.get_table_names()
    assert {tuple(i["column_names"]) for i in insp.get_indexes("orders")} == {
        ("status",),
        ("venue", "symbol"),
    }
    with engine.connect() as conn:
        assert repo.load_order(conn, "c1") == order
    engine.dispose()
