"""The directory: which markings exist, which groups can be addressed, who may call.

One model of a Gotham deployment's directory, read by everything that needs to know it: the
emulator serves it, ``gotham-inbox policy-config`` turns it into the policies' config, the
strategies generate cases from it and the verdicts configure the policies with it.

A directory file is YAML or JSON::

    markings: [UNCLASSIFIED, SENSITIVE, SECRET]
    groups:
      - {name: Everyone, realm: palantir-internal-realm, clearance: [UNCLASSIFIED, SENSITIVE]}
      - {name: External Inbox Alert Producers, realm: palantir-internal-realm}
    users:
      - {name: release-bot, realm: palantir-internal-realm, token: emu-7c41e9a3f05b2d86,
         groups: [External Inbox Alert Producers], clearance: [UNCLASSIFIED, SENSITIVE]}
    clients:
      - {client_id: release-pipeline, client_secret: dev-secret, user: release-bot}

The file's shape is described once, by the pydantic models :class:`DirectoryFile`,
:class:`GroupEntry`, :class:`UserEntry` and :class:`ClientEntry`; :data:`DIRECTORY_SCHEMA` is
generated from them. A file is validated by those models, then checked for consistency (every
name it refers to exists, nothing is defined twice), then turned into the runtime
:class:`Directory` the emulator rules and the policy configuration look things up in
(:func:`as_directory` takes any of a loaded directory, its data or its file). Any problem
is a :class:`DirectoryError` that names the file and the entry, e.g.
``users[1].clearance[0]: unknown marking 'SECERT'``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
)
from pydantic_core import ErrorDetails, PydanticCustomError, PydanticKnownError
from pydantic_core.core_schema import ErrorType

from gotham_inbox.documents import DocumentError, load_document
from gotham_inbox.errors import UserError
from gotham_inbox.schema import generate
from gotham_inbox.validation import advice_for, format_location, short_repr

PRODUCER_GROUP = "External Inbox Alert Producers"
"""Callers must belong to this group to send messages (the documented server rule)."""


def _no_duplicates(names: list[str]) -> list[str]:
    if len(set(names)) != len(names):
        raise PydanticCustomError("unique_items", "lists the same entry twice")
    return names


def _refuse_null(error_type: ErrorType) -> Callable[[Any], Any]:
    """A before-validator for an optional field: leaving it out is fine, an explicit null is not.

    YAML reads ``clearance:`` with nothing after it as null; taking that as "omitted" would
    silently clear a user for every marking.
    """

    def refuse(value: Any) -> Any:
        if value is None:
            raise PydanticKnownError(error_type)
        return value

    return refuse


def _omittable(schema: dict[str, Any]) -> None:
    """Publish an optional field as "may be left out" only: no null branch, no null default."""
    schema.pop("default", None)
    (kept,) = [branch for branch in schema.pop("anyOf") if branch != {"type": "null"}]
    schema.update(kept)


Name = Annotated[str, StringConstraints(min_length=1, pattern=r"\S")]
"""A name, realm, token...: a string with at least one non-space character."""

Names = Annotated[
    list[Name], AfterValidator(_no_duplicates), Field(json_schema_extra={"uniqueItems": True})
]
"""A list of names, each listed once."""


class _Entry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


Clearance = Annotated[Names | None, BeforeValidator(_refuse_null("list_type"))]
"""Markings, or left out for every marking (an explicit null is refused)."""


def _omittable_field(description: str, **options: Any) -> Any:
    """An optional field that may be left out but not set to null (see :func:`_refuse_null`)."""
    return Field(default=None, description=description, json_schema_extra=_omittable, **options)


class GroupEntry(_Entry):
    """A group that exists and can receive messages."""

    name: Name
    realm: Name
    clearance: Clearance = _omittable_field(
        "Markings the group's members may read; omitted means all."
    )


class UserEntry(_Entry):
    """A caller of the API."""

    name: Name
    realm: Name
    token: Annotated[Name | None, BeforeValidator(_refuse_null("string_type"))] = _omittable_field(
        "Bearer token the emulator accepts for this user; omit it "
        "for users that only act through an OAuth2 client.",
        repr=False,
    )
    groups: Names = Field(default_factory=list, description="Group memberships.")
    clearance: Clearance = _omittable_field("Markings this user may apply; omitted means all.")


class ClientEntry(_Entry):
    """An OAuth2 client-credentials client acting as a user."""

    client_id: Name
    client_secret: Name = Field(repr=False)
    user: Name = Field(description="The user this client acts as.")


PositiveInt = Annotated[int, Field(ge=1)]


class LimitsEntry(_Entry):
    """Inbox limits: a message over one is refused with 400 ``InvalidMessageRequests``.

    Gotham documents that such limits exist, not their values: the defaults are assumptions.
    """

    max_recipients_per_message: PositiveInt = Field(
        default=100, description="Group recipients one message may have."
    )
    max_title_length: PositiveInt = Field(
        default=1000, description="Characters in a message's title."
    )
    max_body_length: PositiveInt = Field(
        default=100_000, description="Characters in a message's body."
    )
    max_messages_per_request: PositiveInt = Field(
        default=10_000, description="Messages in one send request."
    )


class DirectoryFile(_Entry):
    """Markings, recipient groups, callers and OAuth2 clients of the local emulator."""

    model_config = ConfigDict(title="gotham-inbox emulator directory")

    markings: Names = Field(min_length=1, description="Portion markings that are valid under CBAC.")
    groups: list[GroupEntry] = Field(description="Groups that exist and can receive messages.")
    users: list[UserEntry] = Field(description="Callers of the API.")
    clients: list[ClientEntry] = Field(
        default_factory=list,
        description="OAuth2 client-credentials clients, each acting as a user.",
    )
    limits: LimitsEntry = Field(
        default_factory=LimitsEntry,
        description="Inbox limits (assumed defaults); over one is InvalidMessageRequests.",
    )


DIRECTORY_SCHEMA: dict[str, Any] = generate(DirectoryFile)
"""JSON Schema (draft 2020-12) of a directory file, generated from :class:`DirectoryFile`."""

_ENTRY_MODELS: dict[str, type[BaseModel]] = {
    "groups": GroupEntry,
    "users": UserEntry,
    "clients": ClientEntry,
    "limits": LimitsEntry,
}


class DirectoryError(UserError, ValueError):
    """A directory file that cannot be used; the text names the file, the entry and the fix."""

    def __init__(self, source: str, problems: Sequence[str]) -> None:
        self.source = source
        self.problems = list(problems)
        if len(self.problems) == 1:  # one problem, one line
            super().__init__(f"invalid directory {source}: {self.problems[0]}")
            return
        lines = "\n".join(f"  - {problem}" for problem in self.problems)
        super().__init__(f"invalid directory {source}:\n{lines}")


@dataclass(frozen=True)
class Group:
    """A group that can receive messages, identified by name and realm."""

    name: str
    realm: str
    clearance: frozenset[str] | None = None
    """Markings members may read; ``None`` means every marking."""

    def may_read(self, marking: str) -> bool:
        """Whether the group's clearance covers ``marking``."""
        return self.clearance is None or marking in self.clearance


@dataclass(frozen=True)
class User:
    """A caller. ``token`` is kept out of the repr so it cannot leak into logs."""

    name: str
    realm: str
    token: str | None = field(default=None, repr=False)
    groups: frozenset[str] = frozenset()
    clearance: frozenset[str] | None = None
    """Markings this user may apply; ``None`` means every marking."""

    @property
    def is_inbox_producer(self) -> bool:
        """Whether the user is in the "External Inbox Alert Producers" group."""
        return PRODUCER_GROUP in self.groups

    def may_apply(self, marking: str) -> bool:
        """Whether the user's clearance covers ``marking``."""
        return self.clearance is None or marking in self.clearance


@dataclass(frozen=True)
class OAuthClient:
    """An OAuth2 client-credentials client acting as ``user``; the secret stays out of the repr."""

    client_id: str
    client_secret: str = field(repr=False)
    user: str


@dataclass(frozen=True)
class Directory:
    """A validated directory. Build one with :func:`load_directory` or :func:`parse_directory`."""

    markings: tuple[str, ...]
    groups: tuple[Group, ...]
    users: tuple[User, ...]
    clients: tuple[OAuthClient, ...] = ()
    source: str = "<memory>"
    limits: LimitsEntry = field(default_factory=LimitsEntry)

    def user(self, name: str) -> User:
        """The user called ``name``; ``KeyError`` if there is none."""
        for user in self.users:
            if user.name == name:
                return user
        raise KeyError(f"no user '{name}' in the directory {self.source}")

    def user_for_token(self, token: str) -> User | None:
        """The user whose bearer token is ``token``, if any."""
        for user in self.users:
            if user.token is not None and user.token == token:
                return user
        return None

    def client(self, client_id: str) -> OAuthClient | None:
        """The OAuth2 client with this id, if any."""
        for client in self.clients:
            if client.client_id == client_id:
                return client
        return None

    def group(self, name: str, realm: str) -> Group | None:
        """The group ``name`` in ``realm``, if it exists."""
        for group in self.groups:
            if group.name == name and group.realm == realm:
                return group
        return None

    def realms_with_group(self, name: str) -> list[str]:
        """Every realm that has a group called ``name`` (to suggest an explicit realm)."""
        return sorted({group.realm for group in self.groups if group.name == name})


def example_directory_path() -> Path:
    """The example directory shipped with the package (the emulator's default)."""
    return Path(str(resources.files("gotham_inbox").joinpath("data", "example-directory.yaml")))


def load_directory(path: str | Path | None = None) -> Directory:
    """Read and validate a YAML or JSON directory file (the shipped example if ``None``).

    Raises:
        DirectoryError: the file is missing, unreadable, not YAML/JSON, or not a valid directory.
    """
    file = Path(path) if path is not None else example_directory_path()
    source = str(file)
    try:
        data = load_document(file, "json" if file.suffix == ".json" else "yaml")
    except DocumentError as error:
        raise DirectoryError(source, [f"the file {error.reason}"]) from None
    return parse_directory(data, source)


def parse_directory(data: Any, source: str = "<memory>") -> Directory:
    """Validate already-parsed directory data (a dict as read from YAML/JSON).

    Raises:
        DirectoryError: listing every problem found.
    """
    if data is None:
        raise DirectoryError(source, ["the file is empty; see the example directory"])
    try:
        file = DirectoryFile.model_validate(data)
    except ValidationError as error:
        raise DirectoryError(
            source, [_describe(item) for item in error.errors(include_url=False)]
        ) from None
    directory = _build(file, source)
    problems = _marking_problems(file) + _consistency_problems(directory)
    if problems:
        raise DirectoryError(source, problems)
    return directory


DirectorySource = Directory | Mapping[str, Any] | str | Path | None
"""A loaded directory, directory data, a directory file, or ``None`` for the shipped example."""


def as_directory(source: DirectorySource) -> Directory:
    """The directory ``source`` gives: a loaded one as it is, data validated (as
    :func:`parse_directory` does), a file loaded (as :func:`load_directory` does).

    Raises:
        DirectoryError: the data or the file is not a valid directory.
    """
    if isinstance(source, Directory):
        return source
    if isinstance(source, Mapping):
        return parse_directory(dict(source))
    return load_directory(source)


_SECRET_FIELDS = frozenset({"token", "client_secret"})


def _may_hold_a_secret(loc: Sequence[int | str]) -> bool:
    """Whether the value at ``loc`` may be a secret (a token, or any part of a client entry,
    which a mistyped line can turn into one string holding the secret)."""
    return "clients" in loc or any(part in _SECRET_FIELDS for part in loc)


def _shown(value: Any, loc: Sequence[int | str]) -> str:
    """``value`` as an error may show it: never the text of a possible secret."""
    if _may_hold_a_secret(loc) and value is not None and not isinstance(value, bool):
        return f"a value of type {type(value).__name__} (not shown: it may be a secret)"
    return short_repr(value)


def _describe(error: ErrorDetails) -> str:
    """One pydantic error as ``<entry path>: <what is wrong and what to do>``.

    Values are echoed to help fix them, except where they may be secrets (tokens, client
    secrets): a directory error goes to a terminal or a CI log.
    """
    kind = error["type"]
    loc = tuple(error["loc"])
    if kind in {"missing", "extra_forbidden"}:
        # Name the entry that lacks (or should not have) the field, and the field in the text.
        where = format_location(loc[:-1]) or "(top level)"
        if kind == "missing":
            return f"{where}: {advice_for(error)}"
        allowed = ", ".join(_model_at(loc[:-1]).model_fields)
        return f"{where}: unknown field '{loc[-1]}'; remove it (allowed here: {allowed})"
    where = format_location(loc) or "(top level)"
    wanted = {"list_type": "a list", "model_type": "a mapping", "string_type": "a string"}
    if kind in wanted:
        value = error["input"]
        hint = ""
        if isinstance(value, bool) and kind == "string_type":
            hint = " (YAML reads unquoted yes/no/on/off/true/false as booleans; quote the value)"
        return f"{where}: must be {wanted[kind]}, got {_shown(value, loc)}{hint}"
    if kind in {"string_too_short", "string_pattern_mismatch"}:
        return f"{where}: must not be empty"
    if kind == "too_short":
        return f"{where}: must list at least one entry"
    if kind == "unique_items":
        return f"{where}: lists the same entry twice; remove the duplicate"
    if _may_hold_a_secret(loc):
        return f"{where}: {error['msg']}"
    return f"{where}: {advice_for(error)}"


def _model_at(loc: Sequence[int | str]) -> type[BaseModel]:
    """The model of the entry at ``loc`` (``("users", 1)`` -> :class:`UserEntry`)."""
    kinds = [part for part in loc if isinstance(part, str)]
    return _ENTRY_MODELS[kinds[-1]] if kinds else DirectoryFile


def _clearance(value: Sequence[str] | None) -> frozenset[str] | None:
    return None if value is None else frozenset(value)


def _build(file: DirectoryFile, source: str) -> Directory:
    return Directory(
        markings=tuple(file.markings),
        groups=tuple(
            Group(item.name, item.realm, _clearance(item.clearance)) for item in file.groups
        ),
        users=tuple(
            User(
                name=item.name,
                realm=item.realm,
                token=item.token,
                groups=frozenset(item.groups),
                clearance=_clearance(item.clearance),
            )
            for item in file.users
        ),
        clients=tuple(
            OAuthClient(item.client_id, item.client_secret, item.user) for item in file.clients
        ),
        source=source,
        limits=file.limits,
    )


def _marking_problems(file: DirectoryFile) -> list[str]:
    """Clearances may only name markings the directory defines (a typo would deny silently)."""
    known = file.markings
    entries: dict[str, Sequence[GroupEntry | UserEntry]] = {
        "groups": file.groups,
        "users": file.users,
    }
    return [
        f"{kind}[{index}].clearance[{position}]: unknown marking '{marking}'; "
        f"use one of {', '.join(known)} or add it to markings"
        for kind, items in entries.items()
        for index, item in enumerate(items)
        for position, marking in enumerate(item.clearance or ())
        if marking not in known
    ]


def _consistency_problems(directory: Directory) -> list[str]:
    problems: list[str] = []
    seen_groups: set[tuple[str, str]] = set()
    for index, group in enumerate(directory.groups):
        if (group.name, group.realm) in seen_groups:
            problems.append(
                f"groups[{index}]: group '{group.name}' in realm '{group.realm}' is defined twice"
            )
        seen_groups.add((group.name, group.realm))
    group_names = {group.name for group in directory.groups}
    seen_users: set[str] = set()
    seen_tokens: set[str] = set()
    for index, user in enumerate(directory.users):
        if user.name in seen_users:
            problems.append(f"users[{index}]: user '{user.name}' is defined twice")
        seen_users.add(user.name)
        if user.token is not None:
            if user.token in seen_tokens:
                problems.append(
                    f"users[{index}].token: another user has the same token; tokens must be unique"
                )
            seen_tokens.add(user.token)
        # Group membership is by name: "External Inbox Alert Producers" is an internal multipass
        # group whose members may come from any realm (partner callers included).
        problems += [
            f"users[{index}].groups: no group '{name}' in the directory; add it under groups"
            for name in sorted(user.groups - group_names)
        ]
    seen_clients: set[str] = set()
    for index, client in enumerate(directory.clients):
        if client.client_id in seen_clients:
            problems.append(f"clients[{index}]: client '{client.client_id}' is defined twice")
        seen_clients.add(client.client_id)
        if client.user not in seen_users:
            problems.append(
                f"clients[{index}].user: no user '{client.user}' in the directory; "
                "name one of the users"
            )
    return problems
