"""Alembic migrations of the store; applied on start by ``app.store.migrate.migrate``."""
