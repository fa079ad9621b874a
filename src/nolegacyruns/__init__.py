"""nolegacyruns: keep legacy run tokens out of a codebase after the operation_runs cutover."""
from __future__ import annotations

__version__ = "0.1.0"

from .api import check
from .config.loading import Config, load_config  # noqa: E402
from .errors import UsageError  # noqa: E402
from .findings import FileResult, Finding, Severity  # noqa: E402
from .report.model import Report  # noqa: E402

__all__ = ["Config", "FileResult", "Finding", "Report", "Severity", "UsageError", "check", "load_config", "__version__"]
