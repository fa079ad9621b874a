"""nolegacyruns: keep legacy run tokens out of a codebase after the operation_runs cutover."""
from __future__ import annotations

__version__ = "0.1.0"
