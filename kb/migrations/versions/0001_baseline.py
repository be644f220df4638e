"""Baseline schema; creates only the tables a database does not have yet

Databases made by create_all before migrations existed (with any subset of these tables) are
adopted by running this revision, which skips the tables they already have.

Revision ID: 0001
Revises:
Create Date: 2026-11-26 13:29:50.654087
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    existing = set(sa.inspect(op.get_bind()).get_table_names())
    if "audit_log" not in existing:  # databases made before migrations
        op.create_table(
            "audit_log",
            sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
            sa.Column("at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("actor", sa.String(length=254), nullable=False),
            sa.Column("action", sa.String(length=40), nullable=False),
            sa.Column("submission_id", sa.String(length=32), nullable=True),
            sa.Column("case_slug", sa.String(length=80), nullable=True),
            sa.Column("message", sa.Text(), nullable=False),
            sa.PrimaryKeyConstraint("id"),
        )
        with op.batch_alter_table("audit_log", schema=None) as batch_op:
            batch_op.create_index(batch_op.f("ix_audit_log_at"), ["at"], unique=False)
            batch_op.create_index(batch_op.f("ix_audit_log_case_slug"), ["case_slug"], unique=False)
            batch_op.create_index(
                batch_op.f("ix_audit_log_submission_id"), ["submission_id"], unique=False
            )
    if "cases" not in existing:  # databases made before migrations
        op.create_table(
            "cases",
            sa.Column("slug", sa.String(length=80), nullable=False),
            sa.Column("title", sa.String(length=200), nullable=False),
            sa.Column("municipality", sa.String(length=200), nullable=False),
            sa.Column("municipality_type", sa.String(length=40), nullable=False),
            sa.Column("state", sa.String(length=2), nullable=False),
            sa.Column("population", sa.Integer(), nullable=True),
            sa.Column("status", sa.String(length=20), nullable=False),
            sa.Column("summary", sa.Text(), nullable=False),
            sa.Column("domains", sa.JSON(), nullable=False),
            sa.Column("meta", sa.JSON(), nullable=False),
            sa.Column("body", sa.Text(), nullable=False),
            sa.Column("source_hash", sa.String(length=64), nullable=False),
            sa.Column("updated", sa.String(length=10), nullable=False),
            sa.Column("mirrored_at", sa.DateTime(timezone=True), nullable=False),
            sa.PrimaryKeyConstraint("slug"),
        )
        with op.batch_alter_table("cases", schema=None) as batch_op:
            batch_op.create_index(
                batch_op.f("ix_cases_municipality"), ["municipality"], unique=False
            )
            batch_op.create_index(
                batch_op.f("ix_cases_municipality_type"), ["municipality_type"], unique=False
            )
            batch_op.create_index(batch_op.f("ix_cases_state"), ["state"], unique=False)
            batch_op.create_index(batch_op.f("ix_cases_status"), ["status"], unique=False)
    if "collections" not in existing:  # databases made before migrations
        op.create_table(
            "collections",
            sa.Column("id", sa.String(length=32), nullable=False),
            sa.Column("edit_token", sa.String(length=64), nullable=False),
            sa.Column("title", sa.String(length=200), nullable=False),
            sa.Column("description", sa.Text(), nullable=False),
            sa.Column("items", sa.JSON(), nullable=False),
            sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
            sa.PrimaryKeyConstraint("id"),
            sa.UniqueConstraint("edit_token"),
        )
    if "publications" not in existing:  # databases made before migrations
        op.create_table(
            "publications",
            sa.Column("submission_id", sa.String(length=32), nullable=False),
            sa.Column("slug", sa.String(length=80), nullable=False),
            sa.Column("kind", sa.String(length=10), nullable=False),
            sa.Column("text", sa.Text(), nullable=False),
            sa.Column("editor", sa.String(length=254), nullable=False),
            sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
            sa.PrimaryKeyConstraint("submission_id"),
        )
        with op.batch_alter_table("publications", schema=None) as batch_op:
            batch_op.create_index(batch_op.f("ix_publications_slug"), ["slug"], unique=False)
    if "rate_events" not in existing:  # databases made before migrations
        op.create_table(
            "rate_events",
            sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
            sa.Column("kind", sa.String(length=40), nullable=False),
            sa.Column("key", sa.String(length=64), nullable=False),
            sa.Column("at", sa.DateTime(timezone=True), nullable=False),
            sa.PrimaryKeyConstraint("id"),
        )
        with op.batch_alter_table("rate_events", schema=None) as batch_op:
            batch_op.create_index(batch_op.f("ix_rate_events_at"), ["at"], unique=False)
            batch_op.create_index(batch_op.f("ix_rate_events_key"), ["key"], unique=False)
            batch_op.create_index(batch_op.f("ix_rate_events_kind"), ["kind"], unique=False)
    if "submissions" not in existing:  # databases made before migrations
        op.create_table(
            "submissions",
            sa.Column("id", sa.String(length=32), nullable=False),
            sa.Column("token", sa.String(length=64), nullable=False),
            sa.Column("status", sa.String(length=20), nullable=False),
            sa.Column("case_slug", sa.String(length=80), nullable=True),
            sa.Column("data", sa.JSON(), nullable=False),
            sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
            sa.PrimaryKeyConstraint("id"),
        )
        with op.batch_alter_table("submissions", schema=None) as batch_op:
            batch_op.create_index(batch_op.f("ix_submissions_status"), ["status"], unique=False)
            batch_op.create_index(batch_op.f("ix_submissions_token"), ["token"], unique=True)
    if "users" not in existing:  # databases made before migrations
        op.create_table(
            "users",
            sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
            sa.Column("email", sa.String(length=254), nullable=False),
            sa.Column("password_hash", sa.String(length=256), nullable=False),
            sa.Column("role", sa.String(length=20), nullable=False),
            sa.Column("active", sa.Boolean(), nullable=False),
            sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
            sa.PrimaryKeyConstraint("id"),
            sa.UniqueConstraint("email"),
        )
    if "chunks" not in existing:  # databases made before migrations
        op.create_table(
            "chunks",
            sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
            sa.Column("slug", sa.String(length=80), nullable=False),
            sa.Column("ordinal", sa.Integer(), nullable=False),
            sa.Column("section", sa.String(length=300), nullable=False),
            sa.Column("text", sa.Text(), nullable=False),
            sa.ForeignKeyConstraint(["slug"], ["cases.slug"], ondelete="CASCADE"),
            sa.PrimaryKeyConstraint("id"),
        )
        with op.batch_alter_table("chunks", schema=None) as batch_op:
            batch_op.create_index(batch_op.f("ix_chunks_slug"), ["slug"], unique=False)
    if "login_sessions" not in existing:  # databases made before migrations
        op.create_table(
            "login_sessions",
            sa.Column("id", sa.String(length=64), nullable=False),
            sa.Column("user_id", sa.Integer(), nullable=False),
            sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
            sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
            sa.PrimaryKeyConstraint("id"),
        )
        with op.batch_alter_table("login_sessions", schema=None) as batch_op:
            batch_op.create_index(
                batch_op.f("ix_login_sessions_user_id"), ["user_id"], unique=False
            )


def downgrade() -> None:
    with op.batch_alter_table("login_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_login_sessions_user_id"))

    op.drop_table("login_sessions")
    with op.batch_alter_table("chunks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_chunks_slug"))

    op.drop_table("chunks")
    op.drop_table("users")
    with op.batch_alter_table("submissions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_submissions_token"))
        batch_op.drop_index(batch_op.f("ix_submissions_status"))

    op.drop_table("submissions")
    with op.batch_alter_table("rate_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rate_events_kind"))
        batch_op.drop_index(batch_op.f("ix_rate_events_key"))
        batch_op.drop_index(batch_op.f("ix_rate_events_at"))

    op.drop_table("rate_events")
    with op.batch_alter_table("publications", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_publications_slug"))

    op.drop_table("publications")
    op.drop_table("collections")
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cases_status"))
        batch_op.drop_index(batch_op.f("ix_cases_state"))
        batch_op.drop_index(batch_op.f("ix_cases_municipality_type"))
        batch_op.drop_index(batch_op.f("ix_cases_municipality"))

    op.drop_table("cases")
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_log_submission_id"))
        batch_op.drop_index(batch_op.f("ix_audit_log_case_slug"))
        batch_op.drop_index(batch_op.f("ix_audit_log_at"))

    op.drop_table("audit_log")
