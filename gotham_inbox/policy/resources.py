"""The inbox resources the policies look at, independent of who collected them.

The pack gets them from the engine (``ResourceValidationArgs``), ``gotham-inbox check`` from a
run of the program under Pulumi's mocks; both build an :class:`InboxResource` from the
resource's type, URN, name and plain JSON inputs, so the rules cannot tell the two apart.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from gotham_inbox.policy.messages import Recipient, recipients
from gotham_inbox.policy.unknowns import is_unknown
from gotham_inbox.validation import Problem, check_message

INBOX_MESSAGE_TYPE = "pulumi-python:dynamic/gotham:InboxMessage"
"""The type token of a single message resource; its input ``message`` is one wire message."""
INBOX_MESSAGE_BATCH_TYPE = "pulumi-python:dynamic/gotham:InboxMessageBatch"
"""The type token of a batch resource; its input ``messages`` is a list of wire messages."""
INBOX_TYPES: frozenset[str] = frozenset({INBOX_MESSAGE_TYPE, INBOX_MESSAGE_BATCH_TYPE})

CALLER_REALM_KEY = "gotham:realm"
"""The stack config key of the caller's realm, the fallback of the policies' ``callerRealm``."""

# Pulumi's marker for a secret value inside a property map: {SIG_KEY: SECRET_SIG, "value": v}.
_SIG_KEY = "4dabf18193072939515e22adb298388d"
_SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"


def unwrap_secrets(value: Any) -> Any:
    """The value with every Pulumi secret wrapper replaced by the value it wraps.

    The policies judge what would be sent; whether a value is secret does not change that.
    """
    if isinstance(value, Mapping):
        if value.get(_SIG_KEY) == _SECRET_SIG and "value" in value:
            return unwrap_secrets(value["value"])
        return {str(key): unwrap_secrets(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [unwrap_secrets(item) for item in value]
    return value


@dataclass(frozen=True)
class SourceLocation:
    """Where the program declared a resource (for SARIF and the text report)."""

    path: str
    line: int


@dataclass(frozen=True)
class MessageRef:
    """One message of a resource: its position and its wire-form data.

    ``index`` is the message's position in a batch, ``None`` for an ``InboxMessage``.
    """

    index: int | None
    data: Any

    def path(self, field_path: str = "") -> str:
        """The property path of a field of this message: ``messages[2].title.value``."""
        head = "message" if self.index is None else f"messages[{self.index}]"
        return f"{head}.{field_path}" if field_path else head

    @cached_property
    def recipients(self) -> tuple[Recipient, ...]:
        """The message's recipients whose name (and realm, if given) are known strings."""
        # Read once: three policies look at the recipients of every message.
        return tuple(recipients(self.data))

    @cached_property
    def problems(self) -> tuple[Problem, ...]:
        """What the server's validation finds wrong with the message (``check_message``)."""
        # Validated once: inbox-message-valid and inbox-batch-atomicity both need the answer.
        return tuple(check_message(self.data, self.index)[1])


@dataclass(frozen=True)
class InboxResource:
    """An ``InboxMessage`` or ``InboxMessageBatch`` with its inputs as plain JSON values."""

    type: str
    urn: str
    name: str
    inputs: Mapping[str, Any]
    source: SourceLocation | None = field(default=None, compare=False)

    @property
    def is_batch(self) -> bool:
        """True for an ``InboxMessageBatch``."""
        return self.type == INBOX_MESSAGE_BATCH_TYPE

    @property
    def input_name(self) -> str:
        """The input that carries the message(s): ``message`` or ``messages``."""
        return "messages" if self.is_batch else "message"

    def message_refs(self) -> list[MessageRef]:
        """The messages this resource would send, skipping what is unknown or malformed.

        A missing, unknown or non-list input yields no messages; ``inbox-message-valid``
        reports the malformed cases.
        """
        return list(self._message_refs)

    @cached_property
    def _message_refs(self) -> tuple[MessageRef, ...]:
        # Built once and shared by every policy, so what a ref caches is computed once.
        value = self.inputs.get(self.input_name)
        if value is None or is_unknown(value):
            return ()
        if not self.is_batch:
            return (MessageRef(None, value),)
        if not isinstance(value, list):
            return ()
        return tuple(MessageRef(index, item) for index, item in enumerate(value))


def inbox_resource(
    resource_type: str,
    urn: str,
    name: str,
    properties: Mapping[str, Any],
    source: SourceLocation | None = None,
) -> InboxResource | None:
    """The resource as an :class:`InboxResource`, or ``None`` when it is not an inbox type."""
    if resource_type not in INBOX_TYPES:
        return None
    inputs = {
        key: unwrap_secrets(value)
        for key, value in properties.items()
        # The engine leaves internal keys such as ``__provider`` out of what it analyzes.
        if not key.startswith("__")
    }
    return InboxResource(resource_type, urn, name, inputs, source)


@dataclass(frozen=True)
class StackContext:
    """What a rule may know about the stack: its name and its (namespaced) configuration.

    Secret configuration values are left out: the policies never need them, and a ciphertext
    must not be mistaken for a realm.
    """

    stack: str | None = None
    config: Mapping[str, Any] = field(default_factory=dict)

    def get(self, key: str) -> str | None:
        """A configuration value as text, or ``None`` when unset, empty or unknown."""
        value = self.config.get(key)
        if not isinstance(value, str) or not value or is_unknown(value):
            return None
        return value
