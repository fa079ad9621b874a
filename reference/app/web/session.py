"""The session: a signed cookie naming a server-side session row, and the token that guards the forms.

The cookie carries a random session token; the database keeps only its SHA-256 in user_sessions.
Every request looks the row up, so signing out (which deletes it) ends every copy of the cookie,
and a password change (which deletes all of the user's rows) ends every session of that user.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta
from urllib.parse import urlencode

from sqlalchemy.engine import Engine
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from app.db import user_sessions, utcnow
from app.web.state import state
from app.web.viewer import Viewer, load_viewer

__all__ = [
    "CSRF_FIELD",
    "SESSION_MAX_AGE",
    "LoginRequired",
    "csrf_token",
    "csrf_valid",
    "current_viewer",
    "end_sessions",
    "redirect_to_login",
    "safe_next",
    "sign_in",
    "sign_out",
]

SESSION_MAX_AGE = timedelta(hours=8)
SESSION_KEY = "session"
CSRF_KEY = "csrf"
CSRF_FIELD = "csrf_token"


class LoginRequired(Exception):
    """The page exists but nobody is signed in; the handler sends them to the login page."""


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def current_viewer(request: Request) -> Viewer:
    """Return the signed-in viewer, or raise LoginRequired (also when the session ended or the user is gone)."""
    token = request.session.get(SESSION_KEY)
    if isinstance(token, str):
        viewer = load_viewer(state(request).engine, _digest(token), utcnow() - SESSION_MAX_AGE)
        if viewer is not None:
            return viewer
    request.session.clear()
    raise LoginRequired


def sign_in(request: Request, user_id: int) -> None:
    """Start a fresh server-side session for *user_id*, with a new form token."""
    token = secrets.token_urlsafe(32)
    with state(request).engine.begin() as connection:
        # The user's expired sessions go when they sign in again, so the table does not grow without end.
        connection.execute(
            user_sessions.delete().where(
                user_sessions.c.user_id == user_id, user_sessions.c.created_at < utcnow() - SESSION_MAX_AGE
            )
        )
        connection.execute(user_sessions.insert().values(id=_digest(token), user_id=user_id, created_at=utcnow()))
    request.session.clear()
    request.session[SESSION_KEY] = token
    request.session[CSRF_KEY] = secrets.token_urlsafe(32)


def sign_out(request: Request) -> None:
    """End this session on the server and forget it in the cookie."""
    token = request.session.get(SESSION_KEY)
    if isinstance(token, str):
        with state(request).engine.begin() as connection:
            connection.execute(user_sessions.delete().where(user_sessions.c.id == _digest(token)))
    request.session.clear()


def end_sessions(engine: Engine, user_id: int) -> int:
    """End every session of *user_id*; return how many there were."""
    with engine.begin() as connection:
        return connection.execute(user_sessions.delete().where(user_sessions.c.user_id == user_id)).rowcount


def csrf_token(request: Request) -> str:
    """Return this session's form token, creating it on first use."""
    token = request.session.get(CSRF_KEY)
    if not isinstance(token, str):
        token = request.session[CSRF_KEY] = secrets.token_urlsafe(32)
    return token


def csrf_valid(request: Request, submitted: object) -> bool:
    """Return whether a form carried this session's token."""
    token = request.session.get(CSRF_KEY)
    return isinstance(token, str) and isinstance(submitted, str) and hmac.compare_digest(token, submitted)


def safe_next(target: object, default: str) -> str:
    """Return *target* if it is a path on this site, else *default*; sign-in never sends anyone elsewhere."""
    if isinstance(target, str) and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return default


def redirect_to_login(request: Request, _exc: Exception) -> Response:
    """Send an anonymous visitor to the login page, to come back here afterwards."""
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    login = request.app.url_path_for("login")
    return RedirectResponse(f"{login}?{urlencode({'next': target})}", status_code=303)
