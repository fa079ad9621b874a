"""Read the operations index's query string: filters by type, status and tenant, and the page."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlencode

from app.db import MAX_ID
from app.run_types import RunStatus, RunType, parse_run_type
from app.runs import RunFilter

__all__ = ["DEFAULT_PER_PAGE", "MAX_PER_PAGE", "Listing", "ListingError"]

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
    tenant_id: int | None = None
    page: int = 1
    per_page: int = DEFAULT_PER_PAGE

    @classmethod
    def parse(cls, params: Mapping[str, str]) -> Listing:
        """Return the listing *params* ask for, or raise ListingError saying what is wrong."""
        try:
            type = parse_run_type(params["type"]) if params.get("type") else None
            status = RunStatus(params["status"]) if params.get("status") else None
        except ValueError as error:
            raise ListingError(str(error)) from None
        return cls(
            type=type,
            status=status,
            tenant_id=_tenant(params),
            page=_number(params, "page", MAX_PAGE) or 1,
            per_page=_number(params, "per_page", MAX_PER_PAGE) or DEFAULT_PER_PAGE,
        )

    def filter(self, workspace_ids: frozenset[int]) -> RunFilter:
        """Return the run filter for this listing within *workspace_ids*."""
        return RunFilter(tenant_id=self.tenant_id, type=self.type, status=self.status, workspace_ids=workspace_ids)

    def query(self, **changes: Any) -> str:
        """Return the query string of this listing with *changes*, leaving out defaults."""
        listing = replace(self, **changes)
        params = {
            "type": listing.type.value if listing.type else None,
            "status": listing.status.value if listing.status else None,
            "tenant": listing.tenant_id,
            "page": listing.page if listing.page != 1 else None,
            "per_page": listing.per_page if listing.per_page != DEFAULT_PER_PAGE else None,
        }
        return urlencode({key: value for key, value in params.items() if value is not None})


def _tenant(params: Mapping[str, str]) -> int | None:
    """Return the tenant filter; a number too large for an id is kept, to find no tenant (404)."""
    raw = params.get("tenant")
    if raw and raw.isascii() and raw.isdigit() and len(raw) > MAX_ID_DIGITS:
        return MAX_ID + 1
    return _number(params, "tenant", MAX_ID + 1)


def _number(params: Mapping[str, str], key: str, high: int) -> int | None:
    """Return parameter *key* as a number from 1 to *high*, or None when it is missing or empty."""
    raw = params.get(key)
    if not raw:
        return None
    if not (raw.isascii() and raw.isdigit() and len(raw) <= len(str(high)) and 1 <= int(raw) <= high):
        raise ListingError(f"{key} must be a whole number from 1 to {high}, got {raw!r}")
    return int(raw)
