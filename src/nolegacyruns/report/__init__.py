"""Reports: the `Report` of one check (`model.py`), the baseline, and one module per output format.

Every formatter is `(report, color) -> str`; a new format is a module here listed in `FORMATS`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from .github import format_github
from .gitlab import format_gitlab
from .json_format import format_json
from .junit import format_junit
from .sarif import format_sarif
from .text import format_text, summary_line

if TYPE_CHECKING:
    from .model import Report

Formatter = Callable[["Report", bool], str]

FORMATS: dict[str, Formatter] = {
    "text": format_text,
    "json": format_json,
    "sarif": format_sarif,
    "github": format_github,
    "junit": format_junit,
    "gitlab": format_gitlab,
}

__all__ = ["FORMATS", "Formatter", "summary_line"]
