"""Error pages: one not-found page for every 404, whatever its cause, and the 403 page."""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from app.web.headers import SECURITY_HEADERS
from app.web.templates import render

__all__ = ["http_error", "server_error"]

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


def server_error(request: Request, exc: Exception) -> Response:
    """The 500 page: a fixed body that shows nothing of the failure, with the security headers.

    Starlette answers an unhandled error outside every middleware, so the headers come from here.
    """
    body = "<!doctype html><title>Server error</title><h1>Server error</h1><p>Something went wrong.</p>\n"
    return HTMLResponse(body, status_code=500, headers={**SECURITY_HEADERS, "Cache-Control": "no-store"})
