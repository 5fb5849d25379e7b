"""Bots: their parameters and persisted state, each step's intent, parameter templates; and the
indexes on the orders' origin and trace id (a bot's orders, a step's orders).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05

Frozen: plain SQL types only (JSON is TEXT), never imports from ``app.store``.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision: str | None = "0006"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "bots",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("params", sa.Text(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("state", sa.Text(), nullable=False),
        sa.Column("state_version", sa.Integer(), nullable=False),
        sa.Column("created_ns", sa.BigInteger(), nullable=False),
        sa.Column("updated_ns", sa.BigInteger(), nullable=False),
        sa.Column("last_event", sa.String(500), nullable=False, server_default=""),
        sa.PrimaryKeyConstraint("id", name="pk_bots"),
    )
    op.create_table(
        "bot_intents",
        sa.Column("trace_id", sa.String(64), nullable=False),
        sa.Column("bot_id", sa.String(64), nullable=False),
        sa.Column("cycle", sa.Integer(), nullable=False),
        sa.Column("step", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("plan", sa.Text(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("result", sa.Text(), nullable=True),
        sa.Column("created_ns", sa.BigInteger(), nullable=False),
        sa.Column("updated_ns", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("trace_id", name="pk_bot_intents"),
    )
    op.create_index("ix_bot_intents_bot_id", "bot_intents", ["bot_id"])
    op.create_table(
        "bot_templates",
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("params", sa.Text(), nullable=False),
        sa.Column("created_ns", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_bot_templates"),
    )
    op.create_index("ix_orders_origin", "orders", ["origin"])
    op.create_index("ix_orders_trace_id", "orders", ["trace_id"])


def downgrade() -> None:
    op.drop_index("ix_orders_trace_id", table_name="orders")
    op.drop_index("ix_orders_origin", table_name="orders")
    op.drop_table("bot_templates")
    op.drop_index("ix_bot_intents_bot_id", table_name="bot_intents")
    op.drop_table("bot_intents")
    op.drop_table("bots")
