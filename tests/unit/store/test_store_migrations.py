"""Migrations: from empty to head, as an upgrade over live data, and equal to ``schema.py``."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Column, Engine, MetaData, String, inspect, select, text

from app.store.engine import create_store_engine
from app.store.migrate import current_revision, downgrade, head_revision, migrate
from app.store.schema import metadata

REV1_TABLES = {"accounts", "orders", "fills", "positions", "balances", "audit_log", "settings"}
REV2_TABLES = {"equity_snapshots", "spread_samples"}
REV4_TABLES = {"opportunity_samples"}
REV6_TABLES = {"order_events"}
REV7_TABLES = {"bots", "bot_intents", "bot_templates"}
HEAD_TABLES = REV1_TABLES | REV2_TABLES | REV4_TABLES | REV6_TABLES | REV7_TABLES
HEAD = "0007"  # the newest file in app/store/migrations/versions


def _tables(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names()) - {"alembic_version"}


def _diff(engine: Engine, target: Any = metadata) -> list[Any]:
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return list(compare_metadata(context, target))


def test_head_is_the_newest_revision() -> None:
    assert head_revision() == HEAD


def test_migrate_empty_file_database_to_head(db_url: str) -> None:
    migrate(db_url)
    engine = create_store_engine(db_url)
    try:
        assert current_revision(engine) == HEAD
        assert _tables(engine) == HEAD_TABLES
        assert _diff(engine) == []
    finally:
        engine.dispose()


def test_migrate_in_memory_database() -> None:
    engine = create_store_engine("sqlite://")
    migrate(engine)
    assert current_revision(engine) == HEAD
    assert _tables(engine) == set(metadata.tables)
    assert _diff(engine) == []


def test_schema_at_head_equals_metadata_and_the_check_is_not_vacuous(db_url: str) -> None:
    engine = create_store_engine(db_url)
    migrate(engine)
    assert _diff(engine) == []
    altered = MetaData(naming_convention=metadata.naming_convention)
    for table in metadata.tables.values():
        table.to_metadata(altered)
    altered.tables["orders"].append_column(Column("extra", String(8)))
    altered.tables["fills"].c.ts_ns.type = String(20)
    kinds = {d[0] if isinstance(d, tuple) else d[0][0] for d in _diff(engine, altered)}
    assert kinds == {"add_column", "modify_type"}
    engine.dispose()


def test_upgrade_keeps_rows(db_url: str) -> None:
    engine = create_store_engine(db_url)
    migrate(engine, "0001")
    assert current_revision(engine) == "0001"
    assert _tables(engine) == REV1_TABLES
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO orders VALUES ('c1', 'sim-a', 'BTC/USDT', 'buy', 'limit', 'GTC',"
                " '0.1', '65000.5', 'OPEN', '0', NULL, NULL, 0, 'manual', NULL, 1, 2)"
            )
        )
        conn.execute(text("INSERT INTO settings VALUES ('trading_state', '\"HALTED\"', 3)"))
    migrate(engine)
    assert current_revision(engine) == HEAD
    assert _tables(engine) == HEAD_TABLES
    from app.store.repositories import get_setting, load_order

    with engine.connect() as conn:
        order = load_order(conn, "c1")
        assert get_setting(conn, "trading_state") == "HALTED"
        assert conn.execute(select(metadata.tables["spread_samples"])).all() == []
    assert order is not None
    assert order.quantity == Decimal("0.1")
    assert order.price == Decimal("65000.5")
    assert _diff(engine) == []
    engine.dispose()


def test_position_cost_is_added_empty_over_old_rows(db_url: str) -> None:
    """0005: positions stored before it keep their row; the cost is unknown (NULL), so it is
    derived from the entry price when the position is next used."""
    engine = create_store_engine(db_url)
    migrate(engine, "0004")
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO positions VALUES ('sim-a', 'BTC/USDT:USDT', '-2', '100.5', '1.25',"
                " '0.1', 7)"
            )
        )
    migrate(engine)
    from app.store.repositories import load_positions

    with engine.connect() as conn:
        (position,) = load_positions(conn)
    assert (position.qty, position.avg_entry, position.cost) == (
        Decimal(-2),
        Decimal("100.5"),
        None,
    )
    assert position.realized_pnl == Decimal("1.25")
    downgrade(engine, "0004")
    assert "cost" not in {c["name"] for c in inspect(engine).get_columns("positions")}
    engine.dispose()


def test_migrate_is_idempotent_and_downgrades(db_url: str) -> None:
    migrate(db_url)
    migrate(db_url)
    assert current_revision(db_url) == HEAD
    downgrade(db_url, "0001")
    engine = create_store_engine(db_url)
    assert _tables(engine) == REV1_TABLES
    downgrade(engine, "base")
    assert _tables(engine) == set()
    assert current_revision(engine) is None
    migrate(engine)
    assert _tables(engine) == HEAD_TABLES
    engine.dispose()


def test_migrate_on_an_open_connection(db_url: str) -> None:
    engine = create_store_engine(db_url)
    with engine.begin() as conn:
        migrate(conn)
        assert current_revision(conn) == HEAD
    assert _tables(engine) == set(metadata.tables)
    engine.dispose()


def test_no_secret_columns_anywhere() -> None:
    words = ("secret", "password", "passphrase", "api_key", "apikey", "token", "private")
    for table in metadata.tables.values():
        for column in table.columns:
            assert not any(w in column.name.lower() for w in words), (table.name, column.name)


@pytest.mark.parametrize("name", ["orders"])
def test_orders_indexes_exist_after_migration(db_url: str, name: str) -> None:
    migrate(db_url)
    engine = create_store_engine(db_url)
    indexes = {tuple(i["column_names"]) for i in inspect(engine).get_indexes(name)}
    assert {("status",), ("venue", "symbol"), ("origin",), ("trace_id",)} <= indexes
    engine.dispose()
