"""Directories in the emulator's file format: who exists, where, and who may read what."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from hypothesis import strategies as st

from gotham_inbox.directory import (
    PRODUCER_GROUP,
    LimitsEntry,
    as_directory,
)
from gotham_inbox.strategies._directory_queries import (
    DirectoryData,
    caller_of,
    clearance_of,
    foreign_groups,
    model_of,
    names_in_realm,
    unreadable_pairs,
)
from gotham_inbox.strategies._limits import directory_limits
from gotham_inbox.strategies._text import group_names, portion_markings, realm_names


def fresh_name(name: str, taken: set[str]) -> str:
    """``name``, or with a suffix until it is not ``taken``.

    Unlike a filter, never rejects a draw.
    """
    while name in taken:
        name += "-x"
    return name


def ordered_subsets(items: Sequence[str], min_size: int = 0) -> st.SearchStrategy[list[str]]:
    """Subsets of ``items`` in their order (so a clearance lists markings lowest first)."""
    if not items:
        return st.just([])
    return st.lists(st.sampled_from(list(items)), min_size=min_size, unique=True).map(
        lambda chosen: [item for item in items if item in chosen]
    )


def marking_lists(min_size: int = 1, max_size: int = 4) -> st.SearchStrategy[list[str]]:
    """The markings a directory defines, lowest first: the usual three, or made-up ones."""
    usual = ["UNCLASSIFIED", "SENSITIVE", "SECRET"]
    return st.just(usual) | st.lists(
        portion_markings(), min_size=min_size, max_size=max(max_size, min_size), unique=True
    )


def _group_entries(
    draw: st.DrawFn, realms: list[str], markings: list[str], max_groups: int
) -> list[dict[str, Any]]:
    groups: list[dict[str, Any]] = []
    for name, realm in draw(
        st.lists(
            st.tuples(group_names(), st.sampled_from(realms)),
            min_size=1,
            max_size=max_groups,
            unique=True,
        )
    ):
        if name == PRODUCER_GROUP:
            continue
        group: dict[str, Any] = {"name": name, "realm": realm}
        if draw(st.booleans()):
            group["clearance"] = draw(ordered_subsets(markings))
        groups.append(group)
    return groups


def _add_foreign_group(
    draw: st.DrawFn, directory: DirectoryData, caller: str, realms: list[str]
) -> None:
    caller_realm = caller_of(directory, caller)["realm"]
    others = [realm for realm in realms if realm != caller_realm]
    realm = draw(st.sampled_from(others))
    name = fresh_name(draw(group_names()), names_in_realm(directory, caller_realm))
    directory["groups"].append({"name": name, "realm": realm})


def _restrict_a_group(draw: st.DrawFn, directory: DirectoryData, caller: str) -> None:
    # A group that lacks a marking the caller may apply: a message it cannot read is valid.
    applicable = clearance_of(directory, caller_of(directory, caller))
    lacking = draw(st.sampled_from(applicable))
    targets = [g for g in directory["groups"] if g["name"] != PRODUCER_GROUP]
    group = draw(st.sampled_from(targets))
    group["clearance"] = draw(ordered_subsets([m for m in directory["markings"] if m != lacking]))


@st.composite
def directories(
    draw: st.DrawFn,
    *,
    max_realms: int = 3,
    max_groups: int = 6,
    caller: str = "caller",
    caller_token: str = "caller-token",
    foreign_group: bool = False,
    restricted_caller: bool = False,
    restricted_group: bool = False,
    limits: bool = False,
) -> DirectoryData:
    """A Gotham directory in the emulator's file format, with one inbox producer ``caller``.

    Groups may share a name across realms (the case the realm rule is about); some groups and
    the caller have a clearance that leaves out some markings. The flags guarantee a case:

    - ``foreign_group``: a group that lives only outside the caller's realm, so a recipient
      naming it without a realm is refused (see :func:`foreign_groups`);
    - ``restricted_caller``: the caller is cleared for some markings but not all
      (see :func:`over_clearance_markings`);
    - ``restricted_group``: a group cannot read a marking the caller may apply
      (see :func:`unreadable_pairs`);
    - ``limits``: a ``limits:`` block (see :func:`directory_limits`), so that messages can
      straddle them (:func:`limit_straddling_messages_for`).
    """
    markings = draw(marking_lists(min_size=2 if restricted_caller else 1))
    realms = draw(
        st.lists(
            realm_names(),
            min_size=2 if foreign_group else 1,
            max_size=max(max_realms, 2 if foreign_group else 1),
            unique=True,
        )
    )
    caller_realm = draw(st.sampled_from(realms))
    groups = [{"name": PRODUCER_GROUP, "realm": caller_realm}]
    groups += _group_entries(draw, realms, markings, max_groups)
    user: dict[str, Any] = {
        "name": caller,
        "realm": caller_realm,
        "token": caller_token,
        "groups": [PRODUCER_GROUP],
    }
    if restricted_caller:
        left_out = draw(st.sampled_from(markings))
        user["clearance"] = draw(
            ordered_subsets([m for m in markings if m != left_out], min_size=1)
        )
    elif draw(st.booleans()):
        user["clearance"] = draw(ordered_subsets(markings, min_size=1))
    directory: DirectoryData = {
        "markings": markings,
        "groups": groups,
        "users": [user],
        "clients": [],
    }
    if foreign_group and not foreign_groups(directory, caller):
        _add_foreign_group(draw, directory, caller, realms)
    if restricted_group and not unreadable_pairs(directory, caller):
        if len(groups) == 1:  # only the producers group: add a team to restrict
            name = fresh_name(draw(group_names()), {PRODUCER_GROUP})
            groups.append({"name": name, "realm": draw(st.sampled_from(realms))})
        _restrict_a_group(draw, directory, caller)
    if limits:
        directory["limits"] = draw(directory_limits())
    return directory


def example_directory() -> DirectoryData:
    """The directory shipped with the package (the emulator's default), as data.

    E.g. ``valid_messages_for(example_directory(), "release-bot")``.
    """
    return directory_data(None)


def directory_data(source: Any) -> DirectoryData:
    """A directory as data, from a :class:`~gotham_inbox.directory.Directory`, a
    directory file, ``None`` (the shipped example) or data already (validated, returned as is).
    """
    if isinstance(source, dict):
        model_of(source)  # a broken directory fails here, naming the entry
        return source
    loaded = as_directory(source)

    def ordered(clearance: frozenset[str]) -> list[str]:
        return [marking for marking in loaded.markings if marking in clearance]

    def entry(item: Any, **extra: Any) -> dict[str, Any]:
        data = {"name": item.name, "realm": item.realm, **extra}
        if item.clearance is not None:
            data["clearance"] = ordered(item.clearance)
        return data

    users = []
    for user in loaded.users:
        extra: dict[str, Any] = {"groups": sorted(user.groups)}
        if user.token is not None:
            extra["token"] = user.token
        users.append(entry(user, **extra))
    data: DirectoryData = {
        "markings": list(loaded.markings),
        "groups": [entry(group) for group in loaded.groups],
        "users": users,
        "clients": [
            {"client_id": c.client_id, "client_secret": c.client_secret, "user": c.user}
            for c in loaded.clients
        ],
    }
    if loaded.limits != LimitsEntry():  # the file's limits travel with it
        data["limits"] = loaded.limits.model_dump(exclude_defaults=True)
    return data
