"""Error pages: one not-found page for every 404, whatever its cause, and the 403 page."""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from app.web.templates import render

__all__ = ["http_error"]

# A 404 says nothing about why: a record that does not exist, one in another workspace and a
# URL without a route all render this same body.
FIXED_PAGES = {
    404: ("Not found", "There is nothing at this address."),
    403: ("Forbidden", "Your role in this workspace does not allow viewing operations."),
}


def http_error(request: Request, exc: Exception) -> Response:
    """Render an HTTPException as a page; 404 and 403 bodies never depend on the request."""
    if not isinstance(exc, HTTPException):
        raise exc
    title, message = FIXED_PAGES.get(exc.status_code, (f"Error {exc.status_code}", exc.detail))
    context = {"status": exc.status_code, "title": title, "message": message}
    return render(request, "error.html", context, status_code=exc.status_code, headers=exc.headers)
