"""Time series: equity snapshots and sampled spreads.

Revision ID: 0002
Revises: 0001
Create Date: 2025-01-02

Frozen: plain SQL types only (money is TEXT), never imports from ``app.store``.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None


def _id() -> sa.types.TypeEngine[int]:
    return sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "equity_snapshots",
        sa.Column("id", _id(), nullable=False, autoincrement=True),
        sa.Column("ts_ns", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(32), nullable=False),
        sa.Column("equity", sa.Text(), nullable=False),
        sa.Column("pnl", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_equity_snapshots"),
    )
    op.create_index("ix_equity_snapshots_ts_ns", "equity_snapshots", ["ts_ns"])
    op.create_table(
        "spread_samples",
        sa.Column("id", _id(), nullable=False, autoincrement=True),
        sa.Column("ts_ns", sa.BigInteger(), nullable=False),
        sa.Column("venue", sa.String(64), nullable=False),
        sa.Column("symbol", sa.String(64), nullable=False),
        sa.Column("bid", sa.Double(), nullable=False),
        sa.Column("ask", sa.Double(), nullable=False),
        sa.Column("bid_qty", sa.Double(), nullable=False),
        sa.Column("ask_qty", sa.Double(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_spread_samples"),
    )
    op.create_index(
        "ix_spread_samples_venue_symbol_ts_ns", "spread_samples", ["venue", "symbol", "ts_ns"]
    )


def downgrade() -> None:
    op.drop_index("ix_spread_samples_venue_symbol_ts_ns", table_name="spread_samples")
    op.drop_table("spread_samples")
    op.drop_index("ix_equity_snapshots_ts_ns", table_name="equity_snapshots")
    op.drop_table("equity_snapshots")
