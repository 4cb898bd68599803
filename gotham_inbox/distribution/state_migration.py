"""Rewrite a stack's state from the old import path of the providers to ``gotham_inbox.providers``.

Pulumi pickles a dynamic provider by reference into each resource's ``__provider`` (inputs and
outputs): gotham-inbox's used to read ``providers.provider.InboxMessageProvider``, from when the
distribution installed a top-level ``providers`` package. That package is gone, and the provider
host must import the module named in state to run ``Delete`` (a replaced or destroyed resource)
and ``Read`` (a refresh), so those fail with ``No module named 'providers'`` until the state is
rewritten. Check, Diff, Create and Update use the value the program sends, which is already the
new one (and the providers' diff ignores ``__provider``, so an upgrade sends nothing).

The rewrite works on a ``pulumi stack export`` document: each ``__provider`` that is one of
gotham-inbox's old references becomes exactly what this version records (the value the program
now sends); every other value (another project's ``providers`` package included) is left as it
is. The pickles are parsed, never loaded: nothing in the state file is executed.
"""

from __future__ import annotations

import base64
import binascii
import copy
import json
import pickletools
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from gotham_inbox.errors import UserError

PROVIDER_KEY = "__provider"
OLD_MODULE = "providers.provider"
PROVIDER_CLASSES = ("InboxMessageProvider", "InboxMessageBatchProvider")
# Pulumi's marker of a secret value in a state file (sdk/go/common/resource/sig).
SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d"
SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"
INBOX_TYPES = (
    "pulumi-python:dynamic/gotham:InboxMessage",
    "pulumi-python:dynamic/gotham:InboxMessageBatch",
)
_STRING_OPS = {"SHORT_BINUNICODE", "BINUNICODE", "BINUNICODE8", "UNICODE", "SHORT_BINSTRING"}


class StateMigrationError(UserError):
    """The document cannot be migrated; the message says where and what to do."""


@dataclass
class Migration:
    """A migrated export: the new document and what changed."""

    document: dict[str, Any]
    rewritten: list[str] = field(default_factory=list)
    """``<urn> <inputs|outputs>`` of every ``__provider`` rewritten."""


def pickled_globals(value: str) -> list[tuple[str, str]] | None:
    """The (module, name) pairs a base64 pickle refers to, or ``None`` if it is not one.

    Read from the opcodes (``pickletools``): the pickle is never loaded.
    """
    try:
        data = base64.b64decode(value, validate=True)
        found: list[tuple[str, str]] = []
        strings: list[str] = []
        for opcode, argument, _position in pickletools.genops(data):
            if opcode.name in _STRING_OPS and isinstance(argument, str):
                strings.append(argument)
            elif opcode.name == "STACK_GLOBAL" and len(strings) >= 2:
                found.append((strings[-2], strings[-1]))
            elif opcode.name == "GLOBAL" and isinstance(argument, str):
                module, _, name = argument.partition(" ")
                found.append((module, name))
    except (binascii.Error, ValueError):
        return None
    return found


def new_provider_value(class_name: str) -> str:
    """The ``__provider`` this version records for one of its provider classes."""
    from pulumi.dynamic.dynamic import serialize_provider

    from gotham_inbox.providers import provider

    value: str = serialize_provider(getattr(provider, class_name)())
    return value


def migrated_provider(value: str) -> str | None:
    """The new ``__provider`` for an old gotham-inbox one; ``None`` for any other value."""
    found = pickled_globals(value)
    if found is None or len(found) != 1:
        return None
    ((module, name),) = found
    if module != OLD_MODULE or name not in PROVIDER_CLASSES:
        return None
    return new_provider_value(name)


def _is_secret(value: Any) -> bool:
    return isinstance(value, dict) and value.get(SECRET_SIG_KEY) == SECRET_SIG


QUOTED_CHARACTERS = 60
"""How much of a value from the file an error quotes: a URN in a file can be megabytes."""
LISTED_CHARACTERS = 240
"""How much of a rewritten resource's URN the report lists (real URNs are under 200)."""


def quoted(text: str, limit: int = QUOTED_CHARACTERS) -> str:
    """``text`` cut to ``limit`` characters, with "…" where it was cut.

    The middle goes: a URN's end is the resource's name, its start the stack and project.
    """
    if len(text) <= limit:
        return text
    return text[: limit // 2] + "…" + text[len(text) - limit // 2 :]


def _kind(value: Any) -> str:
    # What a value is, in the words of JSON: never its content, which may be huge.
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    return "an object"


def _malformed(source: str, field_path: str, value: Any, expected: str) -> StateMigrationError:
    return StateMigrationError(
        f"{source}: {field_path} is {_kind(value)}, not {expected}; this is not the shape of a "
        "`pulumi stack export` file: export the stack again with `pulumi stack export --file "
        "FILE` and migrate that file"
    )


def _entries(deployment: dict[str, Any], key: str, source: str) -> list[Any]:
    entries = deployment.get(key)
    if entries is None:
        return []
    if not isinstance(entries, list):
        raise _malformed(source, f"deployment.{key}", entries, "a list")
    return entries


def _resources(deployment: dict[str, Any], source: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every resource of the deployment with the path of its field, its shape checked."""
    found: list[tuple[str, Any]] = [
        (f"deployment.resources[{index}]", resource)
        for index, resource in enumerate(_entries(deployment, "resources", source))
    ]
    for index, operation in enumerate(_entries(deployment, "pending_operations", source)):
        where = f"deployment.pending_operations[{index}]"
        if not isinstance(operation, dict):
            raise _malformed(source, where, operation, "an object")
        found.append((f"{where}.resource", operation.get("resource")))
    for where, resource in found:
        if not isinstance(resource, dict):
            raise _malformed(source, where, resource, "an object")
        for key in ("urn", "type"):
            if key in resource and not isinstance(resource[key], str):
                raise _malformed(source, f"{where}.{key}", resource[key], "a string")
        for key in ("inputs", "outputs"):
            if resource.get(key) is not None and not isinstance(resource[key], dict):
                raise _malformed(source, f"{where}.{key}", resource[key], "an object")
        yield where, resource


def _rewrite(properties: dict[str, Any], urn: str, type_: str, source: str) -> bool:
    value = properties[PROVIDER_KEY]
    if isinstance(value, str):
        new = migrated_provider(value)
        if new is None:
            return False
        properties[PROVIDER_KEY] = new
        return True
    if _is_secret(value) and isinstance(value.get("plaintext"), str):
        try:
            plain = json.loads(value["plaintext"])
        except (ValueError, RecursionError):  # not JSON, an integer of 4300+ digits, too deep
            return False
        new = migrated_provider(plain) if isinstance(plain, str) else None
        if new is None:
            return False
        properties[PROVIDER_KEY] = {**value, "plaintext": json.dumps(new)}
        return True
    if _is_secret(value) and type_ in INBOX_TYPES:
        raise StateMigrationError(
            f"{source}: {quoted(urn)}: its {PROVIDER_KEY} is an encrypted secret, which cannot "
            "be read here; export the stack with `pulumi stack export --show-secrets --file "
            "FILE` and run this again (`pulumi stack import` encrypts the secrets anew)"
        )
    return False


def migrate_export(exported: Any, source: str = "the export") -> Migration:
    """Migrate a ``pulumi stack export`` document (not modified; a migrated copy is returned).

    Raises:
        StateMigrationError: the document is not shaped like an export, or holds an encrypted
            provider; one line naming ``source`` (or the resource) and the field, quoting at
            most :data:`QUOTED_CHARACTERS` of any value.
    """
    if not isinstance(exported, dict) or not isinstance(exported.get("deployment"), dict):
        raise StateMigrationError(
            f"{source} is not a `pulumi stack export` document (no 'deployment' object); "
            "create one with `pulumi stack export --file FILE`"
        )
    try:
        document = copy.deepcopy(exported)
    except RecursionError:
        raise StateMigrationError(
            f"{source} nests too deep to be copied; migrate an export of at most "
            "a few hundred levels"
        ) from None
    migration = Migration(document)
    for where, resource in _resources(document["deployment"], source):
        urn = resource.get("urn", f"{where} (no urn)")
        type_ = resource.get("type", "")
        for part in ("inputs", "outputs"):
            properties = resource.get(part)
            if (
                isinstance(properties, dict)
                and PROVIDER_KEY in properties
                and _rewrite(properties, urn, type_, source)
            ):
                migration.rewritten.append(f"{quoted(urn, LISTED_CHARACTERS)} {part}")
    return migration
