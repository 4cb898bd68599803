"""Messages for a directory and caller: ones the server accepts, and ones a recipient cannot
read (accepted too: the policies only advise about them)."""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import strategies as st

from gotham_inbox.strategies._directory_queries import (
    DirectoryData,
    caller_of,
    clearance_of,
    recipient_groups,
    unreadable_pairs,
)
from gotham_inbox.strategies._limits import limits_of, straddle, within_limits
from gotham_inbox.strategies._wire import Message, messages


def recipient_for(group: dict[str, Any], caller_realm: str, *, omit_realm: bool) -> Message:
    """A recipient that reaches ``group``; the realm is left out only when that is allowed."""
    if omit_realm and group["realm"] == caller_realm:
        return {"name": group["name"]}
    return {"name": group["name"], "realm": group["realm"]}


def valid_recipients_for(
    directory: DirectoryData, caller: str = "caller"
) -> st.SearchStrategy[Message]:
    """Recipients the server resolves: the realm is omitted only for the caller's own realm."""
    caller_realm = caller_of(directory, caller)["realm"]
    return st.builds(
        lambda group, omit: recipient_for(group, caller_realm, omit_realm=omit),
        st.sampled_from(recipient_groups(directory)),
        st.booleans(),
    )


def valid_messages_for(
    directory: DirectoryData, caller: str = "caller", **options: Any
) -> st.SearchStrategy[Message]:
    """Messages the server accepts from ``caller``: existing recipients, known markings within
    the caller's clearance. (Some recipients may still be unable to read them: that is allowed,
    and the policies only advise about it.) ``options`` go to :func:`messages`."""
    clearance = clearance_of(directory, caller_of(directory, caller))
    valid = messages(
        recipients=valid_recipients_for(directory, caller),
        markings=st.sampled_from(clearance),
        **options,
    )
    if "limits" not in directory:
        return valid
    limits = limits_of(directory)
    return valid.map(lambda message: within_limits(message, limits))


def limit_straddling_messages_for(
    directory: DirectoryData, caller: str = "caller", **options: Any
) -> st.SearchStrategy[tuple[str, Message]]:
    """``(label, message)``: a message valid for ``caller`` but for one per-message limit of
    ``directory`` (its own or the emulator's default), met exactly (``"... at the limit"``:
    the server accepts it) or passed by one (``"... one past"``: the server refuses it with
    400 ``InvalidMessageRequests``). Labels: :data:`LIMIT_LABELS`. ``options`` go to
    :func:`valid_messages_for`.
    """
    limits = limits_of(directory)
    recipient = valid_recipients_for(directory, caller)

    @st.composite
    def build(draw: st.DrawFn) -> tuple[str, Message]:
        message = draw(valid_messages_for(directory, caller, **options))
        return straddle(draw, message, limits, recipient)

    return build()


def replace_recipient(draw: st.DrawFn, message: Message, recipient: Message) -> Message:
    """A copy of ``message`` with one of its recipients (drawn) replaced by ``recipient``."""
    broken = copy.deepcopy(message)
    position = draw(st.integers(0, len(broken["groupRecipients"]) - 1))
    broken["groupRecipients"][position] = recipient
    return broken


def replace_marking(draw: st.DrawFn, message: Message, marking: str) -> Message:
    """A copy of ``message`` with one of its markings (drawn) replaced by ``marking``."""
    broken = copy.deepcopy(message)
    markings = broken["security"]["portionMarkings"]
    position = draw(st.integers(0, len(markings) - 1))
    markings[position] = marking
    return broken


def unreadable_messages_for(
    directory: DirectoryData, caller: str = "caller", **options: Any
) -> st.SearchStrategy[Message]:
    """Messages the server accepts, with a recipient group whose clearance lacks one of the
    markings (needs a directory with :func:`unreadable_pairs`, e.g. ``restricted_group=True``).
    """
    pairs = unreadable_pairs(directory, caller)
    caller_realm = caller_of(directory, caller)["realm"]

    @st.composite
    def build(draw: st.DrawFn) -> Message:
        group, marking = draw(st.sampled_from(pairs))
        message = draw(valid_messages_for(directory, caller, **options))
        recipient = recipient_for(group, caller_realm, omit_realm=draw(st.booleans()))
        message = replace_recipient(draw, message, recipient)
        if marking not in message["security"]["portionMarkings"]:
            message = replace_marking(draw, message, marking)
        return message

    return build()
