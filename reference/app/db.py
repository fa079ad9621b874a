"""Connect to the reference database and describe its tables after the cutover."""

from __future__ import annotations

import os
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine

__all__ = [
    "DATA_DIR",
    "ID",
    "MAX_ID",
    "NAMING_CONVENTION",
    "backup_schedules",
    "backup_sets",
    "create_engine",
    "database_url",
    "dialect_insert",
    "findings",
    "inventory_items",
    "inventory_observations",
    "is_id",
    "metadata",
    "normalize_url",
    "operation_runs",
    "tenants",
    "user_sessions",
    "users",
    "utc",
    "utc_or_none",
    "utcnow",
    "workspace_memberships",
    "workspaces",
]

DATA_DIR = Path(__file__).resolve().parent.parent / "data"

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
TIMESTAMP = sa.DateTime(timezone=True)

metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


# Ids are 64-bit on both engines. On SQLite a primary key must be declared INTEGER to be the rowid,
# which is already 64 bits; BIGINT there would be a plain column without generated ids.
ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
# The largest id either engine stores; a larger number names no record.
MAX_ID = 2**63 - 1


def _id() -> sa.Column[int]:
    return sa.Column("id", ID, primary_key=True)


def _fk(name: str, target: str, *, nullable: bool = False, index: bool = False) -> sa.Column[int]:
    return sa.Column(name, sa.BigInteger, sa.ForeignKey(target), nullable=nullable, index=index)


def is_id(value: int) -> bool:
    """Return whether *value* fits an id column; a lookup of anything else finds nothing."""
    return 1 <= value <= MAX_ID


workspaces = sa.Table("workspaces", metadata, _id(), sa.Column("name", sa.String(200), nullable=False))

users = sa.Table(
    "users",
    metadata,
    _id(),
    sa.Column("email", sa.String(320), nullable=False, unique=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("password_hash", sa.String(255), nullable=True),
)

user_sessions = sa.Table(
    "user_sessions",
    metadata,
    # The SHA-256 of the session cookie's token, so that the table alone signs nobody in.
    sa.Column("id", sa.String(64), primary_key=True),
    _fk("user_id", "users.id", index=True),
    sa.Column("created_at", TIMESTAMP, nullable=False),
)

workspace_memberships = sa.Table(
    "workspace_memberships",
    metadata,
    sa.Column("workspace_id", sa.BigInteger, sa.ForeignKey("workspaces.id"), primary_key=True),
    sa.Column("user_id", sa.BigInteger, sa.ForeignKey("users.id"), primary_key=True),
    sa.Column("role", sa.String(32), nullable=False),
)

tenants = sa.Table(
    "tenants",
    metadata,
    _id(),
    _fk("workspace_id", "workspaces.id", index=True),
    sa.Column("name", sa.String(200), nullable=False),
)

operation_runs = sa.Table(
    "operation_runs",
    metadata,
    _id(),
    _fk("workspace_id", "workspaces.id"),
    _fk("tenant_id", "tenants.id", nullable=True, index=True),
    sa.Column("type", sa.String(64), nullable=False),
    sa.Column("status", sa.String(32), nullable=False),
    sa.Column("outcome", sa.String(32), nullable=True),
    sa.Column("context", JSON, nullable=False),
    sa.Column("summary_counts", JSON, nullable=False),
    _fk("initiator_user_id", "users.id", nullable=True),
    sa.Column("created_at", TIMESTAMP, nullable=False),
    sa.Column("started_at", TIMESTAMP, nullable=True),
    sa.Column("completed_at", TIMESTAMP, nullable=True),
    sa.Column("idempotency_key", sa.String(255), nullable=True),
    sa.Index("ix_operation_runs_workspace_id_created_at", "workspace_id", "created_at"),
    sa.Index("uq_operation_runs_idempotency_key", "idempotency_key", unique=True),
)

backup_schedules = sa.Table(
    "backup_schedules",
    metadata,
    _id(),
    _fk("tenant_id", "tenants.id", index=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("frequency", sa.String(16), nullable=False),
    sa.Column("time_of_day", sa.Time, nullable=False),
    sa.Column("day_of_week", sa.Integer, nullable=True),
    sa.Column("retention_keep_last", sa.Integer, nullable=False),
    sa.Column("is_enabled", sa.Boolean, nullable=False),
)

backup_sets = sa.Table(
    "backup_sets",
    metadata,
    _id(),
    _fk("backup_schedule_id", "backup_schedules.id", index=True),
    _fk("operation_run_id", "operation_runs.id", nullable=True),
    sa.Column("created_at", TIMESTAMP, nullable=False),
    sa.Column("item_count", sa.Integer, nullable=False),
)

findings = sa.Table(
    "findings",
    metadata,
    _id(),
    _fk("tenant_id", "tenants.id", index=True),
    sa.Column("finding_type", sa.String(32), nullable=False),
    sa.Column("subject_external_id", sa.String(200), nullable=False),
    sa.Column("status", sa.String(32), nullable=False),
    sa.Column("created_at", TIMESTAMP, nullable=False),
    sa.Column("evidence", JSON, nullable=True),
    _fk("baseline_operation_run_id", "operation_runs.id", nullable=True, index=True),
    _fk("current_operation_run_id", "operation_runs.id", nullable=True, index=True),
)

inventory_items = sa.Table(
    "inventory_items",
    metadata,
    _id(),
    _fk("tenant_id", "tenants.id"),
    sa.Column("external_id", sa.String(200), nullable=False),
    sa.Column("policy_type", sa.String(100), nullable=False),
    sa.Column("display_name", sa.String(300), nullable=False),
    _fk("last_seen_operation_run_id", "operation_runs.id", nullable=True, index=True),
    sa.Column("last_seen_at", TIMESTAMP, nullable=True),
    sa.UniqueConstraint("tenant_id", "external_id"),
)

inventory_observations = sa.Table(
    "inventory_observations",
    metadata,
    _id(),
    _fk("operation_run_id", "operation_runs.id"),
    _fk("tenant_id", "tenants.id"),
    sa.Column("external_id", sa.String(200), nullable=False),
    sa.Column("policy_type", sa.String(100), nullable=False),
    sa.Column("display_name", sa.String(300), nullable=False),
    sa.Column("fingerprint", sa.String(64), nullable=False),
    sa.UniqueConstraint("operation_run_id", "external_id"),
)


def database_url() -> str:
    """Return DATABASE_URL, or a SQLite file in the git-ignored data folder."""
    url = os.environ.get("DATABASE_URL")
    if url:
        return normalize_url(url)
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{DATA_DIR / 'reference.db'}"


def normalize_url(url: str) -> str:
    """Route plain postgres URLs through psycopg 3, the driver this project ships."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def create_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine; SQLite connections enforce foreign keys like PostgreSQL does."""
    engine = sa.create_engine(normalize_url(url), **kwargs)
    if engine.dialect.name == "sqlite":
        sa.event.listen(engine, "connect", _enable_foreign_keys)
    return engine


def _enable_foreign_keys(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def utcnow() -> datetime:
    """Return the current time in UTC."""
    return datetime.now(timezone.utc)


def utc(value: datetime) -> datetime:
    """Return *value* as an aware UTC datetime; SQLite hands back naive ones."""
    if value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc)


def utc_or_none(value: datetime | None) -> datetime | None:
    """Return *value* as an aware UTC datetime, keeping None."""
    return utc(value) if value is not None else None


def dialect_insert(connection: Connection, table: sa.Table) -> Any:
    """Return an INSERT into *table* that offers ON CONFLICT on this connection's engine."""
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    return dialect.insert(table)
