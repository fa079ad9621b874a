"""Shared test setup: tests import their helpers (markers.py) as plain modules."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

# libcst's native parser binds the Python classes of its first import. pytester's in-process
# runs drop modules first imported inside them; nolegacyruns loads libcst lazily, so load it
# here, once, before any pytester run can import (and then drop) it.
import libcst  # noqa: F401
import pytest

from nolegacyruns.scan.processes import stop_children


@pytest.fixture(autouse=True)
def _no_helper_process_outlives_a_test() -> Iterator[None]:
    """Parse helpers live as long as a check; a test that scans text directly ends its own, so the next
    test's helper is forked afresh (and sees that test's monkeypatches)."""
    yield
    stop_children()
