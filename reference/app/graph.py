"""Read a tenant's policies and groups: the GraphClient protocol and an in-memory client."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

__all__ = ["GraphClient", "GraphError", "InMemoryGraphClient", "ObservedGroup", "ObservedPolicy"]


class GraphError(RuntimeError):
    """The directory could not be read; the run that asked records it and fails."""


@dataclass(frozen=True, slots=True)
class ObservedPolicy:
    """A policy as the directory reports it."""

    external_id: str
    policy_type: str
    display_name: str
    settings: Mapping[str, Any] = field(default_factory=dict)

    def fingerprint(self) -> str:
        """Return a digest of everything drift detection compares."""
        payload = json.dumps([self.policy_type, self.display_name, self.settings], sort_keys=True, default=str)
        return hashlib.sha256(payload.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class ObservedGroup:
    """A directory group."""

    external_id: str
    display_name: str


class GraphClient(Protocol):
    """What the sync services need from the directory."""

    def list_policies(self, tenant_id: int) -> Iterable[ObservedPolicy]:
        """Return every policy of *tenant_id*, or raise GraphError."""
        ...

    def list_groups(self, tenant_id: int) -> Iterable[ObservedGroup]:
        """Return every group of *tenant_id*, or raise GraphError."""
        ...


class InMemoryGraphClient:
    """A directory held in dictionaries, for the demo and the tests."""

    def __init__(self) -> None:
        self.policies: dict[int, list[ObservedPolicy]] = {}
        self.groups: dict[int, list[ObservedGroup]] = {}
        self.outages: dict[int, str] = {}

    def list_policies(self, tenant_id: int) -> list[ObservedPolicy]:
        """Return the policies stored for *tenant_id*."""
        self._check(tenant_id)
        return list(self.policies.get(tenant_id, ()))

    def list_groups(self, tenant_id: int) -> list[ObservedGroup]:
        """Return the groups stored for *tenant_id*."""
        self._check(tenant_id)
        return list(self.groups.get(tenant_id, ()))

    def _check(self, tenant_id: int) -> None:
        if tenant_id in self.outages:
            raise GraphError(self.outages[tenant_id])
