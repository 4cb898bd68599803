"""``inbox-batch-atomicity``: a batch is sent whole, or not at all.

The server refuses a whole request when it would refuse any of its messages, but sends the
valid messages of a request whose source ids collide and reports the rest as
``CONFLICTING_SOURCE_ID``: a partial send. So a batch is all-or-nothing only if the server would
accept every message and no two messages can conflict, in the batch or across the stack.

Whether the server would refuse a message is asked of the policies that know: the server's
validation (always), and each *enabled* policy among ``inbox-message-valid`` (past one of the
server's Inbox limits), ``inbox-realm-requirements`` (an unknown group, a wrong realm) and
``inbox-markings`` (a marking not allowed, or beyond the caller's clearance), each with its own
config (``StackContext.policies``). A disabled policy's knowledge is not used.
``inbox-content``'s size limits are the team's house style, stricter than the server's: the
server takes a message over them, so they do not make a batch refused.

A batch of more than ``maxMessagesPerRequest`` messages (the server's limit, sent as one
request) is refused whole; ``maxBatchSize`` is the team's own, smaller, limit.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from pydantic import Field

from gotham_inbox.policy import markings, message_valid, realm_requirements
from gotham_inbox.policy.inbox_resource import InboxResource, MessageRef, StackContext
from gotham_inbox.policy.properties import PolicyProperties
from gotham_inbox.policy.spec import PolicySpec, Severity
from gotham_inbox.policy.violation import (
    EnforcementLevel,
    Finding,
    message_finding,
    resource_finding,
)
from gotham_inbox.source_ids import SourceIdUses
from gotham_inbox.unknowns import is_unknown, is_within, unknown_paths

NAME = "inbox-batch-atomicity"
DEFAULT_LEVEL = EnforcementLevel.MANDATORY
DESCRIPTION = (
    "A batch must be all-or-nothing: one invalid message makes the server refuse the whole "
    "batch, and messages sharing a sourceId are half-sent (the first is sent, the others fail "
    "as CONFLICTING_SOURCE_ID). Fix the invalid messages, give every message its own sourceId, "
    "and split batches larger than maxBatchSize (the server refuses more than "
    "maxMessagesPerRequest whole)."
)
DISPLAY_NAME = "Batches are all-or-nothing"
SEVERITY = Severity.HIGH
REMEDIATION_STEPS = (
    "Fix the message the finding names (see the other findings on it), or move it to an "
    "InboxMessage of its own; give every message its own sourceId; split a batch larger than "
    "maxBatchSize into several InboxMessageBatch resources."
)
TAGS = ("reliability", "batch")


class BatchAtomicityProperties(PolicyProperties):
    """Properties of ``inbox-batch-atomicity``."""

    max_batch_size: int = Field(
        default=100,
        ge=1,
        description="The largest number of messages one InboxMessageBatch may send (the "
        "team's limit).",
    )
    max_messages_per_request: int = Field(
        default=message_valid.SERVER_DEFAULTS.max_messages_per_request,
        ge=1,
        description="The most messages the server accepts in one send request (the "
        "directory's limits.max_messages_per_request); a batch is sent as one request.",
    )


Refusal = Callable[[MessageRef, Any, StackContext], "tuple[str, str] | None"]

REFUSAL_SOURCES: tuple[tuple[str, Refusal], ...] = (
    (message_valid.NAME, message_valid.refusal),
    (realm_requirements.NAME, realm_requirements.refusal),
    (markings.NAME, markings.refusal),
)
"""The policies that can tell that the server would refuse a message, in the order asked."""

_VALIDATION = "inbox-message-valid"


def _invalid(ref: MessageRef) -> tuple[str, str] | None:
    problems = ref.problems
    if not problems or is_unknown(ref.data):
        return None
    unknown = unknown_paths(ref.data)
    for problem in problems:
        if not is_within(problem.field, unknown):
            return problem.field, problem.reason
    return None


def refusal_checks(context: StackContext) -> list[tuple[str, Refusal, Any]]:
    """The refusal checks of the enabled policies, each with its policy's config."""
    return [
        (policy, refusal, context.policies[policy])
        for policy, refusal in REFUSAL_SOURCES
        if policy in context.policies
    ]


def first_refusal(
    ref: MessageRef,
    context: StackContext,
    checks: list[tuple[str, Refusal, Any]] | None = None,
) -> tuple[str, str, str] | None:
    """``(policy, field, reason)`` of the first reason the server would refuse the message.

    ``checks`` defaults to :func:`refusal_checks` of ``context`` (give it to reuse it).
    """
    invalid = _invalid(ref)
    if invalid is not None:
        return _VALIDATION, *invalid
    for policy, refusal, config in refusal_checks(context) if checks is None else checks:
        found = refusal(ref, config, context)
        if found is not None:
            return policy, *found
    return None


def check_resource(
    resource: InboxResource, config: BatchAtomicityProperties, context: StackContext
) -> list[Finding]:
    """Invalid messages, duplicate source ids and oversize in one batch."""
    if not resource.is_batch:
        return []
    refs = resource.message_refs()
    total = len(refs)
    findings = []
    if total > config.max_messages_per_request:
        findings.append(
            resource_finding(
                resource,
                "messages",
                f"the batch has {total} messages, more than the server's maxMessagesPerRequest "
                f"{config.max_messages_per_request}, so the server refuses the whole request and "
                "sends none of them; split it into several InboxMessageBatch resources",
            )
        )
    elif total > config.max_batch_size:
        findings.append(
            resource_finding(
                resource,
                "messages",
                f"the batch has {total} messages, more than maxBatchSize "
                f"{config.max_batch_size}; split it into several InboxMessageBatch resources",
            )
        )
    uses = SourceIdUses()
    checks = refusal_checks(context)
    for ref in refs:
        refused = first_refusal(ref, context, checks)
        if refused is not None:
            policy, field, reason = refused
            verdict = "is invalid" if policy == _VALIDATION else "would be refused"
            findings.append(
                message_finding(
                    resource,
                    ref,
                    field,
                    f"message {ref.index} {verdict} ({reason}), so the server refuses the whole "
                    f"batch and sends none of its {total} messages; fix message {ref.index} "
                    f"(see {policy}) or move it to a resource of its own",
                )
            )
        key = ref.source_id
        if key is None or ref.index is None:
            continue
        first = uses.earlier_use(key, ref.index)
        if first is not None:
            findings.append(
                message_finding(
                    resource,
                    ref,
                    "sourceId",
                    f"sourceId {key} is also used by messages[{first}] of this batch; "
                    "the server sends one and refuses the other as CONFLICTING_SOURCE_ID, so the "
                    "batch is half-sent; give every message its own sourceId",
                )
            )
    return findings


def check_stack(
    resources: Sequence[InboxResource], config: BatchAtomicityProperties, context: StackContext
) -> list[Finding]:
    """The same sourceId used by messages of two different resources."""
    # The first use of each sourceId, and every use of those that more than one resource uses:
    # nearly every sourceId is used once, so only a shared one gets a list. A resource counts
    # once per sourceId (duplicates inside one batch are reported per resource); its messages
    # come one after another, so its own earlier use is always the latest one recorded.
    first_use: dict[str, tuple[InboxResource, MessageRef]] = {}
    shared: dict[str, list[tuple[InboxResource, MessageRef]]] = {}
    for resource in resources:
        for ref in resource.message_refs():
            key = ref.source_id
            if key is None:
                continue
            uses = shared.get(key)
            if uses is not None:
                if uses[-1][0] is not resource:
                    uses.append((resource, ref))
            elif key not in first_use:
                first_use[key] = (resource, ref)
            elif first_use[key][0] is not resource:
                shared[key] = [first_use[key], (resource, ref)]
    findings = []
    for key in first_use:  # in the order of first use, as the findings have always come
        uses = shared.get(key)
        if uses is None:
            continue
        for resource, ref in uses:
            others = ", ".join(
                f"{other.name} ({other_ref.path('sourceId')})"
                for other, other_ref in uses
                if other is not resource
            )
            findings.append(
                message_finding(
                    resource,
                    ref,
                    "sourceId",
                    f"sourceId {key} is also used by {others}; only the first one sent is "
                    "delivered, the others fail as CONFLICTING_SOURCE_ID; give each message its "
                    "own sourceId",
                )
            )
    return findings


SPEC = PolicySpec(
    name=NAME,
    description=DESCRIPTION,
    default_level=DEFAULT_LEVEL,
    properties_model=BatchAtomicityProperties,
    check_resource=check_resource,
    check_stack=check_stack,
    display_name=DISPLAY_NAME,
    severity=SEVERITY,
    remediation_steps=REMEDIATION_STEPS,
    tags=TAGS,
)
"""The policy as the registry lists it: what the pack and ``check`` run."""
