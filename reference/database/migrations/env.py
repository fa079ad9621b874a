"""Run the reference migrations online, in one transaction per command."""

from __future__ import annotations

from logging.config import fileConfig

import sqlalchemy as sa
from alembic import context
from sqlalchemy.engine import Connection

from app.db import create_engine, database_url, metadata

config = context.config

if config.config_file_name is not None and config.attributes.get("configure_logging", True):
    fileConfig(config.config_file_name, disable_existing_loggers=False)


def _url() -> str:
    """Prefer a URL handed over by app.migrate, then `-x database_url=...`, then DATABASE_URL."""
    url = config.attributes.get("database_url") or context.get_x_argument(as_dictionary=True).get("database_url")
    return str(url) if url else database_url()


def _run(connection: Connection) -> None:
    # One transaction for the whole command: on PostgreSQL a failing revision rolls back
    # every revision applied before it, so the database stays at the revision it started from.
    context.configure(connection=connection, target_metadata=metadata, transaction_per_migration=False)
    with context.begin_transaction():
        context.run_migrations()


def _run_sqlite(connection: Connection) -> None:
    # Batch mode rebuilds tables that others reference; SQLite's advice is to switch foreign
    # keys off for the rebuild and check them afterwards. The pragma is ignored inside a transaction.
    # Commit each pragma so that Alembic does not mistake SQLAlchemy's autobegin for a caller's transaction.
    connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
    connection.commit()
    _run(connection)
    violations = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    connection.exec_driver_sql("PRAGMA foreign_keys=ON")
    connection.commit()
    if violations:
        raise RuntimeError(f"foreign key violations after migrating: {violations[:5]}")


def run_migrations_online() -> None:
    """Migrate the database named by the configured URL."""
    engine = create_engine(_url(), poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as connection:
            if connection.dialect.name == "sqlite":
                _run_sqlite(connection)
            else:
                _run(connection)
    finally:
        engine.dispose()


if context.is_offline_mode():
    raise SystemExit("the reference migrations read the database while they run; offline (--sql) mode is not supported")
run_migrations_online()
