"""nolegacyruns: keep legacy run tokens out of a codebase after the operation_runs cutover."""

from __future__ import annotations

from ._version import __version__
from .api import check
from .config.loading import Config, load_config
from .errors import UsageError
from .findings import FileResult, Finding, Severity
from .report.model import Report

__all__ = ["Config", "FileResult", "Finding", "Report", "Severity", "UsageError", "__version__", "check", "load_config"]
