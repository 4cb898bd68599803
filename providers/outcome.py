"""What happened to each message of a send, read from the client's matched answer.

The client (:meth:`gotham_inbox.client.InboxClient.deliver`) has already matched the answer to
the request, by id where the host honoured our sourceIds and by position (the documented
"request order") where it did not, and refused to guess when the answer is ambiguous. Here
each result becomes the provider's outcome:

- ``sent``: delivered by this request; its ``source_id`` is the server's id;
- ``adopted``: a ``CONFLICTING_SOURCE_ID`` failure naming the id we sent. Every id the provider
  sends belongs to the resource (derived from the stack, the resource and the content, or chosen
  by the user as that message's idempotency key), so the message exists because an earlier
  attempt at this same create got through (its answer was lost, or the deploy crashed before
  recording it): it is adopted as sent, not sent again. Only a host that honours ids can answer
  this (see docs/source-ids.md for who else could have used the id);
- ``unknown``: a message the answer does not mention (it names our ids for the others). The
  documented answer accounts for every message, so its fate is unknown: it may or may not have
  been sent, never "not sent";
- anything else (an ``UNKNOWN`` conflict) is not sent.

Unless every message is sent or adopted, the create fails with an error that lists, message by
message, what was sent, what may or may not have been, and what was not.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from gotham_inbox._delivery import CONFLICT, Delivery, MessageResult
from gotham_inbox._delivery import SENT as DELIVERED
from gotham_inbox._delivery import UNKNOWN as NOT_ACCOUNTED_FOR
from gotham_inbox.errors import GothamInboxError

SENT = "sent"
ADOPTED = "adopted"
UNKNOWN = "unknown"


class PartialSendError(GothamInboxError):
    """Some messages of a request were not sent; the text says which were and which were not."""

    def __init__(self, text: str, outcomes: Sequence[MessageOutcome]) -> None:
        self.outcomes = list(outcomes)
        super().__init__(text)


@dataclass(frozen=True)
class MessageOutcome:
    """The fate of one message: ``sent``, ``adopted``, ``unknown``, or not sent with a reason.

    ``source_id`` is the message's id in Gotham (the server's); ``requested_id`` the id the
    message declared; ``honoured`` whether the server used the id we sent (``None``: none sent).
    """

    index: int
    source_id: str | None
    status: str | None
    reason: str = ""
    requested_id: str | None = None
    honoured: bool | None = None

    @property
    def delivered(self) -> bool:
        """True if the message is in Gotham (sent now, or by an earlier attempt)."""
        return self.status in (SENT, ADOPTED)

    @property
    def idempotent(self) -> bool:
        """True if a repeat of this message would be refused instead of delivered twice."""
        return self.honoured is True


def outcome_of(result: MessageResult) -> MessageOutcome:
    """The provider's view of one matched result."""
    status: str | None = None
    reason = ""
    if result.status == DELIVERED:
        status = SENT
    elif result.status == CONFLICT and result.reason == "CONFLICTING_SOURCE_ID":
        status = ADOPTED
    elif result.status == CONFLICT:
        reason = f"not sent: the server reported an {result.reason} conflict"
    elif result.status == NOT_ACCOUNTED_FOR:
        status = UNKNOWN
        reason = "may or may not have been sent: the server's answer does not mention it"
    else:
        reason = f"not sent: the server's answer reported it as {result.status}"
    return MessageOutcome(
        result.index,
        result.server_id,
        status,
        reason,
        requested_id=result.requested_id,
        honoured=result.honoured,
    )


def require_all_delivered(what: str, delivery: Delivery) -> list[MessageOutcome]:
    """The outcomes, if every message is now in Gotham; otherwise a :class:`PartialSendError`.

    ``what`` names the messages in the error (``message`` or ``messages``), so a user reads
    ``messages[1] (sourceId ...): not sent: ...``.
    """
    outcomes = [outcome_of(result) for result in delivery.results]
    if all(outcome.delivered for outcome in outcomes):
        return outcomes

    def label(outcome: MessageOutcome) -> str:
        where = what if len(outcomes) == 1 and what == "message" else f"{what}[{outcome.index}]"
        return f"{where} (sourceId {outcome.source_id or outcome.requested_id})"

    lines = []
    for outcome in outcomes:
        if outcome.status == SENT:
            lines.append(f"  - {label(outcome)}: sent")
        elif outcome.status == ADOPTED:
            lines.append(f"  - {label(outcome)}: already in Gotham from an earlier attempt")
        else:
            lines.append(f"  - {label(outcome)}: {outcome.reason}")
    delivered = sum(outcome.delivered for outcome in outcomes)
    unknown = sum(outcome.status == UNKNOWN for outcome in outcomes)
    not_sent = len(outcomes) - delivered - unknown
    headline = []
    if unknown:
        headline.append(f"{unknown} of {len(outcomes)} message(s) may or may not have been sent")
    if not_sent:
        headline.append(f"{not_sent} of {len(outcomes)} message(s) were not sent")
    # Conflicts and unmentioned messages are only ever matched by our own ids, so the host
    # compares them; a re-run is safe only if every message sent now carries an id the host
    # used (it then comes back as a conflict and is adopted), which the answer says per message.
    resent = [outcome for outcome in outcomes if outcome.status == SENT and not outcome.idempotent]
    if resent:
        advice = (
            "\nSent messages cannot be recalled, and running the deploy again is NOT safe: the "
            "host did not use the sourceIds sent for "
            + ", ".join(label(outcome) for outcome in resent)
            + ", so a re-run would deliver them a second time. Remove them from the program "
            "(or accept a second delivery) before running the deploy again."
        )
    else:
        # Reached only when every message sent now carries an id the host used; an unknown
        # message carried its id too (the answer was matched by our ids), so a repeat of it
        # comes back as a conflict if it did arrive.
        advice = (
            "\nSent messages cannot be recalled. Running the deploy again is safe: this host "
            "honours sourceIds, so the messages already in Gotham come back as conflicts on "
            "their own sourceIds and are adopted, the others are sent."
        )
    raise PartialSendError(
        "; ".join(headline) + ":\n" + "\n".join(lines) + advice,
        outcomes,
    )
