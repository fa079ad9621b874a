"""The Jinja2 templates in reference/resources/views, with the filters the pages use."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from enum import Enum
from pathlib import Path
from typing import Any

from jinja2 import pass_context
from starlette.requests import Request
from starlette.responses import Response
from starlette.templating import Jinja2Templates

__all__ = ["STATIC", "VIEWS", "render"]

VIEWS = Path(__file__).resolve().parents[2] / "resources" / "views"
STATIC = VIEWS.parent / "static"


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S UTC") if value is not None else "—"


def _label(value: object) -> str:
    text = str(value.value if isinstance(value, Enum) else value)
    return text.replace("_", " ").capitalize()


def _pretty(value: object) -> str:
    return json.dumps(value, indent=2, sort_keys=True, default=str)


@pass_context
def _path_for(context: Mapping[str, Any], name: str, /, **params: Any) -> str:
    # A path, not an absolute URL, so links survive a reverse proxy.
    request: Request = context["request"]
    return str(request.app.url_path_for(name, **params))


_TEMPLATES = Jinja2Templates(directory=VIEWS)
_TEMPLATES.env.filters.update(when=_when, label=_label, pretty=_pretty)
_TEMPLATES.env.globals["path_for"] = _path_for


def render(
    request: Request,
    name: str,
    context: Mapping[str, Any] | None = None,
    *,
    status_code: int = 200,
    headers: Mapping[str, str] | None = None,
) -> Response:
    """Render template *name* with *context* as an HTML response."""
    return _TEMPLATES.TemplateResponse(request, name, dict(context or {}), status_code=status_code, headers=headers)
