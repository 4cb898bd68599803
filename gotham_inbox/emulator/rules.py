"""Reviewing a batch against the models and the directory, before anything is stored.

Model problems (shape, types, empty recipients or markings) come from
:func:`gotham_inbox.validation.check_messages`, so users read the same wording as in the client
and the policies. On top of those the directory decides: markings must exist, recipient groups
must exist in their resolved realm (explicit, else the caller's), and the caller must be cleared
for every marking it applies.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from gotham_inbox.emulator.directory import Directory, User
from gotham_inbox.emulator.store import NewMessage, Recipient
from gotham_inbox.models import SendMessageRequest
from gotham_inbox.validation import Problem, check_messages


@dataclass
class BatchReview:
    """The verdict on a batch: messages to store, or the problems that stop all of them."""

    accepted: list[NewMessage] = field(default_factory=list)
    invalid: list[Problem] = field(default_factory=list)
    """Problems that make the request a 400 (malformed, unknown marking or group)."""
    forbidden: list[Problem] = field(default_factory=list)
    """Markings outside the caller's clearance (a 403 when nothing else is wrong)."""


def resolve_recipients(message: SendMessageRequest, caller: User) -> tuple[Recipient, ...]:
    """Each group recipient with its realm: the explicit one, else the caller's.

    An empty realm is an explicit realm (one that has no groups), not an omitted one: the
    default applies only when no realm is given, as the API documents.
    """
    return tuple(
        Recipient(recipient.name, caller.realm if recipient.realm is None else recipient.realm)
        for recipient in message.group_recipients
    )


def _recipient_problems(
    index: int, recipients: Sequence[Recipient], explicit: Sequence[bool], directory: Directory
) -> list[Problem]:
    problems = []
    for position, (recipient, has_realm) in enumerate(zip(recipients, explicit, strict=True)):
        if directory.group(recipient.name, recipient.realm) is not None:
            continue
        which = "its realm" if has_realm else "the caller's realm, as no realm is given"
        reason = f"no group '{recipient.name}' in realm '{recipient.realm}' ({which})"
        elsewhere = directory.realms_with_group(recipient.name)
        if elsewhere:
            reason += f"; the group exists in realm '{elsewhere[0]}': set \"realm\" to it"
        else:
            reason += "; check the group name"
        problems.append(Problem(index, f"groupRecipients[{position}]", reason))
    return problems


def _marking_problems(
    index: int, message: SendMessageRequest, caller: User, directory: Directory
) -> tuple[list[Problem], list[Problem]]:
    invalid, forbidden = [], []
    for position, marking in enumerate(message.security.portion_markings):
        where = f"security.portionMarkings[{position}]"
        if marking not in directory.markings:
            invalid.append(
                Problem(
                    index,
                    where,
                    f"unknown marking '{marking}'; use one of {', '.join(directory.markings)}",
                )
            )
        elif not caller.may_apply(marking):
            cleared = ", ".join(sorted(caller.clearance or ())) or "none"
            forbidden.append(
                Problem(
                    index,
                    where,
                    f"caller '{caller.name}' is not cleared for marking '{marking}' "
                    f"(cleared for: {cleared}); remove the marking or send as a cleared user",
                )
            )
    return invalid, forbidden


def review_batch(
    messages: Sequence[Any],
    caller: User,
    directory: Directory,
    *,
    honour_source_ids: bool = True,
) -> BatchReview:
    """Check every message of a batch; :attr:`BatchReview.accepted` is filled only if all pass.

    With ``honour_source_ids`` a message's own ``sourceId`` becomes its id; without it the
    field is dropped from what is stored and every message gets a new server-assigned id.
    """
    parsed, model_problems = check_messages(messages)
    review = BatchReview(invalid=list(model_problems))
    candidates: list[NewMessage] = []
    for index, message in enumerate(parsed):
        if message is None:
            continue
        recipients = resolve_recipients(message, caller)
        explicit = [recipient.realm is not None for recipient in message.group_recipients]
        review.invalid += _recipient_problems(index, recipients, explicit, directory)
        invalid, forbidden = _marking_problems(index, message, caller, directory)
        review.invalid += invalid
        review.forbidden += forbidden
        stored = dict(messages[index])
        if honour_source_ids and message.source_id:
            source_id = str(message.source_id)
        else:
            source_id = str(uuid.uuid4())
            stored.pop("sourceId", None)
        candidates.append(NewMessage(source_id, stored, caller.name, recipients))
    review.invalid.sort(key=lambda problem: -1 if problem.index is None else problem.index)
    if not review.invalid and not review.forbidden:
        review.accepted = candidates
    return review
