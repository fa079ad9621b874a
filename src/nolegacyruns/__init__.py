"""nolegacyruns: keep legacy run tokens out of a codebase after the operation_runs cutover."""

from __future__ import annotations

from importlib import import_module

from ._version import __version__

TYPE_CHECKING = False  # typing itself costs a launch more than the rest of it

if TYPE_CHECKING:
    from typing import Any

    from .api import check, fix
    from .config.loading import Config, load_config
    from .errors import UsageError
    from .findings import Applicability, FileResult, Finding, Fix, Severity
    from .fixing import FileFix, Fixed
    from .report.model import Report

# Loaded when first asked for: the command line's launcher imports this package and must stay light.
_HOMES = {
    "check": ".api",
    "fix": ".api",
    "Config": ".config.loading",
    "load_config": ".config.loading",
    "UsageError": ".errors",
    "Applicability": ".findings",
    "FileResult": ".findings",
    "Finding": ".findings",
    "Fix": ".findings",
    "Severity": ".findings",
    "FileFix": ".fixing",
    "Fixed": ".fixing",
    "Report": ".report.model",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(home, __name__), name)
    globals()[name] = value
    return value


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
