"""Build the operations viewer: a Starlette application over a reference database at head.

Serve it with uvicorn: `python -m app.demo` does, or, from reference/ with DATABASE_URL set,
`uvicorn --factory app.main:from_environment`.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware

from app.db import create_engine, database_url
from app.migrate import current_revision, head_revision
from app.runs import RunStore
from app.web.errors import http_error, server_error
from app.web.headers import SecurityHeaders
from app.web.session import SESSION_MAX_AGE, LoginRequired, redirect_to_login
from app.web.state import ViewerState
from routes.web import routes

__all__ = ["SECURE_COOKIES_ENV", "SESSION_COOKIE", "SESSION_SECRET_ENV", "create_app", "from_environment"]

SESSION_SECRET_ENV = "REFERENCE_SESSION_SECRET"
SESSION_COOKIE = "reference_session"
SECURE_COOKIES_ENV = "REFERENCE_SECURE_COOKIES"
# Without REFERENCE_SESSION_SECRET each process signs with its own key, so a restart signs everyone out.
_PROCESS_SECRET = secrets.token_urlsafe(32)


def create_app(database_url: str, *, session_secret: str | None = None, secure_cookies: bool = False) -> Starlette:
    """Return the viewer over *database_url*, which must be at head; raise RuntimeError if it is not.

    The session cookie is signed with *session_secret*, else $REFERENCE_SESSION_SECRET, else a
    random key made once per process. With *secure_cookies* the browser sends it over HTTPS only:
    set it whenever the viewer is served over HTTPS (directly or behind a proxy).
    """
    _require_head(database_url)
    engine = create_engine(database_url)

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        yield
        engine.dispose()

    app = Starlette(
        routes=routes,
        middleware=[
            Middleware(SecurityHeaders),
            Middleware(
                SessionMiddleware,
                secret_key=session_secret or os.environ.get(SESSION_SECRET_ENV) or _PROCESS_SECRET,
                session_cookie=SESSION_COOKIE,
                max_age=int(SESSION_MAX_AGE.total_seconds()),
                same_site="lax",
                https_only=secure_cookies,
            ),
        ],
        exception_handlers={HTTPException: http_error, LoginRequired: redirect_to_login, 500: server_error},
        lifespan=lifespan,
    )
    app.state.viewer = ViewerState(engine, RunStore(engine))
    return app


def from_environment() -> Starlette:
    """Return the viewer over DATABASE_URL (or reference/data/reference.db): uvicorn's --factory entry.

    REFERENCE_SECURE_COOKIES=1 makes the session cookie Secure (serve over HTTPS then).
    """
    return create_app(database_url(), secure_cookies=os.environ.get(SECURE_COOKIES_ENV, "") not in ("", "0"))


def _require_head(database_url: str) -> None:
    head = head_revision()
    current = current_revision(database_url)
    if current != head:
        raise RuntimeError(
            f"the database is at revision {current or 'none'}, not {head}; "
            "migrate it first (`alembic upgrade head` in reference/database, or app.migrate.upgrade)"
        )
