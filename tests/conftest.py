"""Shared test setup: tests import their helpers (markers.py) as plain modules."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

# libcst's native parser binds the Python classes of its first import. pytester's in-process
# runs drop modules first imported inside them; nolegacyruns loads libcst lazily, so load it
# here, once, before any pytester run can import (and then drop) it.
import libcst  # noqa: F401
