"""``inbox-message-valid``: every message would pass the server's validation.

The same models and problem wording as the client, the provider and the emulator
(:func:`gotham_inbox.validation.check_message`), plus the resource's shape: an
``InboxMessage`` needs its ``message``, an ``InboxMessageBatch`` a non-empty ``messages`` list,
and the server's Inbox limits per message (recipients, title and body length, in characters as
the server counts them): past one the server answers 400 ``InvalidMessageRequests``. The limits'
defaults are the emulator directory's (:class:`~gotham_inbox.directory.LimitsEntry`);
``gotham-inbox policy-config`` copies a directory's ``limits:`` here.
"""

from __future__ import annotations

from pydantic import Field

from gotham_inbox.directory import LimitsEntry
from gotham_inbox.policy.inbox_resource import InboxResource, MessageRef, StackContext
from gotham_inbox.policy.properties import PolicyProperties
from gotham_inbox.policy.spec import PolicySpec, Severity
from gotham_inbox.policy.violation import (
    EnforcementLevel,
    Finding,
    message_finding,
    resource_finding,
)
from gotham_inbox.unknowns import is_unknown, is_within, unknown_paths

NAME = "inbox-message-valid"
DEFAULT_LEVEL = EnforcementLevel.MANDATORY
DESCRIPTION = (
    "Every Global Inbox message must pass the server's validation: the fields of the wire model, "
    "at least one group recipient and at least one portion marking, within the Inbox limits "
    "(maxRecipientsPerMessage, maxTitleLength, maxBodyLength). The server refuses an invalid "
    "message (and with it its whole batch): 422 Conjure:UnprocessableEntity or 400 "
    "Default:InvalidArgument for the fields, 400 InvalidMessageRequests without recipients or "
    "past a limit, 400 "
    "InvalidMessagePortionMarkings without markings (docs/errors.md). Fix each field named below."
)
DISPLAY_NAME = "Messages pass the server's validation"
SEVERITY = Severity.HIGH
REMEDIATION_STEPS = (
    "Run `gotham-inbox check` and fix each field it names: every message needs "
    "groupRecipients, sender.displayName, title.value and at least one "
    "security.portionMarkings entry; remove unknown fields (a typo names the field it "
    "probably meant); split a message over maxRecipientsPerMessage, shorten a title or body "
    "over maxTitleLength or maxBodyLength."
)
TAGS = ("validation", "reliability")


SERVER_DEFAULTS = LimitsEntry()
"""The emulator's default Inbox limits: the one place their values live."""


class MessageValidProperties(PolicyProperties):
    """Properties of ``inbox-message-valid``: the server's Inbox limits per message."""

    max_recipients_per_message: int = Field(
        default=SERVER_DEFAULTS.max_recipients_per_message,
        ge=1,
        description="The most group recipients the server accepts in one message (the "
        "directory's limits.max_recipients_per_message).",
    )
    max_title_length: int = Field(
        default=SERVER_DEFAULTS.max_title_length,
        ge=1,
        description="The longest title the server accepts, in characters (the directory's "
        "limits.max_title_length).",
    )
    max_body_length: int = Field(
        default=SERVER_DEFAULTS.max_body_length,
        ge=1,
        description="The longest body the server accepts, in characters (the directory's "
        "limits.max_body_length).",
    )


_REFUSED = "the server refuses it (400 InvalidMessageRequests)"


def _limit_problems(ref: MessageRef, config: MessageValidProperties) -> list[tuple[str, str]]:
    """``(field, problem)`` for each server limit the message is past (the emulator's order)."""
    problems: list[tuple[str, str]] = []
    # The server counts every entry of the list, as given (an entry unknown during preview too).
    entries = ref.data.get("groupRecipients") if isinstance(ref.data, dict) else None
    recipients = len(entries) if isinstance(entries, list) else 0
    if recipients > config.max_recipients_per_message:
        problems.append(
            (
                "groupRecipients",
                f"the message has {recipients} recipients, more than the server's "
                f"maxRecipientsPerMessage {config.max_recipients_per_message}; {_REFUSED}: "
                "split it into several messages",
            )
        )
    for field, what, text, name, limit in (
        ("title.value", "title", ref.title, "maxTitleLength", config.max_title_length),
        ("body.value", "body", ref.body, "maxBodyLength", config.max_body_length),
    ):
        if text is not None and len(text) > limit:
            problems.append(
                (
                    field,
                    f"the {what} is {len(text)} characters, more than the server's {name} "
                    f"{limit}; {_REFUSED}: shorten it",
                )
            )
    return problems


def refusal(
    ref: MessageRef, config: MessageValidProperties, context: StackContext
) -> tuple[str, str] | None:
    """The first server limit the message is past: the server refuses it (and its batch)."""
    for field, problem in _limit_problems(ref, config):
        return field, problem.split("; ", 1)[0]
    return None


def _shape_findings(resource: InboxResource) -> list[Finding]:
    name = resource.input_name
    value = resource.inputs.get(name)
    if is_unknown(value):
        return []
    kind = "InboxMessageBatch" if resource.is_batch else "InboxMessage"
    if value is None:
        return [resource_finding(resource, name, f"the {kind} has no '{name}' input; pass it")]
    if resource.is_batch and not isinstance(value, list):
        return [
            resource_finding(
                resource, name, "must be a list of message objects; wrap the message in a list"
            )
        ]
    if resource.is_batch and not value:
        return [
            resource_finding(
                resource, name, "the batch has no messages; add at least one or remove the resource"
            )
        ]
    return []


def check_resource(
    resource: InboxResource, config: MessageValidProperties, context: StackContext
) -> list[Finding]:
    """What is wrong with the resource's input as a whole (see :func:`check_message`)."""
    # A resource with messages to send has the right shape: only one without can be wrong.
    return [] if resource.message_refs() else _shape_findings(resource)


def check_message(
    resource: InboxResource, ref: MessageRef, config: MessageValidProperties, context: StackContext
) -> list[Finding]:
    """Every problem the server's validation would find in one message of the resource."""
    limits = [
        message_finding(resource, ref, field, problem)
        for field, problem in _limit_problems(ref, config)
    ]
    problems = ref.problems
    if not problems or is_unknown(ref.data):
        return limits
    # Walk the message for unknowns only when something is wrong: most messages are valid.
    unknown = unknown_paths(ref.data)
    return [
        message_finding(resource, ref, problem.field, problem.reason)
        for problem in problems
        # A value that is unknown during preview is checked when it is known.
        if not is_within(problem.field, unknown)
    ] + limits


SPEC = PolicySpec(
    name=NAME,
    description=DESCRIPTION,
    default_level=DEFAULT_LEVEL,
    properties_model=MessageValidProperties,
    check_resource=check_resource,
    check_message=check_message,
    display_name=DISPLAY_NAME,
    severity=SEVERITY,
    remediation_steps=REMEDIATION_STEPS,
    tags=TAGS,
)
"""The policy as the registry lists it: what the pack and ``check`` run."""
