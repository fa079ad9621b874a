"""nolegacyruns: keep legacy run tokens out of a codebase after the operation_runs cutover."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._version import __version__
from .api import check, fix
from .config.loading import Config, load_config
from .errors import UsageError
from .findings import Applicability, FileResult, Finding, Fix, Severity
from .report.model import Report

if TYPE_CHECKING:
    from .fixing import FileFix, Fixed


def __getattr__(name: str) -> Any:
    """The fixer's result types, loaded when first asked for: a check that fixes nothing never loads the fixer."""
    if name in ("FileFix", "Fixed"):
        from . import fixing

        return getattr(fixing, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "Applicability",
    "Config",
    "FileFix",
    "FileResult",
    "Finding",
    "Fix",
    "Fixed",
    "Report",
    "Severity",
    "UsageError",
    "__version__",
    "check",
    "fix",
    "load_config",
]
