"""Every repository function round-trips the core types exactly (file and in-memory SQLite)."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest
from sqlalchemy import Connection, delete, select, update

from app.core.accounting import Balance, Position
from app.core.audit_chain import GENESIS
from app.core.events import EquityUpdated
from app.core.instruments import InstrumentId
from app.core.orders import (
    Fill,
    Liquidity,
    Order,
    OrderStatus,
    OrderType,
    Side,
    TimeInForce,
)
from app.core.quotes import Quote
from app.store import repositories as repo
from app.store.records import (
    Account,
    AccountExists,
    AccountMode,
    AccountNotFound,
    EquitySnapshot,
    SpreadSample,
)
from app.store.schema import accounts, audit_log, positions

D = Decimal


def _order(coid: str = "c-1", **changes: object) -> Order:
    base = Order(
        client_order_id=coid,
        venue="binance",
        symbol="BTC/USDT:USDT",
        side=Side.SELL,
        type=OrderType.LIMIT,
        quantity=D("0.123456789012345678901234567"),
        price=D("65000.10"),
        time_in_force=TimeInForce.POST_ONLY,
        reduce_only=True,
        origin="bot:xv-1",
        status=OrderStatus.PARTIALLY_FILLED,
        filled_qty=D("0.1") + D("0.2"),
        avg_fill_price=D("64999.99"),
        venue_order_id="987654321",
        reason="partial",
        created_ns=1_700_000_000_000_000_001,
        updated_ns=1_700_000_000_000_000_999,
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def _fill(trade_id: str = "t-1", **changes: object) -> Fill:
    base = Fill(
        venue="binance",
        trade_id=trade_id,
        client_order_id="c-1",
        symbol="BTC/USDT",
        side=Side.BUY,
        price=D("65000.5"),
        qty=D("0.001"),
        fee=D("0.0000001"),
        fee_currency="BNB",
        liquidity=Liquidity.MAKER,
        ts_ns=10,
        venue_order_id="v-9",
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


# -- orders --------------------------------------------------------------------------------------


def test_order_roundtrip_is_exact(conn: Connection) -> None:
    order = _order()
    repo.save_order(conn, order)
    assert repo.load_order(conn, "c-1") == order
    assert repo.load_order(conn, "missing") is None


def test_order_with_nones_and_market_type(conn: Connection) -> None:
    order = Order("c-2", "sim-a", "ETH/USDT", Side.BUY, OrderType.MARKET, D("2"), None)
    repo.save_order(conn, order)
    loaded = repo.load_order(conn, "c-2")
    assert loaded == order
    assert loaded is not None and loaded.price is None and loaded.avg_fill_price is None


def test_save_order_upserts(conn: Connection) -> None:
    order = _order(status=OrderStatus.OPEN, filled_qty=D(0), avg_fill_price=None)
    repo.save_order(conn, order)
    filled = order.with_fill(order.quantity, D("65000.10"), now_ns=order.updated_ns + 5)
    repo.save_order(conn, filled)
    assert repo.load_order(conn, order.client_order_id) == filled
    assert len(repo.load_orders(conn)) == 1


def test_load_orders_filters(conn: Connection) -> None:
    statuses = list(OrderStatus)
    for i, status in enumerate(statuses):
        venue = "binance" if i % 2 else "okx"
        repo.save_order(conn, _order(f"c-{i:02d}", status=status, venue=venue, created_ns=i))
    everything = repo.load_orders(conn)
    assert [o.status for o in everything] == statuses  # oldest first
    open_ = repo.load_orders(conn, open_only=True)
    assert {o.status for o in open_} == {s for s in OrderStatus if s.is_open}
    assert OrderStatus.NEW not in {o.status for o in open_}
    assert all(o.venue == "okx" for o in repo.load_orders(conn, venue="okx"))
    some = repo.load_orders(conn, statuses=[OrderStatus.NEW, OrderStatus.FILLED])
    assert {o.status for o in some} == {OrderStatus.NEW, OrderStatus.FILLED}
    both = repo.load_orders(conn, open_only=True, statuses=[OrderStatus.NEW, OrderStatus.OPEN])
    assert [o.status for o in both] == [OrderStatus.OPEN]
    assert repo.load_orders(conn, statuses=[]) == []


# -- fills ---------------------------------------------------------------------------------------


def test_fill_roundtrip_and_duplicate_is_refused(conn: Connection) -> None:
    fill = _fill()
    assert repo.save_fill(conn, fill) is True
    assert repo.save_fill(conn, dataclasses.replace(fill, qty=D(5))) is False
    assert repo.load_fills(conn) == [fill]
    # Same trade id on another venue is another fill.
    other = _fill(venue="okx", venue_order_id=None, liquidity=Liquidity.TAKER)
    assert repo.save_fill(conn, other) is True
    assert len(repo.load_fills(conn)) == 2


def test_load_fills_filters_and_order(conn: Connection) -> None:
    for i, ts in enumerate([30, 10, 20]):
        repo.save_fill(conn, _fill(f"t-{i}", ts_ns=ts, client_order_id=f"c-{i % 2}"))
    repo.save_fill(conn, _fill("t-x", venue="okx", ts_ns=15, client_order_id="c-9"))
    assert [f.ts_ns for f in repo.load_fills(conn)] == [10, 15, 20, 30]
    assert [f.ts_ns for f in repo.load_fills(conn, since_ns=20)] == [20, 30]
    assert [f.trade_id for f in repo.load_fills(conn, venue="okx")] == ["t-x"]
    assert [f.trade_id for f in repo.load_fills(conn, venue="binance", since_ns=11)] == [
        "t-2",
        "t-0",
    ]
    assert {f.trade_id for f in repo.load_fills(conn, client_order_id="c-1")} == {"t-1"}


# -- positions, balances, equity -------------------------------------------------------------------


def test_positions_roundtrip_and_upsert(conn: Connection) -> None:
    pos = Position(InstrumentId("binance", "BTC/USDT:USDT"), D("-0.5"), D("65000.123456789"))
    repo.upsert_position(conn, pos, now_ns=5)
    other = Position(InstrumentId("okx", "BTC/USD:BTC"), D(100), D("64000"), D("0.001"), D("1E-8"))
    repo.upsert_position(conn, other)
    assert repo.load_positions(conn) == [pos, other]
    flat = dataclasses.replace(pos, qty=D(0), avg_entry=D(0), realized_pnl=D("12.5"))
    repo.upsert_position(conn, flat, now_ns=6)
    assert repo.load_positions(conn, venue="binance") == [flat]
    stored = conn.execute(select(positions)).mappings().all()
    assert {r["updated_ns"] for r in stored if r["venue"] == "binance"} == {6}


def test_position_money_is_stored_at_money_places_and_its_cost_exactly(conn: Connection) -> None:
    """Realized PnL and fees are a record for people: 8 decimals. The cost is the venue's ledger:
    kept to the last digit, so a position read back values exactly as it did."""
    third = D(302) / D(3)
    pos = Position(
        InstrumentId("bybit", "ETH/USDT:USDT"),
        D(2),
        third,
        D("0.14879999999999999999999905"),
        D("0.000000014"),
        D(604) / D(3),
    )
    repo.upsert_position(conn, pos)
    (row,) = conn.execute(select(positions)).mappings().all()
    assert (row["realized_pnl"], row["fees"]) == (D("0.1488"), D("0.00000001"))
    (loaded,) = repo.load_positions(conn)
    assert loaded.cost == pos.cost and str(loaded.cost) == str(pos.cost)
    assert (loaded.qty, loaded.avg_entry) == (pos.qty, pos.avg_entry)
    reported = Position(InstrumentId("bybit", "BTC/USDT:USDT"), D(1), D(100))
    repo.upsert_position(conn, reported)
    assert repo.load_positions(conn, venue="bybit")[0].cost is None  # a venue's report: no cost


def test_equity_snapshots_are_stored_at_money_places(conn: Connection) -> None:
    event = EquityUpdated(1, (("BTC", D("9.168696098884679")),), (("BTC", D("-1E-9")),))
    for snap in repo.equity_snapshots_of(event):
        repo.insert_equity_snapshot(conn, snap)
    (loaded,) = repo.load_equity_snapshots(conn)
    assert (loaded.equity, loaded.pnl) == (D("9.16869610"), D(0))
    assert str(loaded.pnl) == "0E-8"


def test_balances_roundtrip_and_upsert(conn: Connection) -> None:
    repo.upsert_balances(conn, "binance", [Balance("USDT", D("1000.5"), D("0.1") + D("0.2"))])
    repo.upsert_balance(conn, "binance", Balance("BTC", D("0.00000001")))
    repo.upsert_balance(conn, "okx", Balance("USDT", D(7)))
    repo.upsert_balance(conn, "binance", Balance("USDT", D("999"), D("0.3")))
    loaded = repo.load_balances(conn)
    assert loaded == {
        "binance": {
            "BTC": Balance("BTC", D("0.00000001")),
            "USDT": Balance("USDT", D(999), D("0.3")),
        },
        "okx": {"USDT": Balance("USDT", D(7))},
    }
    assert repo.load_balances(conn, venue="okx") == {"okx": {"USDT": Balance("USDT", D(7))}}


def test_equity_snapshots(conn: Connection) -> None:
    event = EquityUpdated(100, (("USDT", D("100000.01")), ("BTC", D("1.5"))), (("USDT", D("-3")),))
    snaps = repo.equity_snapshots_of(event)
    assert snaps == [
        EquitySnapshot(100, "USDT", D("100000.01"), D("-3")),
        EquitySnapshot(100, "BTC", D("1.5"), D(0)),
    ]
    ids = [repo.insert_equity_snapshot(conn, s) for s in snaps]
    repo.insert_equity_snapshot(conn, EquitySnapshot(200, "USDT", D("100001"), D("-2")))
    loaded = repo.load_equity_snapshots(conn)
    assert [dataclasses.replace(s, id=None) for s in loaded[:2]] == snaps
    assert [s.id for s in loaded[:2]] == ids
    assert [s.ts_ns for s in repo.load_equity_snapshots(conn, since_ns=150)] == [200]
    assert len(repo.load_equity_snapshots(conn, currency="USDT")) == 2


# -- spread samples ------------------------------------------------------------------------------


def test_spread_samples(conn: Connection) -> None:
    samples = [
        SpreadSample(t, "sim-a", "BTC/USDT", 100.0 + t, 100.5 + t, 1.5, 2.25) for t in range(5)
    ]
    quote = Quote("sim-a", "BTC/USDT", 0.1, 0.2, 0.30000000000000004, 0.4, received_ns=9)
    assert repo.insert_spread_samples(conn, [*samples, quote]) == 6
    repo.insert_spread_samples(conn, [SpreadSample(3, "sim-b", "BTC/USDT", 1, 2, 3, 4)])
    loaded = repo.load_spread_samples(conn, "sim-a", "BTC/USDT")
    assert [dataclasses.replace(s, id=None) for s in loaded[:5]] == samples
    last = loaded[-1]
    assert (last.ts_ns, last.ask, last.bid_qty) == (9, 0.30000000000000004, 0.2)  # floats exact
    assert [s.ts_ns for s in repo.load_spread_samples(conn, "sim-a", "BTC/USDT", since_ns=3)] == [
        3,
        4,
        9,
    ]
    latest = repo.load_spread_samples(conn, "sim-a", "BTC/USDT", limit=2)
    assert [s.ts_ns for s in latest] == [4, 9]  # the latest two, in time order
    assert len(repo.load_spread_samples(conn, "sim-b", "BTC/USDT")) == 1
    assert repo.load_spread_samples(conn, "nope", "BTC/USDT") == []


# -- audit and settings --------------------------------------------------------------------------


def test_audit(conn: Connection) -> None:
    assert repo.last_audit_hash(conn) == GENESIS
    first = repo.append_audit(conn, "user", "panic", {"flatten": True, "qty": D("0.1")}, ts_ns=5)
    second = repo.append_audit(conn, "engine", "halt", trace_id="tr-1", ts_ns=6)
    assert repo.last_audit_hash(conn) == second != first
    entries = repo.load_audit(conn)
    assert [(e.actor, e.action, e.detail, e.trace_id) for e in entries] == [
        ("user", "panic", {"flatten": True, "qty": "0.1"}, None),
        ("engine", "halt", {}, "tr-1"),
    ]
    ids = [e.id for e in entries]
    assert [e.action for e in repo.load_audit(conn, since_ns=6)] == ["halt"]
    assert [e.action for e in repo.load_audit(conn, action="panic")] == ["panic"]
    assert [e.id for e in repo.load_audit(conn, trace_id="tr-1")] == [ids[1]]
    assert [e.id for e in repo.load_audit(conn, limit=1)] == [ids[0]]
    row = repo.audit_row("user", "keys.add", {"label": "main"}, prev_hash=second)
    assert row["ts_ns"] > 0 and row["detail"] == {"label": "main"}
    assert row["prev_hash"] == second and len(row["hash"]) == 64


def test_audit_chain_names_the_first_broken_entry(conn: Connection) -> None:
    for i in range(5):
        repo.append_audit(conn, "engine", f"step{i}", {"n": i, "px": D("1.5")}, ts_ns=i + 1)
    check = repo.verify_audit_chain(conn)
    assert check.ok and check.entries == 5
    ids = [e.id for e in repo.load_audit(conn)]
    conn.execute(
        update(audit_log).where(audit_log.c.id == ids[2]).values(detail={"n": 99, "px": "1.5"})
    )
    check = repo.verify_audit_chain(conn)
    assert not check.ok and check.first_broken_id == ids[2]
    assert "content" in check.problem
    conn.execute(delete(audit_log).where(audit_log.c.id.in_([ids[2], ids[3]])))
    check = repo.verify_audit_chain(conn)
    assert check.first_broken_id == ids[4] and "chain" in check.problem


def test_settings_json(conn: Connection) -> None:
    assert repo.get_setting(conn, "trading_state") is None
    assert repo.get_setting(conn, "trading_state", "ACTIVE") == "ACTIVE"
    repo.set_setting(conn, "trading_state", "HALTED")
    assert repo.get_setting(conn, "trading_state") == "HALTED"
    value = {"seq": 41, "limits": [1, 2.5], "cap": D("1000.10"), "nested": {"on": False}}
    repo.set_setting(conn, "oms", value, now_ns=3)
    repo.set_setting(conn, "oms", value | {"seq": 42})
    assert repo.get_setting(conn, "oms") == {
        "seq": 42,
        "limits": [1, 2.5],
        "cap": "1000.10",
        "nested": {"on": False},
    }
    repo.set_setting(conn, "nothing", None)
    assert repo.get_setting(conn, "nothing", "default") is None  # stored null is not missing
    assert repo.delete_setting(conn, "oms") is True
    assert repo.delete_setting(conn, "oms") is False
    assert repo.get_setting(conn, "oms") is None


# -- accounts ------------------------------------------------------------------------------------


def test_accounts_crud(conn: Connection) -> None:
    main = repo.create_account(
        conn,
        Account(
            venue="binance",
            label="main",
            mode=AccountMode.LIVE,
            sandbox=True,
            market_type="swap",
            default_instruments=("BTC/USDT:USDT", "ETH/USDT:USDT"),
        ),
        now_ns=77,
    )
    assert main.id is not None and main.created_ns == 77
    paper = repo.create_account(conn, Account(venue="sim-a", label="paper"))
    assert paper.created_ns > 0 and paper.mode is AccountMode.PAPER
    assert repo.get_account_by_label(conn, "main") == main
    assert repo.get_account(conn, main.id) == main
    assert repo.get_account_by_label(conn, "nope") is None
    assert repo.list_accounts(conn) == [main, paper]

    changed = dataclasses.replace(main, label="main-2", default_instruments=(), sandbox=False)
    assert repo.update_account(conn, changed) == changed
    assert repo.get_account_by_label(conn, "main") is None

    assert repo.delete_account(conn, main.id) is True
    assert repo.delete_account(conn, main.id) is False
    assert repo.list_accounts(conn) == [paper]


def test_account_label_is_unique_with_a_clear_error(conn: Connection) -> None:
    first = repo.create_account(conn, Account(venue="binance", label="main"))
    with pytest.raises(AccountExists, match="'main' already exists"):
        repo.create_account(conn, Account(venue="okx", label="main"))
    second = repo.create_account(conn, Account(venue="okx", label="other"))
    with pytest.raises(AccountExists, match="'main'"):
        repo.update_account(conn, dataclasses.replace(second, label="main"))
    assert repo.update_account(conn, dataclasses.replace(first, venue="bybit")).venue == "bybit"


def test_account_update_needs_an_existing_id(conn: Connection) -> None:
    with pytest.raises(ValueError, match="needs an account with an id"):
        repo.update_account(conn, Account(venue="x", label="y"))
    with pytest.raises(AccountNotFound):
        repo.update_account(conn, Account(venue="x", label="y", id=999))


def test_account_mode_is_checked_by_the_database(conn: Connection) -> None:
    from sqlalchemy.exc import IntegrityError

    row = {
        "venue": "x",
        "label": "bad",
        "mode": "demo",
        "sandbox": False,
        "market_type": "spot",
        "default_instruments": [],
        "created_ns": 1,
    }
    with pytest.raises(IntegrityError):
        conn.execute(accounts.insert().values(row))
