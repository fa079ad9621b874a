"""Read the operations index's query string: filters by type, status and tenant, and the page."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from enum import Enum
from typing import Any, TypeVar
from urllib.parse import urlencode

from app.db import MAX_ID
from app.run_types import RunOutcome, RunStatus, RunType
from app.runs import RunFilter

__all__ = ["DEFAULT_PER_PAGE", "MAX_PER_PAGE", "Listing", "ListingError", "Paging"]

E = TypeVar("E", bound=Enum)

DEFAULT_PER_PAGE = 25
MAX_PER_PAGE = 100
MAX_PAGE = 1_000_000
# A tenant number longer than this names no tenant; it is not even read as a number.
MAX_ID_DIGITS = len(str(MAX_ID))


class ListingError(ValueError):
    """A query string the index cannot honour; the page answers 400 with this message."""


@dataclass(frozen=True, slots=True)
class Listing:
    """What the index shows; an empty or missing parameter means any."""

    type: RunType | None = None
    status: RunStatus | None = None
    outcome: RunOutcome | None = None
    tenant_id: int | None = None
    page: int = 1
    per_page: int = DEFAULT_PER_PAGE

    @classmethod
    def parse(cls, params: Mapping[str, str]) -> Listing:
        """Return the listing *params* ask for, or raise ListingError saying what is wrong."""
        return cls(
            type=_choice(params, "type", RunType),
            status=_choice(params, "status", RunStatus),
            outcome=_choice(params, "outcome", RunOutcome),
            tenant_id=_tenant(params),
            page=_number(params, "page", MAX_PAGE) or 1,
            per_page=_number(params, "per_page", MAX_PER_PAGE) or DEFAULT_PER_PAGE,
        )

    def filter(self, workspace_ids: frozenset[int]) -> RunFilter:
        """Return the run filter for this listing within *workspace_ids*."""
        return RunFilter(
            tenant_id=self.tenant_id,
            type=self.type,
            status=self.status,
            outcome=self.outcome,
            workspace_ids=workspace_ids,
        )

    def query(self, **changes: Any) -> str:
        """Return the query string of this listing with *changes*, leaving out defaults."""
        listing = replace(self, **changes)
        params = {
            "type": listing.type.value if listing.type else None,
            "status": listing.status.value if listing.status else None,
            "outcome": listing.outcome.value if listing.outcome else None,
            "tenant": listing.tenant_id,
            "page": listing.page if listing.page != 1 else None,
            "per_page": listing.per_page if listing.per_page != DEFAULT_PER_PAGE else None,
        }
        return urlencode({key: value for key, value in params.items() if value is not None})


@dataclass(frozen=True, slots=True)
class Paging:
    """Which page of a record list to show."""

    page: int = 1
    per_page: int = DEFAULT_PER_PAGE

    @classmethod
    def parse(cls, params: Mapping[str, str]) -> Paging:
        """Return the page *params* ask for, or raise ListingError saying what is wrong."""
        return cls(
            page=_number(params, "page", MAX_PAGE) or 1,
            per_page=_number(params, "per_page", MAX_PER_PAGE) or DEFAULT_PER_PAGE,
        )

    def query(self, **changes: Any) -> str:
        """Return the query string of this page with *changes*, leaving out defaults."""
        paging = replace(self, **changes)
        params = {
            "page": paging.page if paging.page != 1 else None,
            "per_page": paging.per_page if paging.per_page != DEFAULT_PER_PAGE else None,
        }
        return urlencode({key: value for key, value in params.items() if value is not None})


# Error messages name the parameter and what it accepts, never the value sent: nothing of the
# request is echoed, and no Python internals show.
def _choice(params: Mapping[str, str], key: str, values: type[E]) -> E | None:
    """Return parameter *key* as one of *values*, or None when it is missing or empty."""
    raw = params.get(key)
    if not raw:
        return None
    try:
        return values(raw)
    except ValueError:
        raise ListingError(f"{key} must be one of: {', '.join(value.value for value in values)}") from None


def _tenant(params: Mapping[str, str]) -> int | None:
    """Return the tenant filter; a number too large for an id is kept, to find no tenant (404)."""
    raw = params.get("tenant")
    if not raw:
        return None
    digits = raw.lstrip("0")
    if not (raw.isascii() and raw.isdigit() and digits):
        raise ListingError("tenant must be a tenant id, a whole number from 1")
    return int(digits) if len(digits) <= MAX_ID_DIGITS else MAX_ID + 1


def _number(params: Mapping[str, str], key: str, high: int) -> int | None:
    """Return parameter *key* as a number from 1 to *high*, or None when it is missing or empty."""
    raw = params.get(key)
    if not raw:
        return None
    if not (raw.isascii() and raw.isdigit() and len(raw) <= len(str(high)) and 1 <= int(raw) <= high):
        raise ListingError(f"{key} must be a whole number from 1 to {high}")
    return int(raw)
