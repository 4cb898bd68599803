"""Batches that mix every kind of message, each labelled with what it is."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from gotham_inbox.strategies._breakage_catalogue import breakage_names
from gotham_inbox.strategies._directory_breakages import directory_broken_messages_for
from gotham_inbox.strategies._directory_messages import (
    limit_straddling_messages_for,
    unreadable_messages_for,
    valid_messages_for,
)
from gotham_inbox.strategies._directory_queries import DirectoryData, unreadable_pairs
from gotham_inbox.strategies._field_breakages import near_valid_messages
from gotham_inbox.strategies._id_pools import colliding_source_ids, source_id_pools
from gotham_inbox.strategies._kinds import BreakageKind
from gotham_inbox.strategies._text import json_values, source_ids

VALID = "valid"
"""The label of a message the server accepts."""
UNREADABLE = "a recipient cannot read it"
"""The label of :func:`unreadable_messages_for` messages: valid, but not for every reader."""
JUNK = "not a message"
"""The label of an arbitrary JSON value in place of a message."""

# How often each kind of message turns up in a labelled batch: mostly valid ones, so that
# whole batches are often valid too. "valid" first: failing examples shrink towards it.
_KINDS = (VALID,) * 6 + ("field", "directory", "directory", UNREADABLE, JUNK, "limit")


def labelled_messages_for(
    directory: DirectoryData, caller: str = "caller", **options: Any
) -> st.SearchStrategy[tuple[str, Any]]:
    """``(label, message)``: mostly valid messages (label :data:`VALID`), else one with a field
    broken or a required list empty (a :data:`BREAKAGE_NAMES` or :data:`EMPTY_BREAKAGE_NAMES`
    label), a directory rule broken (a :data:`DIRECTORY_BREAKAGE_NAMES` label), an unreadable
    one (:data:`UNREADABLE`), one at or one past a limit of a directory that sets ``limits``
    (a :data:`LIMIT_LABELS` label) or arbitrary JSON (:data:`JUNK`). ``options`` go to
    :func:`valid_messages_for`.
    """
    readable_only = not unreadable_pairs(directory, caller)
    valid = valid_messages_for(directory, caller, **options)
    field_breakages = breakage_names(BreakageKind.FIELD, BreakageKind.EMPTY_LIST)

    def of_kind(kind: str) -> st.SearchStrategy[tuple[str, Any]]:
        if kind == "field":
            return near_valid_messages(valid, field_breakages)
        if kind == "directory":
            return directory_broken_messages_for(directory, caller, **options)
        if kind == UNREADABLE and not readable_only:
            return unreadable_messages_for(directory, caller, **options).map(
                lambda message: (UNREADABLE, message)
            )
        if kind == JUNK:
            return json_values(max_leaves=4).map(lambda value: (JUNK, value))
        if kind == "limit" and "limits" in directory:
            return limit_straddling_messages_for(directory, caller, **options)
        return valid.map(lambda message: (VALID, message))

    return st.sampled_from(_KINDS).flatmap(of_kind)


def labelled_batches_for(
    directory: DirectoryData,
    caller: str = "caller",
    *,
    min_size: int = 1,
    max_size: int = 4,
    collide: bool = True,
) -> st.SearchStrategy[list[tuple[str, Any]]]:
    """Batches of :func:`labelled_messages_for`. With ``collide``, sourceIds come from a small
    pool (in either letter case), so messages of a batch often share one."""

    @st.composite
    def build(draw: st.DrawFn) -> list[tuple[str, Any]]:
        ids = colliding_source_ids(draw(source_id_pools())) if collide else source_ids()
        return draw(
            st.lists(
                labelled_messages_for(directory, caller, source_id_values=ids),
                min_size=min_size,
                max_size=max_size,
            )
        )

    return build()


def batches_for(
    directory: DirectoryData, caller: str = "caller", **options: Any
) -> st.SearchStrategy[list[Any]]:
    """:func:`labelled_batches_for` without the labels."""
    return labelled_batches_for(directory, caller, **options).map(
        lambda labelled: [message for _, message in labelled]
    )
