"""The realm a group recipient is looked up in: its own when it gives one, else the caller's.

Gotham finds a group recipient by name in a realm; a recipient that omits its realm is looked up
in the caller's realm, as the API documents. An empty realm is an explicit realm (one that has
no groups), not an omitted one. The emulator's rules, the provider's recorded recipients and the
policies all resolve recipients with :func:`resolved_realm`.
"""

from __future__ import annotations

from typing import TypeVar

_Caller = TypeVar("_Caller", bound=str | None)


def resolved_realm(realm: str | None, caller_realm: _Caller) -> str | _Caller:
    """The realm a recipient with ``realm`` (``None``: omitted) is looked up in for a caller in
    ``caller_realm`` (``None`` where the caller's realm is not known)."""
    return caller_realm if realm is None else realm
