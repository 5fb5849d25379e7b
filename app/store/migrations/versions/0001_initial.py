"""Accounts, the order journal, fills, positions, balances, audit log and settings.

Revision ID: 0001
Revises: -
Create Date: 2025-01-01

Frozen: plain SQL types only (money and JSON are TEXT), never imports from ``app.store``.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None


def _id() -> sa.types.TypeEngine[int]:
    return sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "accounts",
        sa.Column("id", _id(), nullable=False, autoincrement=True),
        sa.Column("venue", sa.String(64), nullable=False),
        sa.Column("label", sa.String(128), nullable=False),
        sa.Column("mode", sa.String(8), nullable=False),
        sa.Column("sandbox", sa.Boolean(), nullable=False),
        sa.Column("market_type", sa.String(16), nullable=False),
        sa.Column("default_instruments", sa.Text(), nullable=False),
        sa.Column("created_ns", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_accounts"),
        sa.UniqueConstraint("label", name="uq_accounts_label"),
        sa.CheckConstraint("mode IN ('live', 'paper')", name="ck_accounts_mode"),
    )
    op.create_table(
        "orders",
        sa.Column("client_order_id", sa.String(64), nullable=False),
        sa.Column("venue", sa.String(64), nullable=False),
        sa.Column("symbol", sa.String(64), nullable=False),
        sa.Column("side", sa.String(8), nullable=False),
        sa.Column("type", sa.String(16), nullable=False),
        sa.Column("time_in_force", sa.String(8), nullable=False),
        sa.Column("quantity", sa.Text(), nullable=False),
        sa.Column("price", sa.Text(), nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("filled_qty", sa.Text(), nullable=False),
        sa.Column("avg_fill_price", sa.Text(), nullable=True),
        sa.Column("venue_order_id", sa.String(128), nullable=True),
        sa.Column("reduce_only", sa.Boolean(), nullable=False),
        sa.Column("origin", sa.String(128), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("created_ns", sa.BigInteger(), nullable=False),
        sa.Column("updated_ns", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("client_order_id", name="pk_orders"),
    )
    op.create_index("ix_orders_status", "orders", ["status"])
    op.create_index("ix_orders_venue_symbol", "orders", ["venue", "symbol"])
    op.create_table(
        "fills",
        sa.Column("venue", sa.String(64), nullable=False),
        sa.Column("trade_id", sa.String(128), nullable=False),
        sa.Column("client_order_id", sa.String(64), nullable=False),
        sa.Column("venue_order_id", sa.String(128), nullable=True),
        sa.Column("symbol", sa.String(64), nullable=False),
        sa.Column("side", sa.String(8), nullable=False),
        sa.Column("price", sa.Text(), nullable=False),
        sa.Column("qty", sa.Text(), nullable=False),
        sa.Column("fee", sa.Text(), nullable=False),
        sa.Column("fee_currency", sa.String(32), nullable=False),
        sa.Column("liquidity", sa.String(8), nullable=False),
        sa.Column("ts_ns", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("venue", "trade_id", name="pk_fills"),
    )
    op.create_index("ix_fills_client_order_id", "fills", ["client_order_id"])
    op.create_index("ix_fills_ts_ns", "fills", ["ts_ns"])
    op.create_table(
        "positions",
        sa.Column("venue", sa.String(64), nullable=False),
        sa.Column("symbol", sa.String(64), nullable=False),
        sa.Column("qty", sa.Text(), nullable=False),
        sa.Column("avg_entry", sa.Text(), nullable=False),
        sa.Column("realized_pnl", sa.Text(), nullable=False),
        sa.Column("fees", sa.Text(), nullable=False),
        sa.Column("updated_ns", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("venue", "symbol", name="pk_positions"),
    )
    op.create_table(
        "balances",
        sa.Column("venue", sa.String(64), nullable=False),
        sa.Column("asset", sa.String(32), nullable=False),
        sa.Column("total", sa.Text(), nullable=False),
        sa.Column("locked", sa.Text(), nullable=False),
        sa.Column("updated_ns", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("venue", "asset", name="pk_balances"),
    )
    op.create_table(
        "audit_log",
        sa.Column("id", _id(), nullable=False, autoincrement=True),
        sa.Column("ts_ns", sa.BigInteger(), nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("trace_id", sa.String(64), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_audit_log"),
    )
    op.create_index("ix_audit_log_ts_ns", "audit_log", ["ts_ns"])
    op.create_index("ix_audit_log_trace_id", "audit_log", ["trace_id"])
    op.create_table(
        "settings",
        sa.Column("key", sa.String(128), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("updated_ns", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_settings"),
    )


def downgrade() -> None:
    op.drop_table("settings")
    op.drop_index("ix_audit_log_trace_id", table_name="audit_log")
    op.drop_index("ix_audit_log_ts_ns", table_name="audit_log")
    op.drop_table("audit_log")
    op.drop_table("balances")
    op.drop_table("positions")
    op.drop_index("ix_fills_ts_ns", table_name="fills")
    op.drop_index("ix_fills_client_order_id", table_name="fills")
    op.drop_table("fills")
    op.drop_index("ix_orders_venue_symbol", table_name="orders")
    op.drop_index("ix_orders_status", table_name="orders")
    op.drop_table("orders")
    op.drop_table("accounts")
