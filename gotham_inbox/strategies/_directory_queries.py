"""What a directory in the emulator's file format holds, as the directory model reads it.

The questions are answered by the directory model the emulator serves (:func:`parse_directory`
and the runtime :class:`Directory`: who a user is, which group lives in which realm, what a
clearance covers), so that the strategies cannot drift from the server they generate cases for. The
answers are entries of the data itself (dicts), to build messages from; markings come in the
directory's order.
"""

from __future__ import annotations

from typing import Any

from gotham_inbox.directory import (
    PRODUCER_GROUP,
    Directory,
    Group,
    User,
    parse_directory,
)

DirectoryData = dict[str, Any]
"""A directory in the emulator's file format (``markings``, ``groups``, ``users``, ``clients``)."""


def model_of(directory: DirectoryData) -> Directory:
    """``directory`` validated by the directory model (a broken one fails naming the entry)."""
    return parse_directory(directory)


def _groups(directory: DirectoryData, model: Directory) -> list[tuple[dict[str, Any], Group]]:
    # The model keeps the file's order, so entry i of the data is group i of the model.
    return list(zip(directory["groups"], model.groups, strict=True))


def _recipient_pairs(
    directory: DirectoryData, model: Directory
) -> list[tuple[dict[str, Any], Group]]:
    pairs = _groups(directory, model)
    return [pair for pair in pairs if pair[1].name != PRODUCER_GROUP] or pairs


def _applicable(model: Directory, user: User) -> list[str]:
    return [marking for marking in model.markings if user.may_apply(marking)]


def _readable(model: Directory, group: Group) -> list[str]:
    return [marking for marking in model.markings if group.may_read(marking)]


def caller_of(directory: DirectoryData, name: str = "caller") -> dict[str, Any]:
    """The user entry called ``name`` (``KeyError`` if there is none)."""
    model = model_of(directory)
    entry: dict[str, Any] = directory["users"][model.users.index(model.user(name))]
    return entry


def clearance_of(directory: DirectoryData, entry: dict[str, Any]) -> list[str]:
    """What a user entry may apply or a group entry may read: its clearance, or every marking
    when omitted."""
    model = model_of(directory)
    if entry in directory["users"]:
        return _applicable(model, model.user(entry["name"]))
    group = model.group(entry["name"], entry["realm"])
    if group is None:
        raise KeyError(f"no user or group {entry!r} in the directory")
    return _readable(model, group)


def realms_of(directory: DirectoryData) -> list[str]:
    """Every realm that has a group, sorted."""
    return sorted({group.realm for group in model_of(directory).groups})


def names_in_realm(directory: DirectoryData, realm: str) -> set[str]:
    """The names of the groups that live in ``realm``."""
    return {group.name for group in model_of(directory).groups if group.realm == realm}


def recipient_groups(directory: DirectoryData) -> list[dict[str, Any]]:
    """The groups messages go to: every group but the producers group (unless it is alone)."""
    return [entry for entry, _ in _recipient_pairs(directory, model_of(directory))]


def foreign_groups(directory: DirectoryData, caller: str = "caller") -> list[dict[str, Any]]:
    """Groups whose name does not exist in the caller's realm: reachable only with a realm."""
    model = model_of(directory)
    realm = model.user(caller).realm
    return [
        entry
        for entry, group in _groups(directory, model)
        if model.group(group.name, realm) is None
    ]


def over_clearance_markings(directory: DirectoryData, caller: str = "caller") -> list[str]:
    """Markings that exist but that the caller is not cleared to apply."""
    model = model_of(directory)
    user = model.user(caller)
    return [marking for marking in model.markings if not user.may_apply(marking)]


def unreadable_pairs(
    directory: DirectoryData, caller: str = "caller"
) -> list[tuple[dict[str, Any], str]]:
    """``(group, marking)``: the caller may apply the marking but the group cannot read it."""
    model = model_of(directory)
    cleared = _applicable(model, model.user(caller))
    return [
        (entry, marking)
        for entry, group in _recipient_pairs(directory, model)
        for marking in cleared
        if not group.may_read(marking)
    ]
