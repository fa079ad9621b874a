"""Rewrite the dotted operation run types to their canonical underscore names.

Revision ID: 2026_02_12_000001
Revises: legacy_baseline
Create Date: 2026-02-12

One UPDATE rewrites inventory.sync, entra_group.sync, backup_schedule.run,
backup_schedule.retention and backup_schedule.purge in place; no row is added or removed.

The cutover refuses to guess: a run type that is neither one of those five nor a canonical type
stops the upgrade, with every such type and its count in the message (and on the alembic.cutover
logger), unless the operator maps it to a canonical type:
`alembic -x run_type_map=some.other:inventory_sync,report.export:backup_schedule_run upgrade head`,
or `app.migrate.upgrade(url, run_type_map={...})`. Mapped types are rewritten in the same UPDATE.

The downgrade rewrites the canonical types back to dotted ones, including runs created after the
upgrade; a mapped type comes back as the dotted form of its canonical type, not as what it was.
"""

from __future__ import annotations

import logging

import sqlalchemy as sa
from alembic import context, op
from alembic.util import CommandError

revision = "2026_02_12_000001"
down_revision = "legacy_baseline"
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.cutover")

CANONICAL_TYPES = {
    "inventory.sync": "inventory_sync",
    "entra_group.sync": "entra_group_sync",
    "backup_schedule.run": "backup_schedule_run",
    "backup_schedule.retention": "backup_schedule_retention",
    "backup_schedule.purge": "backup_schedule_purge",
}
ALLOWED = frozenset(CANONICAL_TYPES) | frozenset(CANONICAL_TYPES.values())
MAP_OPTION = "run_type_map"

operation_runs = sa.table("operation_runs", sa.column("type", sa.String))


def _rewrite(mapping: dict[str, str]) -> int:
    statement = (
        operation_runs.update()
        .where(operation_runs.c.type.in_(list(mapping)))
        .values(type=sa.case(mapping, value=operation_runs.c.type))
    )
    return op.get_bind().execute(statement).rowcount


def operator_mapping() -> dict[str, str]:
    """Return the operator's run type mapping: app.migrate's, else `-x run_type_map=old:new,...`."""
    given = context.config.attributes.get(MAP_OPTION)
    if given is None:
        raw = context.get_x_argument(as_dictionary=True).get(MAP_OPTION, "")
        pairs = [entry.rpartition(":") for entry in raw.split(",") if entry.strip()]
        malformed = [old for old, colon, _new in pairs if not colon or not old.strip()]
        if malformed:
            raise CommandError(f"{MAP_OPTION}: expected old:new pairs separated by commas, got {raw!r}")
        given = {old.strip(): new.strip() for old, _colon, new in pairs}
    canonical = sorted(set(CANONICAL_TYPES.values()))
    wrong = [f"{old!r} maps to {new!r}" for old, new in sorted(given.items()) if new not in canonical]
    if wrong:
        raise CommandError(
            f"{MAP_OPTION}: {', '.join(wrong)}, not a canonical type; expected one of: {', '.join(canonical)}"
        )
    return dict(given)


def _unknown_types() -> dict[str, int]:
    statement = (
        sa.select(operation_runs.c.type, sa.func.count())
        .where(operation_runs.c.type.not_in(sorted(ALLOWED)))
        .group_by(operation_runs.c.type)
        .order_by(operation_runs.c.type)
    )
    return {run_type: count for run_type, count in op.get_bind().execute(statement)}


def upgrade() -> None:
    mapping = operator_mapping()
    unknown = _unknown_types()
    for run_type, count in unknown.items():
        log.info("operation_runs.type: %d runs of type %r are outside the allow-list", count, run_type)
    unmapped = {run_type: count for run_type, count in unknown.items() if run_type not in mapping}
    if unmapped:
        named = ", ".join(
            f"{run_type!r} ({count} run{'s' if count != 1 else ''})" for run_type, count in unmapped.items()
        )
        example = ",".join(f"{run_type}:inventory_sync" for run_type in unmapped)
        raise CommandError(
            f"operation_runs holds run types outside the allow-list: {named}. The cutover does not guess: "
            f"map each to a canonical type ({', '.join(sorted(set(CANONICAL_TYPES.values())))}) and upgrade "
            f"again, e.g. `alembic -x {MAP_OPTION}={example} upgrade head`"
        )
    for run_type in unknown:
        log.info(
            "operation_runs.type: rewrote %d runs of type %r to %r as mapped",
            unknown[run_type],
            run_type,
            mapping[run_type],
        )
    log.info("operation_runs.type: rewrote %d dotted run types", _rewrite(CANONICAL_TYPES))
    used = {run_type: mapping[run_type] for run_type in unknown}
    if used:
        _rewrite(used)


def downgrade() -> None:
    _rewrite({new: old for old, new in CANONICAL_TYPES.items()})
