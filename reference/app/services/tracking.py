"""Carry out a queued run: start it, do its work, and complete or fail it."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.engine import Connection

from app.graph import GraphError
from app.records import tenant_workspace
from app.run_types import RunOutcome, RunType
from app.runs import Run, RunStore

__all__ = ["RunRefused", "WorkResult", "perform", "queue_for_tenant"]

log = logging.getLogger(__name__)


class RunRefused(RuntimeError):
    """The work cannot be done as asked; the run fails with this message."""


@dataclass(frozen=True, slots=True)
class WorkResult:
    """What a run's work produced: its counts, what to add to its context, and its outcome."""

    summary_counts: Mapping[str, int]
    context: Mapping[str, Any] = field(default_factory=dict)
    outcome: RunOutcome = RunOutcome.SUCCEEDED


Work = Callable[[Connection, Run], WorkResult]


def perform(store: RunStore, run: Run, work: Work) -> Run:
    """Start *run*, then do *work* and complete the run in one transaction.

    GraphError and RunRefused fail the run and return it; any other error fails it and propagates.
    """
    run = store.start(run.id)
    try:
        with store.engine.begin() as connection:
            result = work(connection, run)
            return store.complete(
                run.id, result.outcome, result.summary_counts, context=result.context, connection=connection
            )
    except (GraphError, RunRefused) as error:
        log.warning("operation run %d (%s) failed: %s", run.id, run.type_name, error)
        return store.fail(run.id, str(error))
    except Exception as error:
        store.fail(run.id, f"{type(error).__name__}: {error}")
        raise


def queue_for_tenant(
    store: RunStore,
    tenant_id: int,
    type: RunType,
    *,
    context: Mapping[str, Any] | None = None,
    initiator_user_id: int | None = None,
) -> Run:
    """Queue a run of *type* for *tenant_id* in the tenant's workspace."""
    with store.engine.connect() as connection:
        workspace_id = tenant_workspace(connection, tenant_id)
    return store.create(workspace_id, type, tenant_id=tenant_id, context=context, initiator_user_id=initiator_user_id)
