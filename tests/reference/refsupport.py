"""Helpers the reference tests share: engine parameters, row and statement counts, captured logs."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

__all__ = ["ENGINES", "Clock", "World", "capture_logs", "count", "counting_statements"]

ENGINES = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres),
]


@dataclass(frozen=True)
class World:
    """Ids of the rows every service test starts from."""

    workspace: int = 1
    other_workspace: int = 2
    tenant: int = 1
    second_tenant: int = 2
    other_tenant: int = 3
    owner: int = 1
    manager: int = 2
    operator: int = 3
    billing: int = 4
    outsider: int = 5
    daily_schedule: int = 1
    weekly_schedule: int = 2
    disabled_schedule: int = 3


def count(engine: Engine, table: sa.Table, *where: sa.ColumnElement[bool]) -> int:
    """Return how many rows of *table* match *where*."""
    with engine.connect() as connection:
        return int(connection.execute(sa.select(sa.func.count()).select_from(table).where(*where)).scalar_one())


@contextmanager
def counting_statements(engine: Engine) -> Iterator[list[str]]:
    """Collect every SQL statement *engine* sends while the block runs."""
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)


@contextmanager
def capture_logs(name: str) -> Iterator[list[str]]:
    """Collect the INFO and higher messages of logger *name* while the block runs."""
    handler = _ListHandler()
    logger = logging.getLogger(name)
    level = logger.level
    logger.setLevel(logging.INFO)
    logger.addHandler(handler)
    try:
        yield handler.messages
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


class _ListHandler(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


class Clock:
    """A clock that moves one minute each time it is read."""

    def __init__(self, start: datetime = datetime(2026, 2, 12, 9, 0, tzinfo=timezone.utc)) -> None:
        self.now = start

    def __call__(self) -> datetime:
        self.now += timedelta(minutes=1)
        return self.now
