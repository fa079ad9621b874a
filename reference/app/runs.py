"""Store operation runs: create, move through their lifecycle, look up and list."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import Enum
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from app.db import dialect_insert, is_id, operation_runs, utc, utc_or_none, utcnow
from app.run_types import RunOutcome, RunStatus, RunType, UnknownRunType, parse_run_type

__all__ = ["COMPLETION_OUTCOMES", "InvalidTransition", "Pages", "Run", "RunFilter", "RunPage", "RunStore"]

E = TypeVar("E", bound=Enum)
COMPLETION_OUTCOMES = frozenset({RunOutcome.SUCCEEDED, RunOutcome.PARTIALLY_SUCCEEDED, RunOutcome.FAILED})


class InvalidTransition(RuntimeError):
    """A lifecycle step that the run's current state does not allow."""


@dataclass(frozen=True, slots=True)
class Run:
    """One operation run as stored."""

    id: int
    workspace_id: int
    tenant_id: int | None
    type: RunType | str
    """A canonical type, or the raw stored value of a type outside the allow-list (never written by this code)."""
    status: RunStatus | str
    outcome: RunOutcome | str | None
    """A status or outcome outside the enums (stored by something else) is kept as its raw value, like type."""
    context: Mapping[str, Any]
    summary_counts: Mapping[str, int]
    initiator_user_id: int | None
    created_at: datetime
    started_at: datetime | None
    completed_at: datetime | None
    idempotency_key: str | None

    @property
    def duration(self) -> timedelta | None:
        """Return how long the run ran, once it has started and completed."""
        if self.started_at is None or self.completed_at is None:
            return None
        return self.completed_at - self.started_at

    @property
    def type_name(self) -> str:
        """Return the type as stored."""
        return self.type.value if isinstance(self.type, RunType) else self.type

    @classmethod
    def from_row(cls, row: sa.Row[Any]) -> Run:
        """Build a run from an operation_runs row."""
        return cls(
            id=row.id,
            workspace_id=row.workspace_id,
            tenant_id=row.tenant_id,
            type=_stored_type(row.type),
            status=_stored_choice(RunStatus, row.status),
            outcome=_stored_choice(RunOutcome, row.outcome) if row.outcome is not None else None,
            context=dict(row.context),
            summary_counts=dict(row.summary_counts),
            initiator_user_id=row.initiator_user_id,
            created_at=utc(row.created_at),
            started_at=utc_or_none(row.started_at),
            completed_at=utc_or_none(row.completed_at),
            idempotency_key=row.idempotency_key,
        )


@dataclass(frozen=True, slots=True)
class RunFilter:
    """Which runs a listing shows; None means any, and workspace_ids keeps runs of those workspaces only."""

    workspace_id: int | None = None
    tenant_id: int | None = None
    type: RunType | None = None
    status: RunStatus | None = None
    workspace_ids: frozenset[int] | None = None
    outcome: RunOutcome | None = None

    def where(self) -> list[sa.ColumnElement[bool]]:
        """Return the WHERE clauses for this filter."""
        c = operation_runs.c
        wanted = (
            (c.workspace_id, self.workspace_id),
            (c.tenant_id, self.tenant_id),
            (c.type, self.type),
            (c.status, self.status),
            (c.outcome, self.outcome),
        )
        clauses = [column == _plain(value) for column, value in wanted if value is not None]
        if self.workspace_ids is not None:
            clauses.append(c.workspace_id.in_(sorted(self.workspace_ids)))
        return clauses


class Pages:
    """Where a page sits in its listing; the dataclasses that hold total, page and per_page share it."""

    __slots__ = ()
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        """Return how many pages the listing has (at least one)."""
        return max(1, -(-self.total // self.per_page))

    @property
    def has_next(self) -> bool:
        """Return whether a later page exists."""
        return self.page < self.pages

    @property
    def has_previous(self) -> bool:
        """Return whether an earlier page exists."""
        return self.page > 1


@dataclass(frozen=True, slots=True)
class RunPage(Pages):
    """One page of a listing, newest first."""

    runs: list[Run]
    total: int
    page: int
    per_page: int
    filter: RunFilter = field(default_factory=RunFilter)


class RunStore:
    """Create, move, look up and list operation runs; each call is its own transaction unless handed one."""

    def __init__(self, engine: Engine, clock: Callable[[], datetime] = utcnow) -> None:
        self.engine = engine
        self.clock = clock

    def _values(
        self,
        workspace_id: int,
        type: RunType | str,
        tenant_id: int | None,
        context: Mapping[str, Any] | None,
        initiator_user_id: int | None,
        idempotency_key: str | None,
    ) -> dict[str, Any]:
        return {
            "workspace_id": workspace_id,
            "tenant_id": tenant_id,
            "type": parse_run_type(type).value,
            "status": RunStatus.QUEUED.value,
            "context": dict(context or {}),
            "summary_counts": {},
            "initiator_user_id": initiator_user_id,
            "created_at": self.clock(),
            "idempotency_key": idempotency_key,
        }

    def create(
        self,
        workspace_id: int,
        type: RunType | str,
        *,
        tenant_id: int | None = None,
        context: Mapping[str, Any] | None = None,
        initiator_user_id: int | None = None,
    ) -> Run:
        """Queue a new run; a type outside the allow-list raises UnknownRunType."""
        values = self._values(workspace_id, type, tenant_id, context, initiator_user_id, None)
        with self.engine.begin() as connection:
            row = connection.execute(operation_runs.insert().values(values).returning(*operation_runs.c)).one()
        return Run.from_row(row)

    def create_once(
        self,
        workspace_id: int,
        type: RunType | str,
        *,
        idempotency_key: str,
        tenant_id: int | None = None,
        context: Mapping[str, Any] | None = None,
        initiator_user_id: int | None = None,
    ) -> tuple[Run, bool]:
        """Queue a run unless one with *idempotency_key* exists; return it and whether it is new.

        The unique index on idempotency_key decides, so two workers racing for the same key
        get one run between them.
        """
        values = self._values(workspace_id, type, tenant_id, context, initiator_user_id, idempotency_key)
        with self.engine.begin() as connection:
            insert = (
                dialect_insert(connection, operation_runs)
                .values(values)
                .on_conflict_do_nothing(index_elements=["idempotency_key"])
            )
            row = connection.execute(insert.returning(*operation_runs.c)).one_or_none()
            if row is not None:
                return Run.from_row(row), True
            existing = connection.execute(
                sa.select(operation_runs).where(operation_runs.c.idempotency_key == idempotency_key)
            ).one()
        return Run.from_row(existing), False

    def start(self, run_id: int) -> Run:
        """Move a queued run to running."""
        with self.engine.begin() as connection:
            return _transition(
                connection, run_id, {RunStatus.QUEUED}, status=RunStatus.RUNNING.value, started_at=self.clock()
            )

    def complete(
        self,
        run_id: int,
        outcome: RunOutcome,
        summary_counts: Mapping[str, int],
        *,
        context: Mapping[str, Any] | None = None,
        connection: Connection | None = None,
    ) -> Run:
        """Complete a running run with *outcome*, its summary counts and what to add to its context.

        Pass *connection* to complete the run in the transaction that did its work.
        """
        if outcome not in COMPLETION_OUTCOMES:
            raise ValueError(f"a run cannot complete as {outcome.value!r}")
        values = {"outcome": outcome.value, "summary_counts": dict(summary_counts)}
        if connection is None:
            with self.engine.begin() as own:
                return self._finish(own, run_id, {RunStatus.RUNNING}, values, context)
        return self._finish(connection, run_id, {RunStatus.RUNNING}, values, context)

    def fail(self, run_id: int, error: str) -> Run:
        """Complete a queued or running run as failed, recording *error* in its context."""
        with self.engine.begin() as connection:
            return self._finish(
                connection,
                run_id,
                {RunStatus.QUEUED, RunStatus.RUNNING},
                {"outcome": RunOutcome.FAILED.value},
                {"error": error},
            )

    def _finish(
        self,
        connection: Connection,
        run_id: int,
        allowed: set[RunStatus],
        values: dict[str, Any],
        context: Mapping[str, Any] | None,
    ) -> Run:
        values = {**values, "status": RunStatus.COMPLETED.value, "completed_at": self.clock()}
        if context:
            current = connection.execute(
                sa.select(operation_runs.c.context).where(operation_runs.c.id == run_id).with_for_update()
            ).scalar()
            values["context"] = {**(current or {}), **context}
        return _transition(connection, run_id, allowed, **values)

    def get(self, run_id: int) -> Run | None:
        """Return the run with *run_id*, or None."""
        if not is_id(run_id):
            return None
        with self.engine.connect() as connection:
            row = connection.execute(sa.select(operation_runs).where(operation_runs.c.id == run_id)).one_or_none()
        return Run.from_row(row) if row is not None else None

    def list(self, filter: RunFilter = RunFilter(), *, page: int = 1, per_page: int = 25) -> RunPage:
        """Return one page of matching runs, newest first, in two queries whatever the page size."""
        if page < 1 or per_page < 1:
            raise ValueError("page and per_page start at 1")
        where = filter.where()
        with self.engine.connect() as connection:
            total = connection.execute(
                sa.select(sa.func.count()).select_from(operation_runs).where(*where)
            ).scalar_one()
            rows = connection.execute(
                sa.select(operation_runs)
                .where(*where)
                .order_by(operation_runs.c.created_at.desc(), operation_runs.c.id.desc())
                .limit(per_page)
                .offset((page - 1) * per_page)
            ).all()
        return RunPage([Run.from_row(row) for row in rows], total, page, per_page, filter)


def _transition(connection: Connection, run_id: int, allowed: set[RunStatus], **values: Any) -> Run:
    """Update a run whose status is in *allowed*; say why when there is none."""
    statement = (
        operation_runs.update()
        .where(operation_runs.c.id == run_id, operation_runs.c.status.in_([s.value for s in allowed]))
        .values(values)
        .returning(*operation_runs.c)
    )
    row = connection.execute(statement).one_or_none()
    if row is None:
        current = connection.execute(sa.select(operation_runs.c.status).where(operation_runs.c.id == run_id)).scalar()
        if current is None:
            raise LookupError(f"operation run {run_id} does not exist")
        raise InvalidTransition(f"operation run {run_id} is {current}; expected {_names(allowed)}")
    return Run.from_row(row)


def _stored_type(value: str) -> RunType | str:
    """Return the canonical type of a stored value, or the value itself when it is outside the allow-list."""
    try:
        return parse_run_type(value)
    except UnknownRunType:
        return value


def _stored_choice(kind: type[E], value: str) -> E | str:
    """Return the member of *kind* for a stored value, or the value itself when it is not one."""
    try:
        return kind(value)
    except ValueError:
        return value


def _plain(value: object) -> object:
    return value.value if isinstance(value, (RunType, RunStatus, RunOutcome)) else value


def _names(statuses: set[RunStatus]) -> str:
    return " or ".join(sorted(status.value for status in statuses))
