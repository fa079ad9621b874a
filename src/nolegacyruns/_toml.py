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
    """Parse TOML; nesting too deep or a number too long for the parser is invalid TOML, not a crash."""
    try:
        return toml_reader.loads(text)
    except TOMLDecodeError:
        raise
    except RecursionError:
        raise TOMLDecodeError("nested too deeply") from None
    except ValueError as error:  # an integer longer than Python converts (sys.get_int_max_str_digits)
        reason = str(error).split(";")[0]  # without Python's advice on raising its limit
        raise TOMLDecodeError(f"a value it cannot hold: {reason}") from None


__all__ = ["TOMLDecodeError", "loads"]
