"""The TOML reader for this Python (tomllib, or tomli before 3.11)."""

from __future__ import annotations

import sys
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib as toml_reader
else:  # pragma: no cover - exercised only on 3.10
    import tomli as toml_reader

TOMLDecodeError = toml_reader.TOMLDecodeError


def loads(text: str) -> dict[str, Any]:
    """Parse TOML; nesting too deep for the parser is invalid TOML, not a crash."""
    try:
        return toml_reader.loads(text)
    except RecursionError:
        raise TOMLDecodeError("nested too deeply") from None


__all__ = ["TOMLDecodeError", "loads"]
