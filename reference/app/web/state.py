"""What every request of the viewer shares: the engine and the run store."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.engine import Engine
from starlette.requests import Request

from app.runs import RunStore

__all__ = ["ViewerState", "state"]


@dataclass(frozen=True, slots=True)
class ViewerState:
    """The database the viewer reads; it never calls the directory (Graph) while rendering."""

    engine: Engine
    runs: RunStore


def state(request: Request) -> ViewerState:
    """Return the state create_app stored on the application."""
    shared: ViewerState = request.app.state.viewer
    return shared
