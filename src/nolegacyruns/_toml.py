"""The TOML reader for this Python (tomllib, or tomli before 3.11)."""

from __future__ import annotations

import sys

if sys.version_info >= (3, 11):
    import tomllib as toml_reader
else:  # pragma: no cover - exercised only on 3.10
    import tomli as toml_reader

TOMLDecodeError = toml_reader.TOMLDecodeError
loads = toml_reader.loads

__all__ = ["TOMLDecodeError", "loads"]
