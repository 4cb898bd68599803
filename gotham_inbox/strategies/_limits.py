"""The directory's Inbox limits: a ``limits:`` block, and messages exactly at or one past a
limit (the server accepts the first and refuses the second with ``InvalidMessageRequests``)."""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import strategies as st

from gotham_inbox.models import TEXT_FORMAT_STYLES
from gotham_inbox.strategies._directory_queries import DirectoryData
from gotham_inbox.strategies._text import texts
from gotham_inbox.strategies._wire import Message

LIMIT_NAMES: tuple[str, ...] = (
    "max_recipients_per_message",
    "max_title_length",
    "max_body_length",
    "max_messages_per_request",
)
"""The limits a directory's ``limits:`` block may set (the emulator's ``LimitsEntry``)."""

_SMALL_LIMITS: dict[str, tuple[int, int]] = {
    "max_recipients_per_message": (1, 4),
    "max_title_length": (1, 40),
    "max_body_length": (1, 40),
    "max_messages_per_request": (1, 4),
}

# What each per-message limit bounds, for the labels of limit_straddling_messages_for.
LIMITED: dict[str, str] = {
    "max_recipients_per_message": "recipients",
    "max_title_length": "title",
    "max_body_length": "body",
}

LIMIT_LABELS: tuple[str, ...] = tuple(
    f"{what} {where}" for what in LIMITED.values() for where in ("at the limit", "one past")
)
"""Labels of :func:`limit_straddling_messages_for`: ``"title at the limit"``, ``"title one
past"``, ... for recipients, title and body."""


def directory_limits() -> st.SearchStrategy[dict[str, int]]:
    """A directory's ``limits:`` block: each limit left out (the emulator's default) or small,
    so that messages and batches straddle it cheaply."""
    return st.fixed_dictionaries(
        {},
        optional={name: st.integers(low, high) for name, (low, high) in _SMALL_LIMITS.items()},
    )


def limits_of(directory: DirectoryData) -> dict[str, int]:
    """Every limit of ``directory``, the emulator's defaults filling in what it leaves out."""
    from gotham_inbox.directory import LimitsEntry

    return LimitsEntry.model_validate(directory.get("limits", {})).model_dump()


def within_limits(message: Message, limits: dict[str, int]) -> Message:
    """``message`` cut down to ``limits`` (from :func:`limits_of`): at most so many
    recipients, a title and body at most so many characters."""
    fitted = copy.deepcopy(message)
    fitted["groupRecipients"] = fitted["groupRecipients"][: limits["max_recipients_per_message"]]
    fitted["title"]["value"] = fitted["title"]["value"][: limits["max_title_length"]]
    if "body" in fitted:
        fitted["body"]["value"] = fitted["body"]["value"][: limits["max_body_length"]]
    return dict(fitted)


def text_of_length(draw: st.DrawFn, length: int) -> str:
    """A text of exactly ``length`` characters: a short drawn text repeated, so any length
    costs one small draw (a default limit of 100,000 is as cheap to straddle as one of 3)."""
    seed = draw(texts(min_size=1, max_size=8))
    return (seed * (length // len(seed) + 1))[:length]


def straddle(
    draw: st.DrawFn, message: Message, limits: dict[str, int], recipient: Any
) -> tuple[str, Message]:
    """``message`` with one per-message limit met exactly or passed by one, and its label."""
    name = draw(st.sampled_from(list(LIMITED)))
    past = draw(st.booleans())
    size = limits[name] + (1 if past else 0)
    straddling = copy.deepcopy(message)
    if name == "max_recipients_per_message":
        straddling["groupRecipients"] = draw(st.lists(recipient, min_size=size, max_size=size))
    elif name == "max_title_length":
        straddling["title"]["value"] = text_of_length(draw, size)
    else:
        style = draw(st.sampled_from(TEXT_FORMAT_STYLES))
        straddling["body"] = {"value": text_of_length(draw, size), "formatStyle": style}
    return f"{LIMITED[name]} {'one past' if past else 'at the limit'}", dict(straddling)
