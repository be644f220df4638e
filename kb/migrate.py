"""Schema migrations with Alembic: upgrade to head, adopting databases made before them."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import Engine

_LOCK_KEY = 731_250_001  # PostgreSQL advisory lock: one migrating process at a time


def _config(connection=None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    return ScriptDirectory.from_config(_config()).get_current_head()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine) -> tuple[str | None, str]:
    """Bring the schema to the newest revision; return (revision before, revision after)."""
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _LOCK_KEY})
        before = MigrationContext.configure(conn).get_current_revision()
        # Databases from before the migrations have no version yet: revision 0001 creates
        # only their missing tables and 0002 only the missing columns, so plain upgrading
        # adopts them.
        command.upgrade(_config(conn), "head")
        after = MigrationContext.configure(conn).get_current_revision()
    return before, after
