"""Deterministic message source ids, the canonical form they are derived from, and repeats.

A message's ``sourceId`` is its idempotency key: a host that honours sourceIds refuses a second
message with the same id (``CONFLICTING_SOURCE_ID``) instead of delivering it twice (a host may
also ignore or refuse them: docs/source-ids.md). Deriving the id from where
the message is declared (project, stack, resource name, position in a batch) and from what it
says means a deploy that is re-run after a crash or a lost answer re-sends the same id, and the
message is never delivered twice. Changing what the message says gives a new id: a new message.

Unsalted, the id is a uuid5 of inputs another producer can know or guess: it can pre-send a
message under the id (the provider would adopt it), and the plaintext id is a hash of content
that may be secret (a short secret is recovered by trying every value). An optional secret salt
(``gotham:sourceIdSalt``) keys the derivation with HMAC-SHA256, so neither is possible without
the salt. See docs/source-ids.md for the trust model.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ValidationError

from gotham_inbox.models import parse_message

SOURCE_ID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:gotham-inbox:source-id:v1")
"""The uuid5 namespace of derived source ids. Fixed forever: changing it re-sends everything."""

SOURCE_ID_KEY = "sourceId"


def plain(value: Any) -> Any:
    """``value`` with pydantic models turned into their wire (camelCase) dicts, recursively."""
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", by_alias=True, exclude_none=True)
    if isinstance(value, Mapping):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    return value


def _without_nulls(value: Any) -> Any:
    # An absent optional and an explicit null mean the same thing on the wire.
    if isinstance(value, Mapping):
        return {key: _without_nulls(item) for key, item in value.items() if item is not None}
    if isinstance(value, (list, tuple)):
        return [_without_nulls(item) for item in value]
    return value


def canonical_message(message: Any) -> Any:
    """The message exactly as it would be sent: wire form, absent optionals dropped.

    A valid message goes through the models (so ``sourceId`` letter case and the like are
    normalised); anything else is returned with its nulls dropped, so even an invalid message
    has a stable canonical form.
    """
    data = plain(message)
    try:
        return parse_message(data).to_wire()
    except ValidationError:
        return _without_nulls(data)


def canonical_json(value: Any) -> str:
    """Compact JSON with sorted keys: equal for values that mean the same thing."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def keyed_uuid(namespace: uuid.UUID, name: str, salt: str | None) -> str:
    """uuid5(namespace, name) without a salt; with one, a UUID from HMAC-SHA256(salt, name).

    The keyed id has the uuid5 layout (version and variant bits set over the first 16 bytes of
    the MAC), so it is a valid UUID everywhere a uuid5 is; without the salt it cannot be
    predicted, nor can ``name`` be recovered from it.
    """
    if not salt:
        return str(uuid.uuid5(namespace, name))
    digest = hmac.new(salt.encode(), namespace.bytes + name.encode(), hashlib.sha256).digest()
    return str(uuid.UUID(bytes=digest[:16], version=5))


def derive_source_id(
    project: str,
    stack: str,
    resource_name: str,
    message: Any,
    index: int | None = None,
    salt: str | None = None,
) -> str:
    """The deterministic sourceId of a message declared in a Pulumi program.

    uuid5 in :data:`SOURCE_ID_NAMESPACE` over the project, the stack, the resource name, the
    message's index in its batch (``None`` for a message that is a resource of its own) and the
    canonical message content without any ``sourceId``. Key order and absent-versus-null
    optionals do not change the id; any change to what would be sent does. With ``salt`` the
    derivation is keyed (:func:`keyed_uuid`).
    """
    content = canonical_message(message)
    if isinstance(content, dict):
        content = {key: item for key, item in content.items() if key != SOURCE_ID_KEY}
    name = canonical_json(
        {
            "project": project,
            "stack": stack,
            "resource": resource_name,
            "index": index,
            "message": content,
        }
    )
    return keyed_uuid(SOURCE_ID_NAMESPACE, _encodable(name), salt)


def _encodable(name: str) -> str:
    # A message with a lone surrogate is invalid (validation refuses it), but deriving its id
    # must not crash the program before validation can say so. Valid text never holds one, so
    # its ids are unchanged; an invalid one gets an id over its escaped (ASCII) spelling.
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return name.encode("ascii", "backslashreplace").decode("ascii")
    return name


def with_source_id(
    message: Any,
    project: str,
    stack: str,
    resource_name: str,
    index: int | None = None,
    salt: str | None = None,
) -> Any:
    """The message in wire form, carrying its own ``sourceId`` or a derived one.

    A message that is not an object is returned unchanged (in wire form), so that validation,
    not this function, reports what is wrong with it.
    """
    data = plain(message)
    if not isinstance(data, dict):
        return data
    if data.get(SOURCE_ID_KEY) is not None:
        return data
    derived = derive_source_id(project, stack, resource_name, data, index, salt)
    return {**{k: v for k, v in data.items() if k != SOURCE_ID_KEY}, SOURCE_ID_KEY: derived}


class SourceIdUses:
    """Which message of a batch first used each sourceId, to find the messages that repeat one.

    Two messages of one request with the same sourceId conflict: the server sends the first and
    refuses the other as ``CONFLICTING_SOURCE_ID``. The provider's check and the policies both
    look for such repeats; each normalises the ids it compares (UUIDs ignore letter case).
    """

    def __init__(self) -> None:
        self._first: dict[str, int] = {}

    def earlier_use(self, key: str, index: int) -> int | None:
        """Record that message ``index`` uses the sourceId ``key``; the index of the first
        message that used it, if that was an earlier one."""
        first = self._first.setdefault(key, index)
        return None if first == index else first
