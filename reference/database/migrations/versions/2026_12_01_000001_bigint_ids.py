"""Widen every id and every reference to one to 64 bits.

Revision ID: 2026_12_01_000001
Revises: 2026_11_28_000001
Create Date: 2026-12-01

Not part of the cutover, but it covers every table the cutover touches: the application this
reference realises uses 64-bit keys, and the routes accept ids up to 2^63-1.

PostgreSQL: each id and foreign-key column becomes BIGINT (the table is rewritten; rows and
constraints stay), and each id sequence becomes a bigint sequence, so generated ids can pass 2^31.
SQLite: INTEGER PRIMARY KEY is already the 64-bit rowid and must keep that exact type to stay
the rowid, so primary keys stay as they are; the foreign-key columns become BIGINT (batch mode
rebuilds each table, keeping its rows).

The downgrade narrows them again and refuses, naming the columns, while any value is beyond 2^31-1.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "2026_12_01_000001"
down_revision = "2026_11_28_000001"
branch_labels = None
depends_on = None

INT32_MAX = 2**31 - 1

# table: its foreign-key columns
REFERENCES = {
    "workspaces": (),
    "users": (),
    "workspace_memberships": ("workspace_id", "user_id"),
    "tenants": ("workspace_id",),
    "operation_runs": ("workspace_id", "tenant_id", "initiator_user_id"),
    "backup_schedules": ("tenant_id",),
    "backup_sets": ("backup_schedule_id", "operation_run_id"),
    "findings": ("tenant_id", "baseline_operation_run_id", "current_operation_run_id"),
    "inventory_items": ("tenant_id", "last_seen_operation_run_id"),
    "inventory_observations": ("operation_run_id", "tenant_id"),
}
# Tables whose id is generated (a sequence on PostgreSQL); workspace_memberships has a composite key.
GENERATED_IDS = tuple(table for table in REFERENCES if table != "workspace_memberships")


def _retype(old: type[sa.Integer], new: type[sa.Integer]) -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table, columns in REFERENCES.items():
            ids = ("id",) if table in GENERATED_IDS else ()
            for column in (*ids, *columns):
                op.alter_column(table, column, type_=new(), existing_type=old())
        for table in GENERATED_IDS:
            op.execute(f"ALTER SEQUENCE {table}_id_seq AS {'bigint' if new is sa.BigInteger else 'integer'}")
        return
    for table, columns in REFERENCES.items():
        if columns:
            with op.batch_alter_table(table) as batch:
                for column in columns:
                    batch.alter_column(column, type_=new(), existing_type=old())


def upgrade() -> None:
    _retype(sa.Integer, sa.BigInteger)


def downgrade() -> None:
    bind = op.get_bind()
    too_big = []
    for table, columns in REFERENCES.items():
        ids = ("id",) if table in GENERATED_IDS else ()
        for column in (*ids, *columns):
            highest = bind.execute(sa.text(f"SELECT max({column}) FROM {table}")).scalar()
            if highest is not None and highest > INT32_MAX:
                too_big.append(f"{table}.{column} (up to {highest})")
    if too_big:
        raise RuntimeError("cannot narrow ids to 32 bits: these columns hold larger values: " + ", ".join(too_big))
    _retype(sa.BigInteger, sa.Integer)
