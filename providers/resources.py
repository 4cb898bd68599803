"""Gotham Global Inbox messages as Pulumi resources.

``InboxMessage`` is one message; ``InboxMessageBatch`` is several messages sent in one request,
so the server validates them together and sends all or none. Both give every message a
``sourceId`` before registering it: the user's own, or one derived from the project, the stack,
the resource name, the message's index and its content (:func:`derive_source_id`). The engine,
the policy pack and the provider therefore all see the exact message, id included, that would
be sent.
"""

from __future__ import annotations

import inspect
import os
from collections.abc import Mapping, Sequence
from typing import Any, cast

import pulumi
import pulumi.dynamic

from gotham_inbox.models import SendMessageRequest
from gotham_inbox.providers.provider import InboxMessageBatchProvider, InboxMessageProvider
from gotham_inbox.source_ids import SOURCE_ID_KEY, plain, with_source_id

MessageInput = SendMessageRequest | Mapping[str, Any]
"""A message: a :class:`SendMessageRequest`, or the same as a dict in wire (camelCase) form."""


class _DynamicInboxResource(pulumi.dynamic.Resource):
    """Snake_case Python names for the camelCase outputs the provider records.

    Pulumi sets one attribute per output, named as on the wire (``sourceId``). Translating
    names through ``translate_output_property`` would also rename keys inside the ``message``
    output, so the Python names are plain properties instead.
    """

    def _output(self, name: str) -> pulumi.Output[Any]:
        return cast(pulumi.Output[Any], getattr(self, name))

    @property
    def sent_at(self) -> pulumi.Output[str | None]:
        """When this deploy sent the message(s) (UTC, ISO 8601); unset if all were adopted."""
        return self._output("sentAt")


def has_outputs(value: Any) -> bool:
    """True when ``value`` is or holds (in mappings, lists, tuples) an Output or other
    awaitable: a value only known once the deployment resolves it."""
    if isinstance(value, Mapping):
        return any(has_outputs(item) for item in value.values())
    if isinstance(value, list | tuple):
        return any(has_outputs(item) for item in value)
    return isinstance(value, pulumi.Output) or inspect.isawaitable(value)


def source_id_salt() -> str | None:
    """``gotham:sourceIdSalt`` (or ``GOTHAM_SOURCE_ID_SALT``): the key of derived sourceIds.

    Read by the program, where ids are derived; it is used as a key only and is never written
    to an input, an output or the state.
    """
    value = pulumi.runtime.get_config("gotham:sourceIdSalt") or os.environ.get(
        "GOTHAM_SOURCE_ID_SALT"
    )
    text = str(value).strip() if value else ""
    return text or None


def _message_with_id(
    message: pulumi.Input[Any], resource_name: str, index: int | None
) -> pulumi.Input[Any]:
    # Resolve nested Outputs first: the id is derived from the content the user finally gives.
    project, stack = pulumi.get_project(), pulumi.get_stack()
    salt = source_id_salt()
    data = plain(message)
    if not has_outputs(data):
        # Plain data needs no Output: Output.from_input would wrap every nested value in an
        # Output of its own, which is most of the cost of declaring a message.
        return with_source_id(data, project, stack, resource_name, index, salt)
    return pulumi.Output.from_input(data).apply(
        lambda data: with_source_id(data, project, stack, resource_name, index, salt)
    )


def _id_of(message: Any) -> Any:
    return message.get(SOURCE_ID_KEY) if isinstance(message, dict) else None


def _ids_of(messages: Any) -> Any:
    return [_id_of(item) for item in messages] if isinstance(messages, list) else None


def _derived(value: pulumi.Input[Any], pick: Any) -> pulumi.Input[Any]:
    """``pick(value)``, as an Output of ``value`` when it is one.

    The id inputs are derived from the message so that they are secret exactly when the message
    holds a secret: the engine keeps an output secret when its input was, and the id of a secret
    message is a hash of secret content.
    """
    if isinstance(value, pulumi.Output):
        return value.apply(pick)
    return pick(value)


class InboxMessage(_DynamicInboxResource, module="gotham", name="InboxMessage"):
    """One Gotham Global Inbox message, sent when the resource is created.

    Type token ``pulumi-python:dynamic/gotham:InboxMessage``. Input ``message`` is the message
    in wire form with its ``sourceId``. Outputs:

    - ``source_id`` (``sourceId``): the message's id in Gotham (the server's; equal to
      ``requested_source_id`` only where the host honours sourceIds);
    - ``requested_source_id`` (``requestedSourceId``): the id the message declared;
    - ``idempotent``: True when the host honoured that id, so a repeat of this message is
      refused rather than delivered twice (docs/source-ids.md);
    - ``status``: ``"sent"``, or ``"adopted"`` when an earlier attempt of this deploy had
      already sent it (the id came back as a conflict) and nothing was sent again;
    - ``message``: the message exactly as sent;
    - ``recipients``: the groups, each with its realm when known (explicit, or ``gotham:realm``);
    - ``sent_at`` (``sentAt``): when it was sent (UTC, ISO 8601); unset when adopted;
    - ``hostname``: the Gotham host it went to.

    Any change to what would be sent replaces the resource, which sends a new message; deleting
    it only removes it from the stack: Gotham messages cannot be recalled.
    """

    status: pulumi.Output[str]
    message: pulumi.Output[dict[str, Any]]
    recipients: pulumi.Output[list[dict[str, str]]]
    hostname: pulumi.Output[str]
    idempotent: pulumi.Output[bool]

    @property
    def source_id(self) -> pulumi.Output[str]:
        """The message's id in Gotham (the ``sourceId`` output)."""
        return self._output("sourceId")

    @property
    def requested_source_id(self) -> pulumi.Output[str]:
        """The id the message declared (the ``requestedSourceId`` output)."""
        return self._output("requestedSourceId")

    def __init__(
        self,
        resource_name: str,
        message: pulumi.Input[MessageInput],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        """Declare a message.

        Args:
            resource_name: the Pulumi resource name (part of the derived sourceId).
            message: a :class:`SendMessageRequest` or a wire-form dict; values may be Outputs.
                Give ``sourceId`` to choose the id yourself; otherwise one is derived.
            opts: resource options.
        """
        identified = _message_with_id(message, resource_name, None)
        super().__init__(
            InboxMessageProvider(),
            resource_name,
            {
                "message": identified,
                "sourceId": _derived(identified, _id_of),
                "requestedSourceId": _derived(identified, _id_of),
                "idempotent": None,
                "status": None,
                "recipients": None,
                "sentAt": None,
                "hostname": None,
            },
            opts,
        )


class InboxMessageBatch(_DynamicInboxResource, module="gotham", name="InboxMessageBatch"):
    """Several Gotham Global Inbox messages sent in ONE request.

    The server validates the whole request first: if any message is invalid, none is sent.
    Type token ``pulumi-python:dynamic/gotham:InboxMessageBatch``. Input ``messages`` is the list
    of messages in wire form, each with its ``sourceId``. Outputs:

    - ``source_ids`` (``sourceIds``): the messages' ids in Gotham (the server's), in order;
    - ``requested_source_ids`` (``requestedSourceIds``): the ids the messages declared;
    - ``idempotent``: True when the host honoured every one of those ids;
    - ``statuses``: ``"sent"`` or ``"adopted"`` for each message, in order;
    - ``messages``: the messages exactly as sent;
    - ``recipients``: each message's groups, as for :class:`InboxMessage`;
    - ``sent_at`` (``sentAt``): when the request was sent; unset if every message was adopted;
    - ``hostname``: the Gotham host they went to.
    """

    statuses: pulumi.Output[list[str]]
    messages: pulumi.Output[list[dict[str, Any]]]
    recipients: pulumi.Output[list[list[dict[str, str]]]]
    hostname: pulumi.Output[str]
    idempotent: pulumi.Output[bool]

    @property
    def source_ids(self) -> pulumi.Output[list[str]]:
        """The messages' ids in Gotham, in order (the ``sourceIds`` output)."""
        return self._output("sourceIds")

    @property
    def requested_source_ids(self) -> pulumi.Output[list[str]]:
        """The ids the messages declared, in order (the ``requestedSourceIds`` output)."""
        return self._output("requestedSourceIds")

    def __init__(
        self,
        resource_name: str,
        messages: pulumi.Input[Sequence[pulumi.Input[MessageInput]]],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        """Declare a batch of messages.

        Args:
            resource_name: the Pulumi resource name (part of each derived sourceId).
            messages: :class:`SendMessageRequest` objects or wire-form dicts (or an Output of
                the list). A message without ``sourceId`` gets one derived from its index too,
                so two identical messages in one batch get different ids.
            opts: resource options.
        """
        project, stack = pulumi.get_project(), pulumi.get_stack()
        salt = source_id_salt()

        def with_ids(items: Any) -> Any:
            if not isinstance(items, list):
                return items  # check reports that it is not a list
            return [
                with_source_id(item, project, stack, resource_name, index, salt)
                for index, item in enumerate(items)
            ]

        data = plain(messages)
        identified = (
            pulumi.Output.from_input(data).apply(with_ids)
            if has_outputs(data)
            else with_ids(data)  # plain data: no Output per nested value (see above)
        )
        super().__init__(
            InboxMessageBatchProvider(),
            resource_name,
            {
                "messages": identified,
                "sourceIds": _derived(identified, _ids_of),
                "requestedSourceIds": _derived(identified, _ids_of),
                "idempotent": None,
                "statuses": None,
                "recipients": None,
                "sentAt": None,
                "hostname": None,
            },
            opts,
        )
