"""The order journal's events (every transition, append-only).

(Indexes on an order's origin and trace id come with the bots, which query by them: each index is
written on every journal write.)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03

Frozen: plain SQL types only (money is TEXT), never imports from ``app.store``.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision: str | None = "0005"
branch_labels: str | None = None
depends_on: str | None = None


def _id() -> sa.types.TypeEngine[int]:
    return sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "order_events",
        sa.Column("id", _id(), nullable=False, autoincrement=True),
        sa.Column("client_order_id", sa.String(64), nullable=False),
        sa.Column("ts_ns", sa.BigInteger(), nullable=False),
        sa.Column("actor", sa.String(128), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("filled_qty", sa.Text(), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_order_events"),
    )
    op.create_index("ix_order_events_client_order_id_id", "order_events", ["client_order_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_order_events_client_order_id_id", table_name="order_events")
    op.drop_table("order_events")
