"""Read TOML tables field by field, collecting every problem instead of stopping at the first."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

_MISSING = object()


def describe(value: object) -> str:
    """Name a TOML value the way an error message should show it."""
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "a list"
    return f"{type(value).__name__} {value!r}"


class FieldReader:
    """Typed access to one TOML table; problems go to a shared list as `file: key: problem`."""

    def __init__(self, table: dict[str, Any], where: str, prefix: str, problems: list[str]) -> None:
        self.table = table
        self.where = where
        self.prefix = prefix
        self.problems = problems

    def key(self, name: str) -> str:
        return f"{self.prefix}.{name}" if self.prefix else name

    def problem(self, name: str, text: str) -> None:
        self.problems.append(f"{self.where}: {self.key(name)}: {text}")

    def has(self, name: str) -> bool:
        return name in self.table

    def string(self, name: str, default: str | None = None, *, required: bool = False) -> str | None:
        value = self.table.get(name, _MISSING)
        if value is _MISSING:
            if required:
                self.problem(name, "is required")
            return default
        if not isinstance(value, str) or (required and not value.strip()):
            self.problem(name, f"expected a non-empty string, got {describe(value)}")
            return default
        return value

    def boolean(self, name: str, default: bool) -> bool:
        value = self.table.get(name, _MISSING)
        if value is _MISSING:
            return default
        if not isinstance(value, bool):
            self.problem(name, f"expected true or false, got {describe(value)}")
            return default
        return value

    def integer(self, name: str, default: int, *, minimum: int = 1) -> int:
        value = self.table.get(name, _MISSING)
        if value is _MISSING:
            return default
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            self.problem(name, f"expected a whole number of at least {minimum}, got {describe(value)}")
            return default
        return value

    def strings(self, name: str, default: Iterable[str] = (), *, required: bool = False) -> tuple[str, ...]:
        value = self.table.get(name, _MISSING)
        if value is _MISSING:
            if required:
                self.problem(name, "is required")
            return tuple(default)
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.problem(name, f"expected a list of strings, got {describe(value)}")
            return tuple(default)
        return tuple(value)

    def string_table(self, name: str) -> dict[str, str]:
        value = self.table.get(name, _MISSING)
        if value is _MISSING:
            return {}
        if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
            self.problem(name, f"expected a table of strings, got {describe(value)}")
            return {}
        return dict(value)

    def tables(self, name: str) -> list[dict[str, Any]]:
        value = self.table.get(name, _MISSING)
        if value is _MISSING:
            return []
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            self.problem(name, f"expected an array of tables ([[{self.key(name)}]]), got {describe(value)}")
            return []
        return list(value)

    def subtable(self, name: str) -> dict[str, Any]:
        value = self.table.get(name, _MISSING)
        if value is _MISSING:
            return {}
        if not isinstance(value, dict):
            self.problem(name, f"expected a table, got {describe(value)}")
            return {}
        return value

    def reject_unknown(self, known: Iterable[str]) -> None:
        """Report keys this table does not know, with a did-you-mean."""
        import difflib  # only a table with an unknown key needs a did-you-mean

        known = list(known)
        for name in self.table:
            if name in known:
                continue
            close = difflib.get_close_matches(name, known, n=1)
            hint = f"; did you mean '{close[0]}'?" if close else f"; known keys: {', '.join(sorted(known))}"
            self.problem(name, f"unknown key{hint}")
