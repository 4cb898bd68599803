"""Messages valid for a caller but for one directory rule: the server refuses them, while the
models, the client and the provider's check accept them (only the directory can tell)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

from gotham_inbox.strategies._directory_generation import fresh_name
from gotham_inbox.strategies._directory_messages import (
    replace_marking,
    replace_recipient,
    valid_messages_for,
)
from gotham_inbox.strategies._directory_queries import (
    DirectoryData,
    foreign_groups,
    model_of,
    over_clearance_markings,
    realms_of,
    recipient_groups,
)
from gotham_inbox.strategies._kinds import BreakageKind
from gotham_inbox.strategies._text import group_names, readable_names, realm_names
from gotham_inbox.strategies._wire import Message

Breaker = Callable[[st.DrawFn, DirectoryData, str, Message], Message]
"""``(draw, directory, caller, valid message)`` -> the message with one directory rule broken."""


def _always(directory: DirectoryData, caller: str) -> bool:
    return True


@dataclass(frozen=True)
class DirectoryBreakage:
    """One directory rule broken by ``breaker``, where ``possible(directory, caller)``."""

    name: str
    kind: BreakageKind
    breaker: Breaker
    possible: Callable[[DirectoryData, str], bool] = _always


def _realm_omitted(
    draw: st.DrawFn, directory: DirectoryData, caller: str, message: Message
) -> Message:
    group = draw(st.sampled_from(foreign_groups(directory, caller)))
    return replace_recipient(draw, message, {"name": group["name"]})


def _wrong_realm(
    draw: st.DrawFn, directory: DirectoryData, caller: str, message: Message
) -> Message:
    group = draw(st.sampled_from(recipient_groups(directory)))
    hosts = set(model_of(directory).realms_with_group(group["name"]))
    elsewhere = [realm for realm in realms_of(directory) if realm not in hosts]
    invented = realm_names().map(lambda realm: fresh_name(realm, hosts))
    realm = draw((st.sampled_from(elsewhere) | invented) if elsewhere else invented)
    return replace_recipient(draw, message, {"name": group["name"], "realm": realm})


def _unknown_group(
    draw: st.DrawFn, directory: DirectoryData, caller: str, message: Message
) -> Message:
    known = {group.name for group in model_of(directory).groups}
    name = fresh_name(draw(group_names()), known)
    realm = draw(st.none() | st.sampled_from(realms_of(directory)))
    recipient = {"name": name} if realm is None else {"name": name, "realm": realm}
    return replace_recipient(draw, message, recipient)


def _unknown_marking(
    draw: st.DrawFn, directory: DirectoryData, caller: str, message: Message
) -> Message:
    known = set(model_of(directory).markings)
    marking = fresh_name(draw(readable_names().map(str.upper)), known)
    return replace_marking(draw, message, marking)


def _over_clearance(
    draw: st.DrawFn, directory: DirectoryData, caller: str, message: Message
) -> Message:
    marking = draw(st.sampled_from(over_clearance_markings(directory, caller)))
    return replace_marking(draw, message, marking)


DIRECTORY_BREAKAGES: tuple[DirectoryBreakage, ...] = (
    DirectoryBreakage(
        "recipient without realm, group in another realm",
        BreakageKind.REALM,
        _realm_omitted,
        lambda directory, caller: bool(foreign_groups(directory, caller)),
    ),
    DirectoryBreakage("recipient realm without that group", BreakageKind.REALM, _wrong_realm),
    DirectoryBreakage("unknown group", BreakageKind.REALM, _unknown_group),
    DirectoryBreakage("unknown marking", BreakageKind.MARKING, _unknown_marking),
    DirectoryBreakage(
        "marking over the caller's clearance",
        BreakageKind.MARKING,
        _over_clearance,
        lambda directory, caller: bool(over_clearance_markings(directory, caller)),
    ),
)
"""Every directory rule :func:`break_directory_rule` breaks, of kind ``REALM`` or ``MARKING``."""

_BY_NAME = {breakage.name: breakage for breakage in DIRECTORY_BREAKAGES}

DIRECTORY_BREAKAGE_NAMES: tuple[str, ...] = tuple(_BY_NAME)
"""Names of the directory rules :func:`directory_broken_messages_for` breaks, one at a time."""


def directory_breakages_for(directory: DirectoryData, caller: str = "caller") -> list[str]:
    """The breakage names that are possible in ``directory`` (e.g. a caller cleared for every
    marking cannot go over its clearance)."""
    return [
        breakage.name for breakage in DIRECTORY_BREAKAGES if breakage.possible(directory, caller)
    ]


def break_directory_rule(
    directory: DirectoryData, breakage: str, message: Message, caller: str = "caller"
) -> st.SearchStrategy[Message]:
    """``message`` (valid for ``caller``) with one directory rule broken as ``breakage`` says."""
    found = _BY_NAME[breakage]
    if not found.possible(directory, caller):
        raise ValueError(
            f"'{breakage}' is impossible in this directory; see directory_breakages_for"
        )

    @st.composite
    def build(draw: st.DrawFn) -> Message:
        return found.breaker(draw, directory, caller, message)

    return build()


def directory_broken_messages_for(
    directory: DirectoryData,
    caller: str = "caller",
    breakages: Sequence[str] | None = None,
    **options: Any,
) -> st.SearchStrategy[tuple[str, Message]]:
    """``(breakage name, message)``: a message valid for ``caller`` but for one directory rule.

    ``breakages`` limits the choice (default: every one possible in ``directory``);
    ``options`` go to :func:`valid_messages_for`.
    """
    possible = directory_breakages_for(directory, caller)
    names = [name for name in (breakages or DIRECTORY_BREAKAGE_NAMES) if name in possible]
    if not names:
        raise ValueError(f"none of {list(breakages or [])} is possible in this directory")
    return st.tuples(
        st.sampled_from(names), valid_messages_for(directory, caller, **options)
    ).flatmap(
        lambda pair: break_directory_rule(directory, pair[0], pair[1], caller).map(
            lambda broken: (pair[0], broken)
        )
    )
