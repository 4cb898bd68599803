"""Hypothesis strategies for Gotham Inbox messages, shipped for your own property tests.

Every strategy yields messages in their wire (camelCase JSON) form, the shape the API, the
Pulumi resources and the policy pack all take. They are composed from small named pieces, so
you can swap any piece::

    from hypothesis import given
    from gotham_inbox import strategies as gs

    @given(gs.messages(recipients=gs.group_recipients(names=st.just("platform-team"))))
    def test_my_rule(message): ...

Requires ``hypothesis`` (the ``test`` extra).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from hypothesis import strategies as st

from gotham_inbox.models import TEXT_FORMAT_STYLES

Message = dict[str, Any]

# Text a JSON body can carry: no lone surrogates.
_TEXT_ALPHABET = st.characters(codec="utf-8", exclude_categories=["Cs"])


def texts(min_size: int = 1, max_size: int = 60) -> st.SearchStrategy[str]:
    """Arbitrary text that survives a JSON round trip."""
    return st.text(_TEXT_ALPHABET, min_size=min_size, max_size=max_size)


def readable_names(min_size: int = 1, max_size: int = 24) -> st.SearchStrategy[str]:
    """Names that shrink to something readable: letters, digits, dashes and spaces."""
    return (
        st.text("abcdefghijklmnopqrstuvwxyz0123456789- ", min_size=min_size, max_size=max_size)
        .map(str.strip)
        .filter(bool)
    )


def realm_names() -> st.SearchStrategy[str]:
    """Realm names."""
    return readable_names().map(lambda name: name.replace(" ", "-") + "-realm")


def group_names() -> st.SearchStrategy[str]:
    """Group names."""
    return readable_names()


def portion_markings() -> st.SearchStrategy[str]:
    """Marking names, e.g. ``UNCLASSIFIED``."""
    return st.sampled_from(["UNCLASSIFIED", "SENSITIVE", "SECRET"]) | readable_names().map(
        str.upper
    )


def source_ids() -> st.SearchStrategy[str]:
    """Canonical UUID text, as the API carries a sourceId."""
    return st.uuids().map(str)


def group_recipients(
    names: st.SearchStrategy[str] | None = None,
    realms: st.SearchStrategy[str | None] | None = None,
) -> st.SearchStrategy[Message]:
    """``{"name": ..., "realm": ...}``; the realm is left out when the strategy gives None."""
    realm_strategy = realms if realms is not None else st.none() | realm_names()

    def build(name: str, realm: str | None) -> Message:
        return {"name": name} if realm is None else {"name": name, "realm": realm}

    return st.builds(build, names if names is not None else group_names(), realm_strategy)


def senders() -> st.SearchStrategy[Message]:
    """``{"displayName": ...}``."""
    return st.builds(lambda name: {"displayName": name}, texts(max_size=40))


def titles() -> st.SearchStrategy[Message]:
    """``{"value": ...}`` titles."""
    return st.builds(lambda value: {"value": value}, texts(max_size=80))


def bodies() -> st.SearchStrategy[Message]:
    """``{"value": ..., "formatStyle": ...}`` bodies."""
    return st.builds(
        lambda value, style: {"value": value, "formatStyle": style},
        texts(min_size=0, max_size=200),
        st.sampled_from(TEXT_FORMAT_STYLES),
    )


def securities(
    markings: st.SearchStrategy[str] | None = None, min_size: int = 1, max_size: int = 3
) -> st.SearchStrategy[Message]:
    """``{"portionMarkings": [...]}`` with distinct markings."""
    return st.builds(
        lambda found: {"portionMarkings": found},
        st.lists(
            markings if markings is not None else portion_markings(),
            min_size=min_size,
            max_size=max_size,
            unique=True,
        ),
    )


def messages(
    *,
    recipients: st.SearchStrategy[Message] | None = None,
    markings: st.SearchStrategy[str] | None = None,
    max_recipients: int = 3,
    with_body: st.SearchStrategy[bool] | None = None,
    with_source_id: st.SearchStrategy[bool] | None = None,
) -> st.SearchStrategy[Message]:
    """Messages that the models accept (at least one recipient and one marking).

    Whether the server accepts them depends on its directory: pass ``recipients`` and
    ``markings`` drawn from what exists to get messages it will take.
    """

    @st.composite
    def build(draw: st.DrawFn) -> Message:
        message: Message = {
            "groupRecipients": draw(
                st.lists(
                    recipients if recipients is not None else group_recipients(),
                    min_size=1,
                    max_size=max_recipients,
                )
            ),
            "sender": draw(senders()),
            "title": draw(titles()),
            "security": draw(securities(markings)),
        }
        if draw(with_body if with_body is not None else st.booleans()):
            message["body"] = draw(bodies())
        if draw(with_source_id if with_source_id is not None else st.booleans()):
            message["sourceId"] = draw(source_ids())
        return message

    return build()


def batches(
    message_strategy: st.SearchStrategy[Message] | None = None,
    *,
    min_size: int = 1,
    max_size: int = 5,
) -> st.SearchStrategy[list[Message]]:
    """Lists of messages whose sourceIds (where present) are distinct."""
    return st.lists(
        message_strategy if message_strategy is not None else messages(),
        min_size=min_size,
        max_size=max_size,
        unique_by=lambda message: message.get("sourceId") or uuid.uuid4().hex,
    )


def with_colliding_source_ids(
    batch: list[Message], pool: Sequence[str]
) -> st.SearchStrategy[list[Message]]:
    """The batch with each message's sourceId drawn from a small ``pool``, so ids collide."""
    return st.lists(st.sampled_from(list(pool)), min_size=len(batch), max_size=len(batch)).map(
        lambda ids: [
            {**message, "sourceId": source_id}
            for message, source_id in zip(batch, ids, strict=True)
        ]
    )


# The ways to break one field of a valid message, each named for readable failures.
_BREAKAGES: dict[str, tuple[tuple[str | int, ...], Any]] = {
    "missing groupRecipients": (("groupRecipients",), ...),
    "missing sender": (("sender",), ...),
    "missing title": (("title",), ...),
    "missing security": (("security",), ...),
    "missing title.value": (("title", "value"), ...),
    "missing sender.displayName": (("sender", "displayName"), ...),
    "missing security.portionMarkings": (("security", "portionMarkings"), ...),
    "title.value not a string": (("title", "value"), 42),
    "groupRecipients not a list": (("groupRecipients",), {"name": "x"}),
    "recipient name not a string": (("groupRecipients", 0, "name"), None),
    "marking not a string": (("security", "portionMarkings", 0), 7),
    "sourceId not a UUID": (("sourceId",), "not-a-uuid"),
    "sourceId without hyphens": (("sourceId",), "0" * 32),
    "unknown field groupRecipient": (("groupRecipient",), [{"name": "x"}]),
    "unknown field in sender": (("sender", "name"), "x"),
    "body formatStyle unknown": (("body",), {"value": "x", "formatStyle": "HTML"}),
    "body without formatStyle": (("body",), {"value": "x"}),
}

BREAKAGE_NAMES: tuple[str, ...] = tuple(_BREAKAGES)
"""Names of the single-field breakages :func:`near_valid_messages` applies."""


def break_field(message: Message, breakage: str) -> Message:
    """A deep copy of ``message`` with one field broken (``...`` as value removes the field)."""
    path, value = _BREAKAGES[breakage]
    broken: Any = _deep_copy(message)
    target = broken
    for part in path[:-1]:
        target = target[part]
    if value is ...:
        target.pop(path[-1], None)
    else:
        target[path[-1]] = value
    return dict(broken)


def near_valid_messages(
    base: st.SearchStrategy[Message] | None = None,
) -> st.SearchStrategy[tuple[str, Message]]:
    """``(breakage name, message)``: a valid message with exactly one field broken."""
    return st.tuples(base if base is not None else messages(), st.sampled_from(BREAKAGE_NAMES)).map(
        lambda pair: (pair[1], break_field(pair[0], pair[1]))
    )


def json_values(max_leaves: int = 10) -> st.SearchStrategy[Any]:
    """Arbitrary JSON values, for fuzzing."""
    return st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | texts(0, 20),
        lambda children: (
            st.lists(children, max_size=4) | st.dictionaries(texts(0, 12), children, max_size=4)
        ),
        max_leaves=max_leaves,
    )


def _deep_copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _deep_copy(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_deep_copy(item) for item in value]
    return value


# --- directories: who exists, where, and who may read what ---------------------------------

PRODUCERS_GROUP = "External Inbox Alert Producers"
"""The group a caller must belong to for the server to accept its messages."""


def _subset(items: Sequence[str], min_size: int = 0) -> st.SearchStrategy[list[str]]:
    return st.lists(st.sampled_from(list(items)), min_size=min_size, unique=True).map(
        lambda chosen: [item for item in items if item in chosen]  # keep a stable order
    )


@st.composite
def directories(
    draw: st.DrawFn,
    *,
    max_realms: int = 3,
    max_groups: int = 6,
    caller: str = "caller",
    caller_token: str = "caller-token",
) -> dict[str, Any]:
    """A Gotham directory in the emulator's file format, with one inbox producer ``caller``.

    Groups may share a name across realms (the case the realm rule is about); some groups and
    the caller have a clearance that leaves out some markings.
    """
    markings = draw(
        st.lists(portion_markings(), min_size=1, max_size=4, unique=True)
        | st.just(["UNCLASSIFIED", "SENSITIVE", "SECRET"])
    )
    realms = draw(st.lists(realm_names(), min_size=1, max_size=max_realms, unique=True))
    caller_realm = draw(st.sampled_from(realms))
    groups: list[dict[str, Any]] = [{"name": PRODUCERS_GROUP, "realm": caller_realm}]
    for name, realm in draw(
        st.lists(
            st.tuples(group_names(), st.sampled_from(realms)),
            min_size=1,
            max_size=max_groups,
            unique=True,
        )
    ):
        if name == PRODUCERS_GROUP:
            continue
        group: dict[str, Any] = {"name": name, "realm": realm}
        if draw(st.booleans()):
            group["clearance"] = draw(_subset(markings))
        groups.append(group)
    user: dict[str, Any] = {
        "name": caller,
        "realm": caller_realm,
        "token": caller_token,
        "groups": [PRODUCERS_GROUP],
    }
    if draw(st.booleans()):
        user["clearance"] = draw(_subset(markings, min_size=1))
    return {"markings": markings, "groups": groups, "users": [user], "clients": []}


def caller_of(directory: dict[str, Any], name: str = "caller") -> dict[str, Any]:
    """The user entry called ``name``."""
    return next(user for user in directory["users"] if user["name"] == name)


def clearance_of(directory: dict[str, Any], entry: dict[str, Any]) -> list[str]:
    """What a user or group may read or apply: its clearance, or every marking when omitted."""
    clearance: list[str] = entry.get("clearance", directory["markings"])
    return clearance


def valid_recipients_for(
    directory: dict[str, Any], caller: str = "caller"
) -> st.SearchStrategy[Message]:
    """Recipients the server resolves: the realm is omitted only for the caller's own realm."""
    caller_realm = caller_of(directory, caller)["realm"]
    targets = [g for g in directory["groups"] if g["name"] != PRODUCERS_GROUP] or directory[
        "groups"
    ]

    @st.composite
    def build(draw: st.DrawFn) -> Message:
        group = draw(st.sampled_from(targets))
        if group["realm"] == caller_realm and draw(st.booleans()):
            return {"name": group["name"]}
        return {"name": group["name"], "realm": group["realm"]}

    return build()


def valid_messages_for(
    directory: dict[str, Any], caller: str = "caller", **options: Any
) -> st.SearchStrategy[Message]:
    """Messages the server accepts from ``caller``: existing recipients, known markings within
    the caller's clearance. (Some recipients may still be unable to read them: that is allowed,
    and the policies only advise about it.)"""
    clearance = clearance_of(directory, caller_of(directory, caller))
    return messages(
        recipients=valid_recipients_for(directory, caller),
        markings=st.sampled_from(clearance),
        **options,
    )
