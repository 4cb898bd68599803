"""What a breakage is about, so that consumers pick breakages by kind rather than by name."""

from __future__ import annotations

from enum import Enum


class BreakageKind(Enum):
    """The kind of a breakage: which layer refuses it, and for directory rules what it is about."""

    FIELD = "field"
    """One field missing, mistyped or unknown: the models refuse it."""
    EMPTY_LIST = "empty list"
    """A list the server requires left empty: the models accept it, every check refuses it."""
    REALM = "realm"
    """A directory rule about where a recipient lives: only the directory can tell."""
    MARKING = "marking"
    """A directory rule about a message's markings: only the directory can tell."""

    @property
    def needs_directory(self) -> bool:
        """Whether only a directory can tell that the message is broken."""
        return self in {BreakageKind.REALM, BreakageKind.MARKING}
