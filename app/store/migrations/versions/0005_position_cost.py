"""Positions keep their cost (the exact entry value of the open quantity), besides the average.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03

Nullable: rows written before it have none, and a position a venue reports with only an entry
price has none either; the cost is then derived from ``avg_entry`` (``Position.entry_cost``).

Frozen: plain SQL types only, never imports from ``app.store``.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision: str | None = "0004"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    with op.batch_alter_table("positions") as batch:
        batch.add_column(sa.Column("cost", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("positions") as batch:
        batch.drop_column("cost")
