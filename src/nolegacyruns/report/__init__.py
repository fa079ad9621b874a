"""Reports: the `Report` of one check (`model.py`), the baseline, and one module per output format.

Every formatter is `(report, color) -> str`; a new format is a module here listed in `_WHERE` (by name),
imported when first used.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, cast

from .text import summary_line

if TYPE_CHECKING:
    from .model import Report

Formatter = Callable[["Report", bool], str]

# Format name: (module in this package, formatter function).
_WHERE = {
    "text": ("text", "format_text"),
    "json": ("json_format", "format_json"),
    "sarif": ("sarif", "format_sarif"),
    "github": ("github", "format_github"),
    "junit": ("junit", "format_junit"),
    "gitlab": ("gitlab", "format_gitlab"),
}


class _Formats(Mapping[str, Formatter]):
    """The formatters by name; a check that writes text never imports the SARIF or JUnit code."""

    def __getitem__(self, name: str) -> Formatter:
        module, function = _WHERE[name]
        return cast(Formatter, getattr(importlib.import_module(f"{__name__}.{module}"), function))

    def __iter__(self) -> Iterator[str]:
        return iter(_WHERE)

    def __len__(self) -> int:
        return len(_WHERE)


FORMATS: Mapping[str, Formatter] = _Formats()

__all__ = ["FORMATS", "Formatter", "summary_line"]
