"""Every breakage the strategies apply, looked up by kind or by name."""

from __future__ import annotations

from gotham_inbox.strategies._directory_breakages import DIRECTORY_BREAKAGES, DirectoryBreakage
from gotham_inbox.strategies._field_breakages import FIELD_BREAKAGES, FieldBreakage
from gotham_inbox.strategies._kinds import BreakageKind

_ALL: tuple[FieldBreakage | DirectoryBreakage, ...] = FIELD_BREAKAGES + DIRECTORY_BREAKAGES


def breakage_names(*kinds: BreakageKind) -> tuple[str, ...]:
    """The names of every breakage of one of ``kinds`` (of every kind when none is given), in
    declaration order, e.g. ``breakage_names(BreakageKind.MARKING)``."""
    return tuple(breakage.name for breakage in _ALL if not kinds or breakage.kind in kinds)


def kind_of(breakage: str) -> BreakageKind:
    """The kind of the breakage named ``breakage`` (``KeyError`` for an unknown name): whether
    :func:`break_field` applies it or, when ``kind_of(name).needs_directory``,
    :func:`break_directory_rule`."""
    for known in _ALL:
        if known.name == breakage:
            return known.kind
    raise KeyError(f"no breakage named {breakage!r}; see breakage_names()")
