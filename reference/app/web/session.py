"""The signed session cookie: who is signed in, and the token that guards the viewer's forms."""

from __future__ import annotations

import hmac
import secrets
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from app.web.state import state
from app.web.viewer import Viewer, load_viewer

__all__ = [
    "CSRF_FIELD",
    "LoginRequired",
    "csrf_token",
    "csrf_valid",
    "current_viewer",
    "redirect_to_login",
    "safe_next",
    "sign_in",
    "sign_out",
]

USER_KEY = "user_id"
CSRF_KEY = "csrf"
CSRF_FIELD = "csrf_token"


class LoginRequired(Exception):
    """The page exists but nobody is signed in; the handler sends them to the login page."""


def current_viewer(request: Request) -> Viewer:
    """Return the signed-in viewer, or raise LoginRequired (also when their user row is gone)."""
    user_id = request.session.get(USER_KEY)
    if isinstance(user_id, int):
        viewer = load_viewer(state(request).engine, user_id)
        if viewer is not None:
            return viewer
    request.session.clear()
    raise LoginRequired


def sign_in(request: Request, user_id: int) -> None:
    """Start a fresh session for *user_id*, with a new form token."""
    request.session.clear()
    request.session[USER_KEY] = user_id
    request.session[CSRF_KEY] = secrets.token_urlsafe(32)


def sign_out(request: Request) -> None:
    """Forget who is signed in."""
    request.session.clear()


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
