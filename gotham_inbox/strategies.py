"""Hypothesis strategies for Gotham Inbox messages, shipped for your own property tests.

Every strategy yields messages in their wire (camelCase JSON) form, the shape the API, the
Pulumi resources and the policy pack all take. They are composed from small named pieces, so
you can swap any piece::

    from hypothesis import given
    from gotham_inbox import strategies as gs

    @given(gs.messages(recipients=gs.group_recipients(names=st.just("platform-team"))))
    def test_my_rule(message): ...

The pieces, from the ground up:

- text and names: :func:`texts`, :func:`readable_names`, :func:`realm_names`,
  :func:`group_names`, :func:`portion_markings`, :func:`source_ids`;
- message parts and messages: :func:`group_recipients`, :func:`senders`, :func:`titles`,
  :func:`bodies`, :func:`securities`, :func:`messages`, :func:`batches`;
- one field broken at a time: :func:`near_valid_messages`, :func:`break_field`
  (:data:`BREAKAGE_NAMES`, :data:`EMPTY_BREAKAGE_NAMES`); arbitrary :func:`json_values`;
- edge values of the policies: :func:`caller_clearances` (with ``[]``), :func:`recipient_realms`
  (with ``""``), :func:`marking_and_ceiling`, :func:`batch_sizes_around`, a sample of every
  built-in credential pattern (:func:`credential_samples`, :func:`texts_with_credentials`);
- sourceIds that collide: :func:`source_id_pools`, :func:`colliding_source_ids`,
  :func:`with_colliding_source_ids`;
- directories in the emulator's file format: :func:`directories`, :func:`example_directory`,
  :func:`directory_data`, and what they contain (:func:`foreign_groups`,
  :func:`over_clearance_markings`, :func:`unreadable_pairs`, ...);
- messages for a directory and caller: :func:`valid_messages_for`, one directory rule broken
  at a time (:func:`directory_broken_messages_for`, :func:`break_directory_rule`,
  :data:`DIRECTORY_BREAKAGE_NAMES`), :func:`unreadable_messages_for`, and batches mixing all
  of them (:func:`labelled_batches_for`, :func:`batches_for`);
- the directory's Inbox limits: :func:`directory_limits` (``directories(limits=True)``),
  :func:`limits_of`, :func:`within_limits`, and messages exactly at or one past a limit
  (:func:`limit_straddling_messages_for`, :data:`LIMIT_LABELS`).

Names shrink to short readable ones (``"0"``, ``"0-realm"``) and never come from a filter that
could reject most draws. Requires ``hypothesis``: ``pip install "gotham-inbox[testing]"``.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from typing import Any

try:
    from hypothesis import strategies as st
except ImportError as error:
    # hypothesis is not a runtime dependency: say which extra brings it, not just its name.
    raise ModuleNotFoundError(
        "gotham_inbox.strategies needs hypothesis, which gotham-inbox's testing extra brings: "
        'pip install "gotham-inbox[testing]"',
        name=error.name,
    ) from error

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
    source_id_values: st.SearchStrategy[str] | None = None,
) -> st.SearchStrategy[Message]:
    """Messages that the models accept (at least one recipient and one marking).

    Whether the server accepts them depends on its directory: pass ``recipients`` and
    ``markings`` drawn from what exists to get messages it will take. ``source_id_values``
    replaces :func:`source_ids` where a message gets a sourceId (e.g. a small pool, so ids
    collide).
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
            message["sourceId"] = draw(
                source_id_values if source_id_values is not None else source_ids()
            )
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
"""Names of the single-field breakages :func:`near_valid_messages` applies: the models refuse
each of them."""

# Empty lists the models accept but every check refuses (a message needs a recipient and a
# marking), named like the breakages above.
_EMPTY_LISTS: dict[str, tuple[tuple[str | int, ...], Any]] = {
    "no recipients": (("groupRecipients",), []),
    "no markings": (("security", "portionMarkings"), []),
}

EMPTY_BREAKAGE_NAMES: tuple[str, ...] = tuple(_EMPTY_LISTS)
"""Breakages that leave a list the server requires empty (the models alone accept them)."""


def break_field(message: Message, breakage: str) -> Message:
    """A deep copy of ``message`` with one field broken (``...`` as value removes the field).

    ``breakage`` is one of :data:`BREAKAGE_NAMES` or :data:`EMPTY_BREAKAGE_NAMES`.
    """
    path, value = {**_BREAKAGES, **_EMPTY_LISTS}[breakage]
    broken: Any = _deep_copy(message)
    target = broken
    for part in path[:-1]:
        target = target[part]
    if value is ...:
        target.pop(path[-1], None)
    else:
        target[path[-1]] = _deep_copy(value)
    return dict(broken)


def near_valid_messages(
    base: st.SearchStrategy[Message] | None = None,
    breakages: Sequence[str] = BREAKAGE_NAMES,
) -> st.SearchStrategy[tuple[str, Message]]:
    """``(breakage name, message)``: a valid message with exactly one field broken."""
    return st.tuples(base if base is not None else messages(), st.sampled_from(breakages)).map(
        lambda pair: (pair[1], break_field(pair[0], pair[1]))
    )


def json_values(max_leaves: int = 10) -> st.SearchStrategy[Any]:
    """Arbitrary JSON values (no NaN or infinity: JSON has neither), for fuzzing."""
    return st.recursive(
        st.none()
        | st.booleans()
        | st.integers()
        | st.floats(allow_nan=False, allow_infinity=False)
        | texts(0, 20),
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


# --- sourceIds that collide on purpose -------------------------------------------------------


def source_id_pools(min_size: int = 1, max_size: int = 3) -> st.SearchStrategy[list[str]]:
    """A few distinct sourceIds; draw messages' ids from one so that some collide."""
    return st.lists(source_ids(), min_size=min_size, max_size=max_size, unique=True)


def colliding_source_ids(pool: Sequence[str]) -> st.SearchStrategy[str]:
    """A sourceId that is often one of ``pool`` (in any letter case: UUIDs ignore it), else new."""
    spelled = st.tuples(st.sampled_from(list(pool)), st.booleans()).map(
        lambda pair: pair[0].upper() if pair[1] else pair[0]
    )
    return spelled | source_ids()


# --- directories: who exists, where, and who may read what ---------------------------------

PRODUCERS_GROUP = "External Inbox Alert Producers"
"""The group a caller must belong to for the server to accept its messages."""

DirectoryData = dict[str, Any]
"""A directory in the emulator's file format (``markings``, ``groups``, ``users``, ``clients``,
optionally ``limits``)."""


def _fresh(name: str, taken: set[str]) -> str:
    # Unlike a filter, never rejects a draw: a taken name gets a suffix until it is free.
    while name in taken:
        name += "-x"
    return name


def _subset(items: Sequence[str], min_size: int = 0) -> st.SearchStrategy[list[str]]:
    if not items:
        return st.just([])
    return st.lists(st.sampled_from(list(items)), min_size=min_size, unique=True).map(
        lambda chosen: [item for item in items if item in chosen]  # keep a stable order
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
        if name == PRODUCERS_GROUP:
            continue
        group: dict[str, Any] = {"name": name, "realm": realm}
        if draw(st.booleans()):
            group["clearance"] = draw(_subset(markings))
        groups.append(group)
    return groups


def _add_foreign_group(
    draw: st.DrawFn, directory: DirectoryData, caller: str, realms: list[str]
) -> None:
    caller_realm = caller_of(directory, caller)["realm"]
    others = [realm for realm in realms if realm != caller_realm]
    realm = draw(st.sampled_from(others))
    taken = _names_in_realm(directory, caller_realm)
    name = _fresh(draw(group_names()), taken)
    directory["groups"].append({"name": name, "realm": realm})


def _restrict_a_group(draw: st.DrawFn, directory: DirectoryData, caller: str) -> None:
    # A group that lacks a marking the caller may apply: a message it cannot read is valid.
    applicable = clearance_of(directory, caller_of(directory, caller))
    lacking = draw(st.sampled_from(applicable))
    targets = [g for g in directory["groups"] if g["name"] != PRODUCERS_GROUP]
    group = draw(st.sampled_from(targets))
    group["clearance"] = draw(_subset([m for m in directory["markings"] if m != lacking]))


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
    groups = [{"name": PRODUCERS_GROUP, "realm": caller_realm}]
    groups += _group_entries(draw, realms, markings, max_groups)
    user: dict[str, Any] = {
        "name": caller,
        "realm": caller_realm,
        "token": caller_token,
        "groups": [PRODUCERS_GROUP],
    }
    if restricted_caller:
        left_out = draw(st.sampled_from(markings))
        user["clearance"] = draw(_subset([m for m in markings if m != left_out], min_size=1))
    elif draw(st.booleans()):
        user["clearance"] = draw(_subset(markings, min_size=1))
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
            name = _fresh(draw(group_names()), {PRODUCERS_GROUP})
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
    """A directory as data, from a :class:`~gotham_inbox.emulator.directory.DirectoryData`, a
    directory file, ``None`` (the shipped example) or data already (validated, returned as is).
    """
    # Imported here: the strategies themselves need only hypothesis.
    from gotham_inbox.emulator.directory import Directory as LoadedDirectory
    from gotham_inbox.emulator.directory import load_directory, parse_directory

    if isinstance(source, dict):
        parse_directory(source)  # a broken directory fails here, naming the entry
        return source
    loaded = source if isinstance(source, LoadedDirectory) else load_directory(source)

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
    return {
        "markings": list(loaded.markings),
        "groups": [entry(group) for group in loaded.groups],
        "users": users,
        "clients": [
            {"client_id": c.client_id, "client_secret": c.client_secret, "user": c.user}
            for c in loaded.clients
        ],
        "limits": loaded.limits.model_dump(),
    }


def caller_of(directory: DirectoryData, name: str = "caller") -> dict[str, Any]:
    """The user entry called ``name``."""
    return next(user for user in directory["users"] if user["name"] == name)


def clearance_of(directory: DirectoryData, entry: dict[str, Any]) -> list[str]:
    """What a user or group may read or apply: its clearance, or every marking when omitted."""
    clearance: list[str] | None = entry.get("clearance")
    return list(directory["markings"]) if clearance is None else clearance


def realms_of(directory: DirectoryData) -> list[str]:
    """Every realm that has a group, sorted."""
    return sorted({group["realm"] for group in directory["groups"]})


def _names_in_realm(directory: DirectoryData, realm: str) -> set[str]:
    return {group["name"] for group in directory["groups"] if group["realm"] == realm}


def recipient_groups(directory: DirectoryData) -> list[dict[str, Any]]:
    """The groups messages go to: every group but the producers group (unless it is alone)."""
    teams = [group for group in directory["groups"] if group["name"] != PRODUCERS_GROUP]
    return teams or list(directory["groups"])


def foreign_groups(directory: DirectoryData, caller: str = "caller") -> list[dict[str, Any]]:
    """Groups whose name does not exist in the caller's realm: reachable only with a realm."""
    here = _names_in_realm(directory, caller_of(directory, caller)["realm"])
    return [group for group in directory["groups"] if group["name"] not in here]


def over_clearance_markings(directory: DirectoryData, caller: str = "caller") -> list[str]:
    """Markings that exist but that the caller is not cleared to apply."""
    cleared = clearance_of(directory, caller_of(directory, caller))
    return [marking for marking in directory["markings"] if marking not in cleared]


def unreadable_pairs(
    directory: DirectoryData, caller: str = "caller"
) -> list[tuple[dict[str, Any], str]]:
    """``(group, marking)``: the caller may apply the marking but the group cannot read it."""
    cleared = clearance_of(directory, caller_of(directory, caller))
    return [
        (group, marking)
        for group in recipient_groups(directory)
        for marking in cleared
        if marking not in clearance_of(directory, group)
    ]


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


# --- messages that break one directory rule --------------------------------------------------

# Each breakage takes (draw, directory, caller, valid message) and returns the message with one
# thing wrong that only the directory can tell: the server refuses it, while the models, the
# client and the provider's check accept it.
_Breaker = Callable[[st.DrawFn, DirectoryData, str, Message], Message]


def _replace_recipient(draw: st.DrawFn, message: Message, recipient: Message) -> Message:
    broken = _deep_copy(message)
    position = draw(st.integers(0, len(broken["groupRecipients"]) - 1))
    broken["groupRecipients"][position] = recipient
    return dict(broken)


def _replace_marking(draw: st.DrawFn, message: Message, marking: str) -> Message:
    broken = _deep_copy(message)
    markings = broken["security"]["portionMarkings"]
    position = draw(st.integers(0, len(markings) - 1))
    markings[position] = marking
    return dict(broken)


def _realm_omitted(
    draw: st.DrawFn, directory: DirectoryData, caller: str, message: Message
) -> Message:
    group = draw(st.sampled_from(foreign_groups(directory, caller)))
    return _replace_recipient(draw, message, {"name": group["name"]})


def _wrong_realm(
    draw: st.DrawFn, directory: DirectoryData, caller: str, message: Message
) -> Message:
    group = draw(st.sampled_from(recipient_groups(directory)))
    hosts = {g["realm"] for g in directory["groups"] if g["name"] == group["name"]}
    elsewhere = [realm for realm in realms_of(directory) if realm not in hosts]
    invented = realm_names().map(lambda realm: _fresh(realm, hosts))
    realm = draw((st.sampled_from(elsewhere) | invented) if elsewhere else invented)
    return _replace_recipient(draw, message, {"name": group["name"], "realm": realm})


def _unknown_group(
    draw: st.DrawFn, directory: DirectoryData, caller: str, message: Message
) -> Message:
    known = {group["name"] for group in directory["groups"]}
    name = _fresh(draw(group_names()), known)
    realm = draw(st.none() | st.sampled_from(realms_of(directory)))
    recipient = {"name": name} if realm is None else {"name": name, "realm": realm}
    return _replace_recipient(draw, message, recipient)


def _unknown_marking(
    draw: st.DrawFn, directory: DirectoryData, caller: str, message: Message
) -> Message:
    known = set(directory["markings"])
    marking = _fresh(draw(readable_names().map(str.upper)), known)
    return _replace_marking(draw, message, marking)


def _over_clearance(
    draw: st.DrawFn, directory: DirectoryData, caller: str, message: Message
) -> Message:
    marking = draw(st.sampled_from(over_clearance_markings(directory, caller)))
    return _replace_marking(draw, message, marking)


def _always(directory: DirectoryData, caller: str) -> bool:
    return True


_DIRECTORY_BREAKAGES: dict[str, tuple[Callable[[DirectoryData, str], bool], _Breaker]] = {
    "recipient without realm, group in another realm": (
        lambda directory, caller: bool(foreign_groups(directory, caller)),
        _realm_omitted,
    ),
    "recipient realm without that group": (_always, _wrong_realm),
    "unknown group": (_always, _unknown_group),
    "unknown marking": (_always, _unknown_marking),
    "marking over the caller's clearance": (
        lambda directory, caller: bool(over_clearance_markings(directory, caller)),
        _over_clearance,
    ),
}

DIRECTORY_BREAKAGE_NAMES: tuple[str, ...] = tuple(_DIRECTORY_BREAKAGES)
"""Names of the directory rules :func:`directory_broken_messages_for` breaks, one at a time."""

REALM_BREAKAGES: tuple[str, ...] = DIRECTORY_BREAKAGE_NAMES[:3]
"""The breakages about where a recipient lives."""

MARKING_BREAKAGES: tuple[str, ...] = DIRECTORY_BREAKAGE_NAMES[3:]
"""The breakages about a message's markings."""


def directory_breakages_for(directory: DirectoryData, caller: str = "caller") -> list[str]:
    """The breakage names that are possible in ``directory`` (e.g. a caller cleared for every
    marking cannot go over its clearance)."""
    return [
        name for name, (possible, _) in _DIRECTORY_BREAKAGES.items() if possible(directory, caller)
    ]


def break_directory_rule(
    directory: DirectoryData, breakage: str, message: Message, caller: str = "caller"
) -> st.SearchStrategy[Message]:
    """``message`` (valid for ``caller``) with one directory rule broken as ``breakage`` says."""
    possible, breaker = _DIRECTORY_BREAKAGES[breakage]
    if not possible(directory, caller):
        raise ValueError(
            f"'{breakage}' is impossible in this directory; see directory_breakages_for"
        )

    @st.composite
    def build(draw: st.DrawFn) -> Message:
        return breaker(draw, directory, caller, message)

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


UNREADABLE = "a recipient cannot read it"
"""The label of :func:`unreadable_messages_for` messages: valid, but not for every reader."""


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
        message = _replace_recipient(draw, message, recipient)
        if marking not in message["security"]["portionMarkings"]:
            message = _replace_marking(draw, message, marking)
        return message

    return build()


# --- batches that mix them -------------------------------------------------------------------

VALID = "valid"
"""The label of a message the server accepts."""
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

    def of_kind(kind: str) -> st.SearchStrategy[tuple[str, Any]]:
        if kind == "field":
            return near_valid_messages(valid, BREAKAGE_NAMES + EMPTY_BREAKAGE_NAMES)
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


# --- the directory's Inbox limits -------------------------------------------------------------

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
_LIMITED: dict[str, str] = {
    "max_recipients_per_message": "recipients",
    "max_title_length": "title",
    "max_body_length": "body",
}

LIMIT_LABELS: tuple[str, ...] = tuple(
    f"{what} {where}" for what in _LIMITED.values() for where in ("at the limit", "one past")
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
    from gotham_inbox.emulator.directory import LimitsEntry

    return LimitsEntry.model_validate(directory.get("limits", {})).model_dump()


def within_limits(message: Message, limits: dict[str, int]) -> Message:
    """``message`` cut down to ``limits`` (from :func:`limits_of`): at most so many
    recipients, a title and body at most so many characters."""
    fitted = _deep_copy(message)
    fitted["groupRecipients"] = fitted["groupRecipients"][: limits["max_recipients_per_message"]]
    fitted["title"]["value"] = fitted["title"]["value"][: limits["max_title_length"]]
    if "body" in fitted:
        fitted["body"]["value"] = fitted["body"]["value"][: limits["max_body_length"]]
    return dict(fitted)


def _text_of_length(draw: st.DrawFn, length: int) -> str:
    # A short drawn text repeated: any length costs one small draw, so a default limit of
    # 100,000 characters is as cheap to straddle as a limit of 3.
    seed = draw(texts(min_size=1, max_size=8))
    return (seed * (length // len(seed) + 1))[:length]


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
        name = draw(st.sampled_from(list(_LIMITED)))
        past = draw(st.booleans())
        size = limits[name] + (1 if past else 0)
        message = _deep_copy(draw(valid_messages_for(directory, caller, **options)))
        if name == "max_recipients_per_message":
            message["groupRecipients"] = draw(st.lists(recipient, min_size=size, max_size=size))
        elif name == "max_title_length":
            message["title"]["value"] = _text_of_length(draw, size)
        else:
            style = draw(st.sampled_from(TEXT_FORMAT_STYLES))
            message["body"] = {"value": _text_of_length(draw, size), "formatStyle": style}
        return f"{_LIMITED[name]} {'one past' if past else 'at the limit'}", dict(message)

    return build()


# --- edge values of the policies' config and inputs ------------------------------------------


def caller_clearances(markings: Sequence[str]) -> st.SearchStrategy[list[str] | None]:
    """A ``callerClearance``: omitted (``None``: not checked), ``[]`` (cleared for nothing: the
    edge a sloppy rule mistakes for "not checked"), or a subset of ``markings``."""
    return st.one_of(st.none(), st.just([]), _subset(markings))


def recipient_realms() -> st.SearchStrategy[str | None]:
    """A recipient's realm as written: omitted (``None``), ``""`` (given, and empty: a realm no
    group lives in, not an omitted one), or a realm name."""
    return st.one_of(st.sampled_from([None, ""]), realm_names())


def marking_and_ceiling(allowed: Sequence[str]) -> st.SearchStrategy[tuple[str, str]]:
    """``(marking, ceiling)`` from ``allowed`` (lowest first), most often at the boundary: the
    marking equal to the ceiling, or one step above or below it."""
    if not allowed:
        raise ValueError("marking_and_ceiling needs at least one allowed marking")
    levels = list(allowed)

    @st.composite
    def build(draw: st.DrawFn) -> tuple[str, str]:
        ceiling = draw(st.integers(0, len(levels) - 1))
        step = draw(st.sampled_from([0, 1, -1]) | st.integers(-len(levels), len(levels)))
        marking = min(max(ceiling + step, 0), len(levels) - 1)
        return levels[marking], levels[ceiling]

    return build()


def batch_sizes_around(limit: int) -> st.SearchStrategy[int]:
    """Batch sizes at a ``maxBatchSize`` boundary: ``limit - 1``, ``limit``, ``limit + 1``
    (never below 1)."""
    return st.sampled_from(sorted({max(1, limit - 1), limit, limit + 1}))


def credential_samples(
    names: Sequence[str] | None = None,
) -> st.SearchStrategy[tuple[str, str]]:
    """``(pattern name, text)``: a text that matches one of the built-in secret patterns of
    ``inbox-content`` (all of them, or those named), generated from the pattern itself."""
    from gotham_inbox.policy.content import DEFAULT_SECRET_PATTERNS

    chosen = [
        (name, pattern)
        for name, pattern in DEFAULT_SECRET_PATTERNS
        if names is None or name in names
    ]
    if not chosen:
        raise ValueError(f"no built-in secret pattern named {list(names or [])}")
    return st.one_of(
        [
            st.tuples(st.just(name), st.from_regex(pattern, fullmatch=True))
            for name, pattern in chosen
        ]
    )


def texts_with_credentials() -> st.SearchStrategy[str]:
    """Texts that may hold a credential sample anywhere, or part of one, among other text."""
    piece = st.one_of(
        texts(min_size=0, max_size=20),
        credential_samples().map(lambda sample: sample[1]),
        credential_samples().map(lambda sample: sample[1][: len(sample[1]) // 2]),
    )
    return st.lists(piece, max_size=4).map("".join)
