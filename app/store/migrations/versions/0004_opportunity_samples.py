"""Opportunity samples: what the scanners published, throttled per key.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22

Frozen: plain SQL types only (JSON is TEXT), never imports from ``app.store``.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision: str | None = "0003"
branch_labels: str | None = None
depends_on: str | None = None


def _id() -> sa.types.TypeEngine[int]:
    return sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "opportunity_samples",
        sa.Column("id", _id(), nullable=False, autoincrement=True),
        sa.Column("ts_ns", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("key", sa.String(256), nullable=False),
        sa.Column("edge_bps", sa.Double(), nullable=False),
        sa.Column("size_quote", sa.Double(), nullable=False),
        sa.Column("size_asset", sa.String(32), nullable=False),
        sa.Column("signal", sa.String(8), nullable=False),
        sa.Column("legs", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_opportunity_samples"),
    )
    op.create_index("ix_opportunity_samples_kind_ts_ns", "opportunity_samples", ["kind", "ts_ns"])
    op.create_index("ix_opportunity_samples_key_ts_ns", "opportunity_samples", ["key", "ts_ns"])


def downgrade() -> None:
    op.drop_index("ix_opportunity_samples_key_ts_ns", table_name="opportunity_samples")
    op.drop_index("ix_opportunity_samples_kind_ts_ns", table_name="opportunity_samples")
    op.drop_table("opportunity_samples")
