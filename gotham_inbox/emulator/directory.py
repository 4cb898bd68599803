"""The emulator's directory: which markings exist, which groups can be addressed, who may call.

A directory file is YAML or JSON::

    markings: [UNCLASSIFIED, SENSITIVE, SECRET]
    groups:
      - {name: Everyone, realm: palantir-internal-realm, clearance: [UNCLASSIFIED, SENSITIVE]}
      - {name: External Inbox Alert Producers, realm: palantir-internal-realm}
    users:
      - {name: release-bot, realm: palantir-internal-realm, token: dev-release-bot-token,
         groups: [External Inbox Alert Producers], clearance: [UNCLASSIFIED, SENSITIVE]}
    clients:
      - {client_id: release-pipeline, client_secret: dev-secret, user: release-bot}

It is checked against :data:`DIRECTORY_SCHEMA` and then for consistency (every name it refers
to exists, nothing is defined twice). Any problem is a :class:`DirectoryError` that names the
file and the entry, e.g. ``users[1].clearance[0]: unknown marking 'SECERT'``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from gotham_inbox.validation import format_location

PRODUCER_GROUP = "External Inbox Alert Producers"
"""Callers must belong to this group to send messages (the documented server rule)."""

_NAME: dict[str, Any] = {"type": "string", "minLength": 1, "pattern": r"\S"}
_NAMES: dict[str, Any] = {"type": "array", "items": {"$ref": "#/$defs/name"}, "uniqueItems": True}

DIRECTORY_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "gotham-inbox emulator directory",
    "description": "Markings, recipient groups, callers and OAuth2 clients of the local emulator.",
    "type": "object",
    "additionalProperties": False,
    "required": ["markings", "groups", "users"],
    "properties": {
        "markings": {
            **_NAMES,
            "minItems": 1,
            "description": "Portion markings that are valid under CBAC.",
        },
        "groups": {
            "type": "array",
            "items": {"$ref": "#/$defs/group"},
            "description": "Groups that exist and can receive messages.",
        },
        "users": {
            "type": "array",
            "items": {"$ref": "#/$defs/user"},
            "description": "Callers of the API.",
        },
        "clients": {
            "type": "array",
            "items": {"$ref": "#/$defs/client"},
            "description": "OAuth2 client-credentials clients, each acting as a user.",
        },
    },
    "$defs": {
        "name": _NAME,
        "names": _NAMES,
        "group": {
            "type": "object",
            "additionalProperties": False,
            "required": ["name", "realm"],
            "properties": {
                "name": {"$ref": "#/$defs/name"},
                "realm": {"$ref": "#/$defs/name"},
                "clearance": {
                    "$ref": "#/$defs/names",
                    "description": "Markings the group's members may read; omitted means all.",
                },
            },
        },
        "user": {
            "type": "object",
            "additionalProperties": False,
            "required": ["name", "realm"],
            "properties": {
                "name": {"$ref": "#/$defs/name"},
                "realm": {"$ref": "#/$defs/name"},
                "token": {
                    "$ref": "#/$defs/name",
                    "description": "Bearer token the emulator accepts for this user; omit it "
                    "for users that only act through an OAuth2 client.",
                },
                "groups": {"$ref": "#/$defs/names", "description": "Group memberships."},
                "clearance": {
                    "$ref": "#/$defs/names",
                    "description": "Markings this user may apply; omitted means all.",
                },
            },
        },
        "client": {
            "type": "object",
            "additionalProperties": False,
            "required": ["client_id", "client_secret", "user"],
            "properties": {
                "client_id": {"$ref": "#/$defs/name"},
                "client_secret": {"$ref": "#/$defs/name"},
                "user": {"$ref": "#/$defs/name", "description": "The user this client acts as."},
            },
        },
    },
}
"""JSON Schema (draft 2020-12) of a directory file."""


class DirectoryError(ValueError):
    """A directory file that cannot be used; the text names the file, the entry and the fix."""

    def __init__(self, source: str, problems: Sequence[str]) -> None:
        self.source = source
        self.problems = list(problems)
        lines = "\n".join(f"  - {problem}" for problem in self.problems)
        super().__init__(f"invalid directory {source}:\n{lines}")


@dataclass(frozen=True)
class Group:
    """A group that can receive messages, identified by name and realm."""

    name: str
    realm: str
    clearance: frozenset[str] | None = None
    """Markings members may read; ``None`` means every marking."""


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
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise DirectoryError(source, ["the file does not exist"]) from None
    except (OSError, UnicodeDecodeError) as error:
        raise DirectoryError(source, [f"cannot read the file: {error}"]) from None
    return parse_directory(_parse_text(text, source, json_only=file.suffix == ".json"), source)


def _parse_text(text: str, source: str, *, json_only: bool) -> Any:
    if json_only:
        try:
            return json.loads(text)
        except json.JSONDecodeError as error:
            where = f"line {error.lineno}, column {error.colno}"
            raise DirectoryError(source, [f"not valid JSON at {where}: {error.msg}"]) from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(error, "problem", None) or str(error)
        raise DirectoryError(source, [f"not valid YAML{where}: {problem}"]) from None


def parse_directory(data: Any, source: str = "<memory>") -> Directory:
    """Validate already-parsed directory data (a dict as read from YAML/JSON).

    Raises:
        DirectoryError: listing every problem found.
    """
    if data is None:
        raise DirectoryError(source, ["the file is empty; see the example directory"])
    schema_errors = sorted(
        _validator().iter_errors(data), key=lambda error: [str(part) for part in error.path]
    )
    if schema_errors:
        raise DirectoryError(source, [_describe(error) for error in schema_errors])
    directory = _build(data, source)
    problems = _marking_problems(data) + _consistency_problems(directory)
    if problems:
        raise DirectoryError(source, problems)
    return directory


def _validator() -> Draft202012Validator:
    return Draft202012Validator(DIRECTORY_SCHEMA)


def _describe(error: ValidationError) -> str:
    where = format_location(error.absolute_path) or "(top level)"
    instance: Any = error.instance
    schema: Any = error.schema
    if error.validator == "required":
        required: list[str] = list(schema["required"])
        missing = [name for name in required if name not in instance]
        return f"{where}: required field '{missing[0]}' is missing; add it"
    if error.validator == "additionalProperties":
        known = schema.get("properties", {})
        unknown = sorted(set(instance) - set(known))
        allowed = ", ".join(known)
        return f"{where}: unknown field '{unknown[0]}'; remove it (allowed here: {allowed})"
    if error.validator == "type":
        hint = ""
        if isinstance(instance, bool) and error.validator_value == "string":
            hint = " (YAML reads unquoted yes/no/on/off/true/false as booleans; quote the value)"
        wanted = {"array": "a list", "object": "a mapping", "string": "a string"}.get(
            str(error.validator_value), str(error.validator_value)
        )
        return f"{where}: must be {wanted}, got {instance!r}{hint}"
    if error.validator in {"minLength", "pattern"}:
        return f"{where}: must not be empty"
    if error.validator == "minItems":
        return f"{where}: must list at least one entry"
    if error.validator == "uniqueItems":
        return f"{where}: lists the same entry twice; remove the duplicate"
    return f"{where}: {error.message}"


def _clearance(value: Iterable[str] | None) -> frozenset[str] | None:
    return None if value is None else frozenset(value)


def _build(data: Mapping[str, Any], source: str) -> Directory:
    return Directory(
        markings=tuple(data["markings"]),
        groups=tuple(
            Group(item["name"], item["realm"], _clearance(item.get("clearance")))
            for item in data["groups"]
        ),
        users=tuple(
            User(
                name=item["name"],
                realm=item["realm"],
                token=item.get("token"),
                groups=frozenset(item.get("groups", ())),
                clearance=_clearance(item.get("clearance")),
            )
            for item in data["users"]
        ),
        clients=tuple(
            OAuthClient(item["client_id"], item["client_secret"], item["user"])
            for item in data.get("clients", ())
        ),
        source=source,
    )


def _marking_problems(data: Mapping[str, Any]) -> list[str]:
    """Clearances may only name markings the directory defines (a typo would deny silently)."""
    known = data["markings"]
    return [
        f"{kind}[{index}].clearance[{position}]: unknown marking '{marking}'; "
        f"use one of {', '.join(known)} or add it to markings"
        for kind in ("groups", "users")
        for index, item in enumerate(data[kind])
        for position, marking in enumerate(item.get("clearance", ()))
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
