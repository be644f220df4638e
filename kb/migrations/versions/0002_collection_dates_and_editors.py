"""Collections get an event date; editors keep a list of their collections.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26

Written to be safe on databases adopted from create_all, which may already have either.
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    inspector = sa.inspect(op.get_bind())
    columns = {c["name"] for c in inspector.get_columns("collections")}
    if "event_date" not in columns:
        with op.batch_alter_table("collections") as batch_op:
            batch_op.add_column(sa.Column("event_date", sa.String(length=10), nullable=True))
    if not inspector.has_table("editor_collections"):
        op.create_table(
            "editor_collections",
            sa.Column("editor", sa.String(length=254), nullable=False),
            sa.Column("collection_id", sa.String(length=32), nullable=False),
            sa.Column("linked_at", sa.DateTime(timezone=True), nullable=False),
            sa.ForeignKeyConstraint(["collection_id"], ["collections.id"], ondelete="CASCADE"),
            sa.PrimaryKeyConstraint("editor", "collection_id"),
        )


def downgrade() -> None:
    op.drop_table("editor_collections")
    with op.batch_alter_table("collections") as batch_op:
        batch_op.drop_column("event_date")
