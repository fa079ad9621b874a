"""A matched token's replacement, in the letter case it was written in.

Tokens match exactly, except unquoted SQL names, which match in any letter case: `INVENTORY_SYNC_RUNS`
is the same table as `inventory_sync_runs`. Such a match is replaced in its own case style (ALL CAPS
stays ALL CAPS, all lower-case stays lower-case, `Title_Case` words stay capitalised); a spelling of no
such style (`inVENTORY_sync_runs`) gets no replacement, so `fix` leaves it to a person.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

_WORDS = re.compile(r"[^\W_]+")


def _capitalised(text: str) -> str:
    """Each word (a run of letters and digits) with its first letter upper-case and the rest lower-case."""
    return _WORDS.sub(lambda m: m[0][:1].upper() + m[0][1:].lower(), text)


# (how to tell the style of a spelling, how to write a replacement in it), tried in order.
_STYLES: tuple[tuple[Callable[[str], bool], Callable[[str], str]], ...] = (
    (lambda text: text.isupper(), str.upper),
    (lambda text: text.islower(), str.lower),
    (lambda text: text == _capitalised(text), _capitalised),
)


def replacement_for(token: str, replacements: Mapping[str, str]) -> str | None:
    """The replacement of a matched token: the pack's for its own spelling, else the folded one restyled."""
    exact = replacements.get(token)
    if exact is not None:
        return exact
    canonical = folded_replacement(token, replacements)
    if canonical is None:
        return None
    for is_style, restyle in _STYLES:
        if is_style(token):
            return restyle(canonical)
    return None


def folded_replacement(token: str, replacements: Mapping[str, str]) -> str | None:
    """The pack's replacement for any spelling of the token, as the pack writes it; the first spelling wins."""
    folded = token.lower()
    return next((value for key, value in replacements.items() if key.lower() == folded), None)
