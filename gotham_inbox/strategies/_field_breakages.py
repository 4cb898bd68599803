"""Valid messages with one field broken, each breakage named for readable failures."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

from gotham_inbox.strategies._kinds import BreakageKind
from gotham_inbox.strategies._wire import Message, messages


@dataclass(frozen=True)
class FieldBreakage:
    """Set the field at ``path`` to ``value`` (``...`` removes the field)."""

    name: str
    kind: BreakageKind
    path: tuple[str | int, ...]
    value: Any


def _refused(name: str, path: tuple[str | int, ...], value: Any) -> FieldBreakage:
    return FieldBreakage(name, BreakageKind.FIELD, path, value)


FIELD_BREAKAGES: tuple[FieldBreakage, ...] = (
    _refused("missing groupRecipients", ("groupRecipients",), ...),
    _refused("missing sender", ("sender",), ...),
    _refused("missing title", ("title",), ...),
    _refused("missing security", ("security",), ...),
    _refused("missing title.value", ("title", "value"), ...),
    _refused("missing sender.displayName", ("sender", "displayName"), ...),
    _refused("missing security.portionMarkings", ("security", "portionMarkings"), ...),
    _refused("title.value not a string", ("title", "value"), 42),
    _refused("groupRecipients not a list", ("groupRecipients",), {"name": "x"}),
    _refused("recipient name not a string", ("groupRecipients", 0, "name"), None),
    _refused("marking not a string", ("security", "portionMarkings", 0), 7),
    _refused("sourceId not a UUID", ("sourceId",), "not-a-uuid"),
    _refused("sourceId without hyphens", ("sourceId",), "0" * 32),
    _refused("unknown field groupRecipient", ("groupRecipient",), [{"name": "x"}]),
    _refused("unknown field in sender", ("sender", "name"), "x"),
    _refused("body formatStyle unknown", ("body",), {"value": "x", "formatStyle": "HTML"}),
    _refused("body without formatStyle", ("body",), {"value": "x"}),
    # Empty lists the models accept but every check refuses (a message needs a recipient and
    # a marking).
    FieldBreakage("no recipients", BreakageKind.EMPTY_LIST, ("groupRecipients",), []),
    FieldBreakage("no markings", BreakageKind.EMPTY_LIST, ("security", "portionMarkings"), []),
)
"""Every way :func:`break_field` breaks a field, of kind ``FIELD`` or ``EMPTY_LIST``."""

_BY_NAME = {breakage.name: breakage for breakage in FIELD_BREAKAGES}

BREAKAGE_NAMES: tuple[str, ...] = tuple(
    breakage.name for breakage in FIELD_BREAKAGES if breakage.kind is BreakageKind.FIELD
)
"""Names of the single-field breakages :func:`near_valid_messages` applies: the models refuse
each of them."""

EMPTY_BREAKAGE_NAMES: tuple[str, ...] = tuple(
    breakage.name for breakage in FIELD_BREAKAGES if breakage.kind is BreakageKind.EMPTY_LIST
)
"""Breakages that leave a list the server requires empty (the models alone accept them)."""


def break_field(message: Message, breakage: str) -> Message:
    """A deep copy of ``message`` with one field broken.

    ``breakage`` is one of :data:`BREAKAGE_NAMES` or :data:`EMPTY_BREAKAGE_NAMES`.
    """
    found = _BY_NAME[breakage]
    broken: Any = copy.deepcopy(message)
    target = broken
    for part in found.path[:-1]:
        target = target[part]
    if found.value is ...:
        target.pop(found.path[-1], None)
    else:
        target[found.path[-1]] = copy.deepcopy(found.value)
    return dict(broken)


def near_valid_messages(
    base: st.SearchStrategy[Message] | None = None,
    breakages: Sequence[str] = BREAKAGE_NAMES,
) -> st.SearchStrategy[tuple[str, Message]]:
    """``(breakage name, message)``: a valid message with exactly one field broken."""
    return st.tuples(base if base is not None else messages(), st.sampled_from(breakages)).map(
        lambda pair: (pair[1], break_field(pair[0], pair[1]))
    )
