"""The "did you mean" hint of an error that names something unknown (a field, a policy...).

Every such hint comes from here, so a misspelt name gets the same kind of suggestion wherever it
is made: the closest known name, or none when nothing is close enough.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def closest(name: str, known: Iterable[str]) -> str | None:
    """The known name most like ``name``, if one is close enough to be a likely typo of it."""
    matches = difflib.get_close_matches(name, list(known), n=1)
    return matches[0] if matches else None


def did_you_mean(name: str, known: Iterable[str]) -> str:
    """``"did you mean 'x'? "`` for the closest known name, or ``""``: the start of a clause."""
    match = closest(name, known)
    return f"did you mean '{match}'? " if match else ""
