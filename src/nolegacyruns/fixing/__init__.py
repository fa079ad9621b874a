"""`nolegacyruns fix`: replace legacy tokens by their canonical spelling, exactly where the check found them.

`edits.py` edits a file's bytes (pure), `files.py` reads and writes one file safely, `outcome.py` picks
the findings a run applies and says what it did.
"""

from __future__ import annotations

from .edits import Edited, NotEditable, Skipped, edit
from .files import FileFix, fix_file
from .outcome import Fixed, FixOptions, fix_findings, held_back

__all__ = [
    "Edited",
    "FileFix",
    "FixOptions",
    "Fixed",
    "NotEditable",
    "Skipped",
    "edit",
    "fix_file",
    "fix_findings",
    "held_back",
]
