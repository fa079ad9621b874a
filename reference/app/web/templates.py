"""The Jinja2 templates in reference/resources/views, with the filters the pages use."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime, timedelta
from enum import Enum
from pathlib import Path
from typing import Any

from jinja2 import pass_context
from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import Response
from starlette.templating import Jinja2Templates

__all__ = ["STATIC", "VIEWS", "render"]

VIEWS = Path(__file__).resolve().parents[2] / "resources" / "views"
STATIC = VIEWS.parent / "static"


def _when(value: datetime | None) -> Markup:
    if value is None:
        return Markup("—")
    return Markup('<time datetime="{}">{}</time>').format(value.isoformat(), value.strftime("%Y-%m-%d %H:%M:%S UTC"))


def _duration(value: timedelta | None) -> str:
    if value is None:
        return "—"
    seconds = int(value.total_seconds())
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes} min"
    return f"{minutes} min {seconds} s" if minutes else f"{seconds} s"


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
_TEMPLATES.env.filters.update(when=_when, label=_label, pretty=_pretty, duration=_duration)
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
