"""Run the reference migrations from Python, for tests, benchmarks and the demo."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext

from app.db import create_engine, normalize_url

__all__ = ["ALEMBIC_INI", "alembic_config", "current_revision", "downgrade", "upgrade"]

ALEMBIC_INI = Path(__file__).resolve().parent.parent / "database" / "alembic.ini"


def alembic_config(database_url: str) -> Config:
    """Return an Alembic config for *database_url* that leaves the caller's logging alone."""
    config = Config(str(ALEMBIC_INI))
    config.attributes["database_url"] = normalize_url(database_url)
    config.attributes["configure_logging"] = False
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    """Upgrade the database at *database_url* to *revision*."""
    command.upgrade(alembic_config(database_url), revision)


def downgrade(database_url: str, revision: str) -> None:
    """Downgrade the database at *database_url* to *revision*."""
    command.downgrade(alembic_config(database_url), revision)


def current_revision(database_url: str) -> str | None:
    """Return the revision the database is at, or None before the first one."""
    engine = create_engine(database_url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()
