"""Alembic migrations: fresh databases, databases from before migrations, models in sync."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from click.testing import CliRunner
from conftest import DB_BACKENDS, make_settings, reset_postgres
from sqlalchemy import inspect, text

from kb.cli import main
from kb.db import Base, init_db, make_engine
from kb.migrate import current_revision, head_revision, upgrade


@pytest.fixture(params=DB_BACKENDS)
def url(request, tmp_path):
    if request.param == "postgresql":
        return reset_postgres()
    return f"sqlite:///{tmp_path / 'm.sqlite3'}"


def test_fresh_database_is_migrated_to_head_and_matches_the_models(url):
    engine = make_engine(url)
    init_db(engine)
    assert current_revision(engine) == head_revision()
    assert set(Base.metadata.tables) <= set(inspect(engine).get_table_names())
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == [], "models changed without a migration (alembic revision --autogenerate)"
    before, after = upgrade(engine)  # idempotent
    assert before == after == head_revision()
    engine.dispose()


def test_database_from_before_migrations_is_adopted_keeping_data(url):
    engine = make_engine(url)
    Base.metadata.create_all(engine)  # how databases were made before migrations existed
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO collections (id, edit_token, title, description, items, "
                          "created_at, updated_at) VALUES ('m1', 't', 'Alte Mappe', '', '[]', "
                          "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"))
    before, after = upgrade(engine)
    assert before is None and after == head_revision()
    with engine.connect() as conn:
        assert conn.scalar(text("SELECT title FROM collections WHERE id = 'm1'")) == "Alte Mappe"
    engine.dispose()


def test_kb_db_upgrade(tmp_path, corpus_copy):
    settings = make_settings(tmp_path, corpus_copy)
    runner = CliRunner()
    first = runner.invoke(main, ["db", "upgrade"], obj={"settings": settings})
    assert first.exit_code == 0 and f"→ {head_revision()}" in first.output
    again = runner.invoke(main, ["db", "upgrade"], obj={"settings": settings})
    assert again.exit_code == 0 and "ist aktuell" in again.output


def test_collections_from_revision_0001_get_event_dates_keeping_rows(url):
    from alembic import command

    from kb.collections import get_collection
    from kb.migrate import _config

    engine = make_engine(url)
    with engine.begin() as conn:
        command.upgrade(_config(conn), "0001")
        conn.execute(text("INSERT INTO collections (id, edit_token, title, description, items, "
                          "created_at, updated_at) VALUES ('alt', 't', 'Alte Mappe', '', '[]', "
                          "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"))
    assert "event_date" not in {c["name"] for c in inspect(engine).get_columns("collections")}
    init_db(engine)
    row = get_collection(engine, "alt")
    assert row.title == "Alte Mappe" and row.event_date is None
    engine.dispose()


def test_database_with_only_the_first_tables_is_completed(url):
    """Early installations had only cases, chunks, submissions and collections (no date)."""
    engine = make_engine(url)
    early = [Base.metadata.tables[n] for n in ("cases", "chunks", "submissions")]
    Base.metadata.create_all(engine, tables=early)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE collections (id VARCHAR(32) PRIMARY KEY, edit_token "
                          "VARCHAR(64) UNIQUE NOT NULL, title VARCHAR(200) NOT NULL, description "
                          "TEXT NOT NULL, items JSON NOT NULL, created_at TIMESTAMP NOT NULL, "
                          "updated_at TIMESTAMP NOT NULL)"))
    upgrade(engine)
    assert set(Base.metadata.tables) <= set(inspect(engine).get_table_names())
    columns = {c["name"] for c in inspect(engine).get_columns("collections")}
    assert "event_date" in columns
    engine.dispose()
