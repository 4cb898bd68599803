"""What happened to each message of a send, whatever the host does with a caller's sourceId.

Palantir documents that the server assigns every message's sourceId and lists the messages it
sent "in the order in which they were sent in the request"; a caller-chosen ``sourceId`` may be
honoured, ignored or refused (docs/source-ids.md). This module matches an answer to its
request under all three, and remembers per host, for the life of the process, what the host was
seen to do with the ids:

- an answer that names one of our ids (sent, or refused as ``CONFLICTING_SOURCE_ID``) proves the
  host *honours* them: from then on a request in which every message carries its id is
  idempotent, and may be re-sent after a lost answer;
- an answer that gives other ids in place of ours proves the host *ignores* them: no request to
  it is ever idempotent;
- a validation error that names the ``sourceId`` field means the host *refuses* them.

Until an answer has proven that ids are honoured, a request is treated as not idempotent.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal, TypeAlias

from gotham_inbox.errors import GothamAPIError, OutcomeUnknownError
from gotham_inbox.models import SendMessagesResponse

SourceIdPolicy: TypeAlias = Literal["auto", "send", "omit"]
"""``send``: always send ids; ``omit``: never; ``auto``: send them, and if the host refuses the
field (nothing was sent), send the same request again without them and remember that."""
SOURCE_ID_POLICIES: tuple[SourceIdPolicy, ...] = ("auto", "send", "omit")

HostBehaviour: TypeAlias = Literal["honours", "ignores", "refuses"]

SENT = "sent"
CONFLICT = "conflict"
UNKNOWN = "unknown"


@dataclass(frozen=True)
class MessageResult:
    """The fate of one message of a request.

    ``status`` is ``sent`` (delivered by this request), ``conflict`` (not sent because the
    server has a message with that id; ``reason`` says which conflict) or ``unknown`` (the
    answer names our ids for the other messages and does not mention this one: it may or may
    not have been sent, since nothing documents that an answer leaves out only what was not
    sent; the documented answer accounts for every message, as sent or as a failure).
    ``server_id`` is the id the server gave the message (for a conflict: the id it named; for
    an unknown one: ``None``). ``requested_id`` is the id
    the message declared; ``sent_id`` the id actually put on the wire (``None`` when omitted).
    ``honoured`` is True when the server used ``sent_id``, False when it assigned its own, and
    ``None`` when no id was sent.
    """

    index: int
    status: str
    server_id: str | None
    requested_id: str | None
    sent_id: str | None
    honoured: bool | None
    reason: str | None = None

    @property
    def delivered_now(self) -> bool:
        """True if this request delivered the message."""
        return self.status == SENT

    @property
    def outcome_unknown(self) -> bool:
        """True if this message may or may not have been delivered by this request."""
        return self.status == UNKNOWN

    @property
    def adopted(self) -> bool:
        """True if refused as ``CONFLICTING_SOURCE_ID`` on the id we sent: a message with it is
        in Gotham already. The provider (and ``announce``) adopt it as sent by an earlier
        attempt, since every id they send belongs to that one message (docs/source-ids.md)."""
        return self.status == CONFLICT and self.reason == "CONFLICTING_SOURCE_ID"

    @property
    def delivered(self) -> bool:
        """True if the message is in Gotham: sent now, or adopted."""
        return self.delivered_now or self.adopted

    @property
    def idempotent(self) -> bool:
        """True if a repeat of this message would be refused instead of delivered twice."""
        return self.honoured is True


@dataclass(frozen=True)
class Delivery:
    """The answer to one send, matched to the request message by message."""

    results: tuple[MessageResult, ...]
    response: SendMessagesResponse
    idempotent: bool
    """True when every message carried an id this host is known to honour: re-sending the
    request could not have delivered any message twice."""
    ids_sent: bool
    """False when the request went out without sourceIds (``omit``, or ``auto``'s fallback)."""


@dataclass
class HostMemory:
    """What each host (a base URL) was seen to do with sourceIds, in this process."""

    _seen: dict[str, HostBehaviour] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def behaviour(self, host: str) -> HostBehaviour | None:
        """``honours``, ``ignores``, ``refuses``, or ``None`` if not seen yet."""
        with self._lock:
            return self._seen.get(host)

    def record(self, host: str, behaviour: HostBehaviour) -> None:
        """Remember what ``host`` did (the latest evidence wins)."""
        with self._lock:
            self._seen[host] = behaviour

    def forget(self, host: str | None = None) -> None:
        """Forget one host, or every host (tests)."""
        with self._lock:
            if host is None:
                self._seen.clear()
            else:
                self._seen.pop(host, None)


HOST_MEMORY = HostMemory()
"""The process-wide memory every :class:`~gotham_inbox.client.InboxClient` uses by default."""


def refuses_source_id_field(error: GothamAPIError) -> bool:
    """True if ``error`` is a validation refusal of the ``sourceId`` field (nothing was sent).

    A 400 or 422 whose parameters mention ``sourceId``, or Conjure's generic 422 for an
    unreadable body (empty parameters: a Conjure server's answer to an unknown field), since
    every other part of our requests is validated before it goes out.
    """
    if error.status_code not in (400, 422):
        return False
    if "sourceId" in json.dumps(error.parameters, default=str):
        return True
    return error.status_code == 422 and not error.parameters


def _unknown(text: str, count: int) -> OutcomeUnknownError:
    return OutcomeUnknownError(
        f"the server accepted the request but its answer cannot be matched to the {count} "
        f"message(s) sent: {text}. Some or all of them may have been delivered, and a retry "
        "could deliver them again, so nothing is retried. Check the recipients' inboxes (or ask "
        "the Gotham administrators) for these messages before sending them again."
    )


def match_answer(
    requested_ids: Sequence[str | None],
    sent_ids: Sequence[str | None],
    response: SendMessagesResponse,
) -> tuple[MessageResult, ...]:
    """Match ``response`` to the request, or :class:`OutcomeUnknownError` if it is ambiguous.

    Failures are matched by id (only our own ids can be matched; a failure naming another id
    cannot be placed). Sent messages are matched by id when every one of them carries one of
    ours; otherwise by position: the documented order is request order, so the i-th response
    belongs to the i-th message that did not fail. A response naming another message's id, a
    count that does not add up or a repeated id make the answer ambiguous. Matched by id, a
    message the answer does not mention is ``unknown``.
    """
    count = len(sent_ids)
    ours = {str(sent).lower(): index for index, sent in enumerate(sent_ids) if sent}
    failed: dict[int, tuple[str, str]] = {}
    for failure in response.failures:
        failure_id = str(failure.source_id)
        index = ours.get(failure_id)
        if index is None or index in failed:
            raise _unknown(
                f"it reports a {failure.reason} failure for sourceId {failure_id}, which is not "
                "one this request sent (or is reported twice)",
                count,
            )
        failed[index] = (failure_id, failure.reason)
    answered = [str(item.source_id) for item in response.responses]
    if len(set(answered)) != len(answered):
        raise _unknown("it names the same sourceId for two sent messages", count)
    remaining = [index for index in range(count) if index not in failed]
    by_id = bool(answered) and all(
        answer in ours and ours[answer] in remaining for answer in answered
    )
    if len(answered) > len(remaining) or (len(answered) < len(remaining) and not by_id):
        raise _unknown(
            f"it lists {len(answered)} sent and {len(failed)} failed message(s) for "
            f"{count} in the request",
            count,
        )
    placed = (
        [(ours[answer], answer) for answer in answered]
        if by_id
        else list(zip(remaining, answered, strict=True))
    )
    results: dict[int, MessageResult] = {}
    for index, server_id in placed:
        sent = str(sent_ids[index]).lower() if sent_ids[index] else None
        if not by_id and server_id in ours and ours[server_id] != index:
            raise _unknown(
                f"the answer in position {len(results)} names the sourceId of message "
                f"{ours[server_id]}, so the order of the answer is not the request's",
                count,
            )
        results[index] = MessageResult(
            index,
            SENT,
            server_id,
            requested_ids[index],
            sent,
            None if sent is None else server_id == sent,
        )
    for index, (server_id, reason) in failed.items():
        # Naming our id in a CONFLICTING_SOURCE_ID failure proves the id was compared.
        honoured = True if reason == "CONFLICTING_SOURCE_ID" else None
        results[index] = MessageResult(
            index, CONFLICT, server_id, requested_ids[index], server_id, honoured, reason
        )
    for index in range(count):
        # Only when every response named one of our ids. The answer does not account for this
        # message, so whether it went out is unknown: never "not sent" (send() says the same).
        if index not in results:
            sent = str(sent_ids[index]).lower() if sent_ids[index] else None
            results[index] = MessageResult(index, UNKNOWN, None, requested_ids[index], sent, None)
    return tuple(results[index] for index in range(count))


def behaviour_shown(results: Sequence[MessageResult]) -> HostBehaviour | None:
    """What the results prove about the host: ``honours``, ``ignores``, or nothing."""
    seen = {result.honoured for result in results if result.honoured is not None}
    if False in seen:
        return "ignores"
    if True in seen:
        return "honours"
    return None
