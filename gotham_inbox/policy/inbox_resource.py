"""The inbox resources the policies look at, independent of who collected them.

The pack gets them from the engine (``ResourceValidationArgs``), ``gotham-inbox check`` from a
run of the program under Pulumi's mocks; both build an :class:`InboxResource` from the
resource's type, URN, name and plain JSON inputs, so the rules cannot tell the two apart.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from gotham_inbox.policy.messages import recipients, source_id, text_in, value_at
from gotham_inbox.unknowns import is_unknown
from gotham_inbox.validation import Problem, check_message, check_messages

INBOX_MESSAGE_TYPE = "pulumi-python:dynamic/gotham:InboxMessage"
"""The type token of a single message resource; its input ``message`` is one wire message."""
INBOX_MESSAGE_BATCH_TYPE = "pulumi-python:dynamic/gotham:InboxMessageBatch"
"""The type token of a batch resource; its input ``messages`` is a list of wire messages."""
PLUGIN_MESSAGE_TYPE = "gotham:index:InboxMessage"
"""The same single message declared through the gotham provider plugin (any language)."""
PLUGIN_MESSAGE_BATCH_TYPE = "gotham:index:InboxMessageBatch"
"""The same batch declared through the gotham provider plugin (any language)."""
MESSAGE_TYPES: frozenset[str] = frozenset({INBOX_MESSAGE_TYPE, PLUGIN_MESSAGE_TYPE})
BATCH_TYPES: frozenset[str] = frozenset({INBOX_MESSAGE_BATCH_TYPE, PLUGIN_MESSAGE_BATCH_TYPE})
INBOX_TYPES: frozenset[str] = MESSAGE_TYPES | BATCH_TYPES
"""Every type token of an inbox resource: the pack judges both providers' types alike."""

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


class _BatchValidation:
    """The server's validation of a batch's messages, run once, when a policy first asks.

    A batch goes through :func:`check_messages`, as the client sends it: a valid batch in one
    pydantic-core call, message by message only when something is wrong, each message with the
    problems :func:`check_message` names.
    """

    __slots__ = ("_messages", "_problems")

    def __init__(self, messages: list[Any]) -> None:
        self._messages = messages
        self._problems: dict[int | None, tuple[Problem, ...]] | None = None

    def problems(self, index: int) -> tuple[Problem, ...]:
        """The problems of the message at ``index``."""
        if self._problems is None:
            by_index: dict[int | None, tuple[Problem, ...]] = {}
            for problem in check_messages(self._messages)[1]:
                by_index[problem.index] = (*by_index.get(problem.index, ()), problem)
            self._problems = by_index
        return self._problems.get(index, ())


class MessageRef:
    """One message of a resource: its position, its wire-form data and what the policies read.

    ``index`` is the message's position in a batch, ``None`` for an ``InboxMessage``. The fields
    that several policies look at are read once, when the ref is made, instead of once per
    policy: ``title``, ``sender`` and ``body`` (the texts, ``None`` when absent, unknown or not
    a string), ``markings`` (``security.portionMarkings`` as :func:`value_at` reads it),
    ``recipients`` and ``source_id`` (normalised, see :func:`source_id`).
    """

    __slots__ = (
        "_batch",
        "_problems",
        "body",
        "data",
        "index",
        "markings",
        "recipients",
        "sender",
        "source_id",
        "title",
    )

    def __init__(self, index: int | None, data: Any, batch: _BatchValidation | None) -> None:
        self.index = index
        self.data = data
        fields = data if isinstance(data, dict) else {}
        self.title = text_in(fields.get("title"), "value")
        self.sender = text_in(fields.get("sender"), "displayName")
        self.body = text_in(fields.get("body"), "value")
        self.markings: Any = value_at(data, "security", "portionMarkings")
        self.recipients = recipients(data)
        self.source_id = source_id(data)
        self._batch = batch
        self._problems: tuple[Problem, ...] | None = None

    def __repr__(self) -> str:
        return f"MessageRef(index={self.index!r}, data={self.data!r})"

    def path(self, field_path: str = "") -> str:
        """The property path of a field of this message: ``messages[2].title.value``."""
        head = "message" if self.index is None else f"messages[{self.index}]"
        return f"{head}.{field_path}" if field_path else head

    @property
    def problems(self) -> tuple[Problem, ...]:
        """What the server's validation finds wrong with the message (``check_message``).

        Validated once, when a policy first asks: ``inbox-message-valid`` and
        ``inbox-batch-atomicity`` both need it. A message of a batch is validated with the
        whole batch (see :class:`_BatchValidation`).
        """
        if self._problems is None:
            if self._batch is not None and self.index is not None:
                self._problems = self._batch.problems(self.index)
            else:
                self._problems = tuple(check_message(self.data, self.index)[1])
        return self._problems


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
        return self.type in BATCH_TYPES

    @property
    def input_name(self) -> str:
        """The input that carries the message(s): ``message`` or ``messages``."""
        return "messages" if self.is_batch else "message"

    def message_refs(self) -> tuple[MessageRef, ...]:
        """The messages this resource would send, skipping what is unknown or malformed.

        A missing, unknown or non-list input yields no messages; ``inbox-message-valid``
        reports the malformed cases. Built once and shared by every policy, so what a ref
        reads and validates is read and validated once.
        """
        # Kept in the instance dict, as functools.cached_property does, without the lock that
        # its Python 3.11 version takes on every first access (once per resource here).
        refs: tuple[MessageRef, ...] | None = self.__dict__.get("_message_refs")
        if refs is None:
            refs = self.__dict__["_message_refs"] = self._read_message_refs()
        return refs

    def _read_message_refs(self) -> tuple[MessageRef, ...]:
        if self.is_batch:
            value = self.inputs.get("messages")
            if not isinstance(value, list):  # missing, unknown or malformed
                return ()
            batch = _BatchValidation(value)
            return tuple(MessageRef(index, item, batch) for index, item in enumerate(value))
        value = self.inputs.get("message")
        if value is None or is_unknown(value):
            return ()
        return (MessageRef(None, value, None),)


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
    """What a rule may know about the stack: its name, project, organization and config.

    Secret configuration values are left out: the policies never need them, a ciphertext must
    not be mistaken for a realm, and a value that is not here cannot leak into a finding.
    ``policies`` holds the parsed config of every *enabled* policy of the pack, by name: a rule
    that judges what the others know (``inbox-batch-atomicity`` asks each whether the server
    would refuse a message) reads their config there.
    """

    stack: str | None = None
    config: Mapping[str, Any] = field(default_factory=dict)
    project: str | None = None
    organization: str | None = None
    policies: Mapping[str, Any] = field(default_factory=dict, compare=False)

    def caller_realm(self, configured: str | None) -> str | None:
        """The caller's realm: ``configured`` (a policy's ``callerRealm``), else the stack
        config's ``gotham:realm``; ``None`` when neither is known."""
        return configured or self.get(CALLER_REALM_KEY)

    def get(self, key: str) -> str | None:
        """A configuration value as text, or ``None`` when unset, empty or unknown."""
        value = self.config.get(key)
        if not isinstance(value, str) or not value or is_unknown(value):
            return None
        return value
