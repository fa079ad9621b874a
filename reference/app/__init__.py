"""The reference application after the cutover: every run is an operation run."""

from __future__ import annotations

from app.run_types import RunOutcome, RunStatus, RunType, UnknownRunType, parse_run_type
from app.runs import InvalidTransition, Run, RunFilter, RunPage, RunStore

__all__ = [
    "InvalidTransition",
    "Run",
    "RunFilter",
    "RunOutcome",
    "RunPage",
    "RunStatus",
    "RunStore",
    "RunType",
    "UnknownRunType",
    "parse_run_type",
]
