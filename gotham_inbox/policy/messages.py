"""Reading fields of wire-form messages that may be malformed or partly unknown.

Rules other than ``inbox-message-valid`` still check what they can of a malformed message, so a
user sees every problem in one run. These helpers never raise: a missing or wrongly typed field
reads as ``None``, an unknown one as :data:`UNKNOWN`.
"""

from __future__ import annotations

from typing import Any, Final, NamedTuple

from gotham_inbox.unknowns import UNKNOWN_SENTINELS, is_unknown


class _Unknown:
    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN: Final = _Unknown()
"""What a reader returns for a value that is not known until the deployment runs."""


def value_at(message: Any, *keys: str) -> Any:
    """The value at ``keys`` inside ``message``; ``None`` if absent, :data:`UNKNOWN` if unknown."""
    value = message
    for key in keys:
        # A dict is never unknown, so only a non-dict needs the (hot-path) unknown check.
        if not isinstance(value, dict):
            return UNKNOWN if is_unknown(value) else None
        value = value.get(key)
    return UNKNOWN if is_unknown(value) else value


def text_at(message: Any, *keys: str) -> str | None:
    """The string at ``keys``, or ``None`` when absent, unknown or not a string."""
    value = value_at(message, *keys)
    return value if isinstance(value, str) else None


def text_in(part: Any, key: str) -> str | None:
    """``text_at(part, key)`` for one key, for the hot path: the string ``part[key]``."""
    value = part.get(key) if isinstance(part, dict) else None
    # is_unknown(value), inlined: this runs for several fields of every message.
    return value if isinstance(value, str) and value not in UNKNOWN_SENTINELS else None


class Recipient(NamedTuple):
    """A group recipient as written: ``realm`` is ``None`` when omitted."""

    # A named tuple rather than a frozen dataclass: one is made for every recipient of every
    # message, and a frozen dataclass costs twice as much to build.
    position: int
    name: str
    realm: str | None

    @property
    def field(self) -> str:
        """The wire path of this recipient inside its message."""
        return f"groupRecipients[{self.position}]"


def recipients(message: Any) -> tuple[Recipient, ...]:
    """The recipients whose name (and realm, if given) are known strings."""
    entries = message.get("groupRecipients") if isinstance(message, dict) else None
    if not isinstance(entries, list):
        return ()
    found = []
    for position, entry in enumerate(entries):
        # The same reading as value_at(entry, "name") and value_at(entry, "realm"), inlined.
        if not isinstance(entry, dict):
            continue
        name = entry.get("name")
        realm = entry.get("realm")
        if not isinstance(name, str) or name in UNKNOWN_SENTINELS:
            continue
        if realm is not None and (not isinstance(realm, str) or realm in UNKNOWN_SENTINELS):
            continue
        found.append(Recipient(position, name, realm))
    return tuple(found)


def known_markings(markings: list[Any]) -> list[tuple[int, str]]:
    """``(position, marking)`` for every marking of the list that is a known string."""
    return [
        (position, item)
        for position, item in enumerate(markings)
        if isinstance(item, str) and item not in UNKNOWN_SENTINELS  # is_unknown, inlined
    ]


def source_id(message: Any) -> str | None:
    """The message's source id, normalised for comparison (UUIDs are case-insensitive)."""
    value = text_in(message, "sourceId")
    return value.strip().lower() if value else None
