"""Alembic schema migrations (run by `kb db upgrade` and at start-up)."""
