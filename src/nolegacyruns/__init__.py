"""nolegacyruns: keep legacy run tokens out of a codebase after the operation_runs cutover."""

from __future__ import annotations

from ._version import __version__
from .api import check, fix
from .config.loading import Config, load_config
from .errors import UsageError
from .findings import Applicability, FileResult, Finding, Fix, Severity
from .fixing import FileFix, Fixed
from .report.model import Report

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
