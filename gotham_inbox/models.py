"""Pydantic models of the Gotham Global Inbox "send messages" endpoint.

These models are the single source of truth for the wire format: the JSON Schema shipped in
``gotham_inbox/schemas/`` is generated from them (``gotham-inbox schema``), the client
serialises with them, the emulator and the policies validate with them.

Python attribute names are snake_case, wire names are camelCase. Request models reject unknown
fields (a typo such as ``groupRecipient`` must not silently drop a recipient); response models
tolerate fields a newer server may add.

``sourceId`` on a request message is not in Palantir's public request model. Failures are keyed
by source id and the documented conflict is "a message with the same source id already exists",
so this project treats it as an optional, caller-chosen idempotency key (see the API reference).
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal, TypeAlias, get_args
from uuid import UUID

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema
from pydantic.alias_generators import to_camel
from pydantic_core import PydanticCustomError

_CANONICAL_UUID = re.compile(
    r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
)


def _canonical_uuid(value: object) -> object:
    # pydantic alone accepts "urn:uuid:..", braces and hex without hyphens; the JSON Schema's
    # "uuid" format does not. Accept only the canonical 8-4-4-4-12 text so both always agree.
    if isinstance(value, str) and not _CANONICAL_UUID.match(value):
        raise ValueError("must be a UUID in the form 8-4-4-4-12 hex digits")
    return value


MessageSourceId: TypeAlias = Annotated[
    UUID,
    BeforeValidator(_canonical_uuid),
    WithJsonSchema({"type": "string", "format": "uuid", "pattern": _CANONICAL_UUID.pattern}),
]
"""The unique identifier of a Global Inbox message (a UUID)."""

_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _utf8_encodable(value: str) -> str:
    # A lone surrogate (from a bad decode, or "\ud800" in a Python literal) passes str
    # validation but cannot be written as UTF-8 JSON: refuse it here, naming the field, rather
    # than fail later while serialising (or while deriving a sourceId).
    found = _LONE_SURROGATE.search(value)
    if found is not None:
        raise PydanticCustomError(
            "lone_surrogate",
            "contains a lone surrogate ({code}) at position {position}, which cannot be "
            "sent as UTF-8; fix the text",
            {"code": f"U+{ord(found.group()):04X}", "position": found.start()},
        )
    return value


WireText: TypeAlias = Annotated[str, AfterValidator(_utf8_encodable)]
"""Text sent on the wire: any string that UTF-8 can encode."""

PortionMarking: TypeAlias = WireText
"""A security marking, validated by the server against its CBAC rules."""

TextFormatStyle: TypeAlias = Literal["UNFORMATTED", "PREFORMATTED", "MARKDOWN"]
"""How the body is rendered."""

SendMessageFailureReason: TypeAlias = Literal["CONFLICTING_SOURCE_ID", "UNKNOWN"]
"""Why a message was not sent: a message with its source id exists, or an unknown conflict."""

TEXT_FORMAT_STYLES: tuple[str, ...] = get_args(TextFormatStyle)


def _wire_config(*, unknown_fields: Literal["forbid", "allow"]) -> ConfigDict:
    # camelCase on the wire; Python code may still construct models by their snake_case names
    # (parse_message/parse_request refuse those names for wire input).
    return ConfigDict(
        alias_generator=to_camel,
        validate_by_alias=True,
        validate_by_name=True,
        serialize_by_alias=True,
        extra=unknown_fields,
        frozen=True,
    )


class RequestModel(BaseModel):
    """Base of request models: camelCase on the wire, unknown fields are an error."""

    model_config = _wire_config(unknown_fields="forbid")

    def to_wire(self) -> dict[str, Any]:
        """The JSON object sent on the wire: camelCase names, absent optionals left out."""
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)


class ResponseModel(BaseModel):
    """Base of response models: camelCase on the wire, new server fields are kept, not refused."""

    model_config = _wire_config(unknown_fields="allow")

    def to_wire(self) -> dict[str, Any]:
        """The JSON object as the server sends it."""
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)


class GroupRecipient(RequestModel):
    """A group of users to send the message to."""

    name: WireText = Field(description="The name of the group.")
    realm: WireText | None = Field(
        default=None,
        description="The group's realm. Defaults to the caller's realm; required to reach a group "
        "in another realm.",
    )


class MessageSender(RequestModel):
    """Static text shown as the sender of the message."""

    display_name: WireText = Field(description="The sender name shown to recipients.")


class SecureTextTitle(RequestModel):
    """The message title, secured by the message's markings."""

    value: WireText


class SecureTextBody(RequestModel):
    """The message body, secured by the message's markings."""

    value: WireText
    format_style: TextFormatStyle


class MessageSecurity(RequestModel):
    """Message-level security: the portion markings that secure title, sender and body."""

    portion_markings: list[PortionMarking] = Field(
        description="Markings validated against the server's CBAC rules. Required."
    )


class SendMessageRequest(RequestModel):
    """One message to send to Global Inbox."""

    group_recipients: list[GroupRecipient] = Field(
        description="The groups of users to send this message to."
    )
    sender: MessageSender
    title: SecureTextTitle
    body: SecureTextBody | None = None
    security: MessageSecurity
    source_id: MessageSourceId | None = Field(
        default=None,
        description="Caller-chosen idempotency key (inferred from the API, see the reference). "
        "A message whose source id already exists is reported as CONFLICTING_SOURCE_ID.",
    )


class SendMessagesRequest(RequestModel):
    """The request body of ``POST /api/gotham/v1/inbox/messages``."""

    messages: list[SendMessageRequest]


class SendMessageResponse(ResponseModel):
    """A message that was sent."""

    source_id: MessageSourceId


class SendMessageFailure(ResponseModel):
    """A message that was not sent because it conflicts with an existing message."""

    source_id: MessageSourceId
    reason: SendMessageFailureReason


class SendMessagesResponse(ResponseModel):
    """The answer to a send: messages sent (request order) and messages refused by conflict."""

    responses: list[SendMessageResponse] = Field(default_factory=list)
    failures: list[SendMessageFailure] = Field(default_factory=list)


class PalantirError(ResponseModel):
    """The JSON envelope of every non-2xx answer from a Palantir service."""

    error_code: str
    error_name: str
    error_instance_id: str = ""
    parameters: dict[str, Any] = Field(default_factory=dict)


def parse_message(data: Any) -> SendMessageRequest:
    """Validate one message in its wire (camelCase) form; snake_case keys are refused."""
    return SendMessageRequest.model_validate(data, by_alias=True, by_name=False)


def parse_request(data: Any) -> SendMessagesRequest:
    """Validate a request body in its wire form; snake_case keys are refused."""
    return SendMessagesRequest.model_validate(data, by_alias=True, by_name=False)
