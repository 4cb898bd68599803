"""Reviewing a batch against the models and the directory, before anything is stored.

Model problems (shape, types, empty recipients or markings) are worded by
:mod:`gotham_inbox.validation`, so users read the same wording as in the client and the
policies. On top of those the directory decides: Inbox limits, recipient groups must exist in
their resolved realm (explicit, else the caller's), markings must exist and the caller must be
cleared for each. :func:`refusal` turns the problems into Gotham's error for them
(``docs/errors.md``).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from gotham_inbox.directory import Directory, LimitsEntry, User
from gotham_inbox.emulator.catalogue import (
    INVALID_ARGUMENT,
    INVALID_MESSAGE_REQUESTS,
    INVALID_PORTION_MARKINGS,
    UNKNOWN_RECIPIENTS,
    UNPROCESSABLE_ENTITY,
)
from gotham_inbox.emulator.envelope import MAX_LISTED_PROBLEMS, EmulatorError, spec_error
from gotham_inbox.emulator.store import NewMessage, ResolvedRecipient
from gotham_inbox.models import SendMessageRequest, parse_message, parse_request
from gotham_inbox.realms import resolved_realm
from gotham_inbox.validation import Problem, advice_for, format_location, semantic_problems

MAX_SUMMARY = 10
"""``inboxErrorMessage`` names at most this many limit problems (all are in ``problems``)."""


@dataclass
class BatchReview:
    """The verdict on a batch: messages to store, or the problems that stop all of them.

    Problems are kept by the error they lead to (see :func:`refusal` for which one wins).
    """

    accepted: list[NewMessage] = field(default_factory=list)
    unreadable: list[Problem] = field(default_factory=list)
    """Wrong types, unknown fields, bad enums or UUIDs: ``Conjure:UnprocessableEntity``."""
    missing: list[Problem] = field(default_factory=list)
    """Required fields left out: ``Default:InvalidArgument``."""
    over_limits: list[Problem] = field(default_factory=list)
    """Inbox limits and empty recipient lists: ``InvalidMessageRequests``."""
    unknown_recipients: list[tuple[Problem, dict[str, str]]] = field(default_factory=list)
    """Each with the offending recipient (wire form): ``UnknownRecipients``."""
    bad_markings: list[tuple[Problem, str | None]] = field(default_factory=list)
    """Each with the offending marking (``None``: the list is empty):
    ``InvalidMessagePortionMarkings``."""
    truncated: bool = False
    """The review stopped after :data:`MAX_LISTED_PROBLEMS` problems."""

    @property
    def problems(self) -> list[Problem]:
        """Every problem found, by message index."""
        found = [
            *self.unreadable,
            *self.missing,
            *self.over_limits,
            *(problem for problem, _ in self.unknown_recipients),
            *(problem for problem, _ in self.bad_markings),
        ]
        return sorted(found, key=lambda problem: -1 if problem.index is None else problem.index)

    @property
    def count(self) -> int:
        """How many problems were found."""
        return (
            len(self.unreadable)
            + len(self.missing)
            + len(self.over_limits)
            + len(self.unknown_recipients)
            + len(self.bad_markings)
        )


def resolve_recipients(message: SendMessageRequest, caller: User) -> tuple[ResolvedRecipient, ...]:
    """Each group recipient with its realm: the explicit one, else the caller's."""
    return tuple(
        ResolvedRecipient(recipient.name, resolved_realm(recipient.realm, caller.realm))
        for recipient in message.group_recipients
    )


def _recipient_problems(
    index: int, message: SendMessageRequest, caller: User, directory: Directory
) -> list[tuple[Problem, dict[str, str]]]:
    recipients = resolve_recipients(message, caller)
    explicit = [recipient.realm is not None for recipient in message.group_recipients]
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
        offending = message.group_recipients[position].model_dump(by_alias=True, exclude_none=True)
        problems.append((Problem(index, f"groupRecipients[{position}]", reason), offending))
    return problems


def _marking_problems(
    index: int, message: SendMessageRequest, caller: User, directory: Directory
) -> list[tuple[Problem, str]]:
    problems = []
    for position, marking in enumerate(message.security.portion_markings):
        where = f"security.portionMarkings[{position}]"
        if marking not in directory.markings:
            reason = f"unknown marking '{marking}'; use one of {', '.join(directory.markings)}"
        elif not caller.may_apply(marking):
            cleared = ", ".join(sorted(caller.clearance or ())) or "none"
            reason = (
                f"caller '{caller.name}' is not cleared for marking '{marking}' "
                f"(cleared for: {cleared}); remove the marking or send as a cleared user"
            )
        else:
            continue
        problems.append((Problem(index, where, reason), marking))
    return problems


def _limit_problems(index: int, message: SendMessageRequest, limits: LimitsEntry) -> list[Problem]:
    problems = []
    recipients = len(message.group_recipients)
    if recipients > limits.max_recipients_per_message:
        problems.append(
            Problem(
                index,
                "groupRecipients",
                f"{recipients} recipients; Inbox allows at most "
                f"{limits.max_recipients_per_message} per message: split the message",
            )
        )
    texts = [("title.value", message.title.value, limits.max_title_length)]
    if message.body is not None:
        texts.append(("body.value", message.body.value, limits.max_body_length))
    for where, text, limit in texts:
        if len(text) > limit:
            problems.append(
                Problem(
                    index,
                    where,
                    f"{len(text)} characters; Inbox allows at most {limit}: shorten it",
                )
            )
    return problems


def _model_problems(index: int, data: Any, review: BatchReview) -> SendMessageRequest | None:
    """Parse one message, filing its model problems by kind; the model if it is valid."""
    try:
        message = parse_message(data)
    except ValidationError as error:
        for item in error.errors(include_url=False):
            problem = Problem(index, format_location(item["loc"]), advice_for(item))
            (review.missing if item["type"] == "missing" else review.unreadable).append(problem)
        return None
    _file_empty_lists(index, message, review)
    return message


def _file_empty_lists(index: int, message: SendMessageRequest, review: BatchReview) -> None:
    """No recipients is an Inbox validation failure; no markings, invalid markings (assumed)."""
    for problem in semantic_problems(message, index):
        if problem.field == "groupRecipients":
            review.over_limits.append(problem)
        else:
            review.bad_markings.append((problem, None))


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

    The work is bounded: a batch over the directory's ``max_messages_per_request`` is refused
    before any message is looked at, and the review stops after :data:`MAX_LISTED_PROBLEMS`
    problems (:attr:`BatchReview.truncated`).
    """
    review = BatchReview()
    limit = directory.limits.max_messages_per_request
    if len(messages) > limit:
        review.over_limits.append(
            Problem(
                None,
                "",
                f"{len(messages)} messages in one request; Inbox allows at most {limit}: "
                "send them in several requests",
            )
        )
        return review
    parsed = _parse_fast(messages)
    candidates: list[NewMessage] = []
    for index, data in enumerate(messages):
        if review.count >= MAX_LISTED_PROBLEMS:
            review.truncated = True
            break
        message = parsed[index]
        if message is None:
            message = _model_problems(index, data, review)
        else:
            _file_empty_lists(index, message, review)
        if message is None:
            continue
        review.over_limits += _limit_problems(index, message, directory.limits)
        review.unknown_recipients += _recipient_problems(index, message, caller, directory)
        review.bad_markings += _marking_problems(index, message, caller, directory)
        stored = dict(data)
        if honour_source_ids and message.source_id:
            source_id = str(message.source_id)
        else:
            source_id = str(uuid.uuid4())
            stored.pop("sourceId", None)
        candidates.append(
            NewMessage(source_id, stored, caller.name, resolve_recipients(message, caller))
        )
    if review.count == 0:
        review.accepted = candidates
    return review


FAST_CHUNK = 1000
"""Messages validated per pydantic-core pass. A chunk that fails is left to the message-by-message
review, which stops at :data:`MAX_LISTED_PROBLEMS`: so the errors pydantic builds are bounded by
one chunk, however large a hostile batch."""


def _parse_fast(messages: Sequence[Any]) -> list[SendMessageRequest | None]:
    """The models of a valid batch in few pydantic-core passes (the common case); ``None`` for
    each message from the first chunk that fails on, to be reviewed one by one."""
    parsed: list[SendMessageRequest | None] = []
    for start in range(0, len(messages), FAST_CHUNK):
        chunk = list(messages[start : start + FAST_CHUNK])
        try:
            parsed.extend(parse_request({"messages": chunk}).messages)
        except ValidationError:
            break
    return parsed + [None] * (len(messages) - len(parsed))


def refusal(review: BatchReview) -> EmulatorError:
    """The one error a refused batch gets, with every problem found in ``problems``.

    Which name wins when a batch has problems of several kinds is not documented (assumed):
    reading the body comes first (422, then a missing field's 400), then Inbox's own checks:
    limits, recipients, markings.
    """
    problems = review.problems
    truncated = review.truncated
    if review.unreadable:
        return spec_error(UNPROCESSABLE_ENTITY, problems, truncated=truncated)
    if review.missing:
        return spec_error(INVALID_ARGUMENT, problems, truncated=truncated)
    if review.over_limits:
        summary = "; ".join(str(problem) for problem in review.over_limits[:MAX_SUMMARY])
        return spec_error(
            INVALID_MESSAGE_REQUESTS, problems, {"inboxErrorMessage": summary}, truncated=truncated
        )
    if review.unknown_recipients:
        recipients = [recipient for _, recipient in review.unknown_recipients]
        return spec_error(
            UNKNOWN_RECIPIENTS, problems, {"groupRecipients": recipients}, truncated=truncated
        )
    markings = list(
        dict.fromkeys(marking for _, marking in review.bad_markings if marking is not None)
    )
    return spec_error(
        INVALID_PORTION_MARKINGS, problems, {"portionMarkings": markings}, truncated=truncated
    )
