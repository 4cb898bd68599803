"""``inbox-message-valid``: every message would pass the server's validation.

The same models and problem wording as the client, the provider and the emulator
(:func:`gotham_inbox.validation.check_message`), plus the resource's shape: an
``InboxMessage`` needs its ``message``, an ``InboxMessageBatch`` a non-empty ``messages`` list.
"""

from __future__ import annotations

from gotham_inbox.policy.levels import EnforcementLevel
from gotham_inbox.policy.resources import InboxResource, MessageRef, StackContext
from gotham_inbox.policy.settings import PolicyConfig
from gotham_inbox.policy.unknowns import is_unknown, is_within, unknown_paths
from gotham_inbox.policy.violation import Finding, message_finding, resource_finding

NAME = "inbox-message-valid"
DEFAULT_LEVEL = EnforcementLevel.MANDATORY
DESCRIPTION = (
    "Every Global Inbox message must pass the server's validation: the fields of the wire model, "
    "at least one group recipient and at least one portion marking. The server refuses an invalid "
    "message (and with it its whole batch): 422 Conjure:UnprocessableEntity or 400 "
    "Default:InvalidArgument for the fields, 400 InvalidMessageRequests without recipients, 400 "
    "InvalidMessagePortionMarkings without markings (docs/errors.md). Fix each field named below."
)
DISPLAY_NAME = "Messages pass the server's validation"
SEVERITY = "high"
REMEDIATION_STEPS = (
    "Run `gotham-inbox check` and fix each field it names: every message needs "
    "groupRecipients, sender.displayName, title.value and at least one "
    "security.portionMarkings entry; remove unknown fields (a typo names the field it "
    "probably meant)."
)
TAGS = ("validation", "reliability")


class MessageValidConfig(PolicyConfig):
    """``inbox-message-valid`` has no properties; only its enforcement level can be set."""


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
    resource: InboxResource, config: MessageValidConfig, context: StackContext
) -> list[Finding]:
    """What is wrong with the resource's input as a whole (see :func:`check_message`)."""
    # A resource with messages to send has the right shape: only one without can be wrong.
    return [] if resource.message_refs() else _shape_findings(resource)


def check_message(
    resource: InboxResource, ref: MessageRef, config: MessageValidConfig, context: StackContext
) -> list[Finding]:
    """Every problem the server's validation would find in one message of the resource."""
    problems = ref.problems
    if not problems or is_unknown(ref.data):
        return []
    # Walk the message for unknowns only when something is wrong: most messages are valid.
    unknown = unknown_paths(ref.data)
    return [
        message_finding(resource, ref, problem.field, problem.reason)
        for problem in problems
        # A value that is unknown during preview is checked when it is known.
        if not is_within(problem.field, unknown)
    ]
