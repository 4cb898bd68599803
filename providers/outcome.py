"""What happened to each message of a send, read from the server's answer.

Every message the provider sends carries a sourceId that belongs to the resource: derived from
the stack, the resource and the content, or chosen by the user as that message's idempotency
key. So a ``CONFLICTING_SOURCE_ID`` failure for one of those ids means the message already
exists because an earlier attempt at this same create got through (its answer was lost, or
the deploy crashed before recording it): the message is *adopted* as sent, not sent again.

Everything else that leaves a message unsent is an error that lists, message by message, what
was sent and what was not: an ``UNKNOWN`` conflict, an answer that names a sourceId this
request did not carry (not ours), or an answer that does not mention a message at all.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from gotham_inbox.errors import GothamInboxError
from gotham_inbox.models import SendMessagesResponse

SENT = "sent"
ADOPTED = "adopted"


class PartialSendError(GothamInboxError):
    """Some messages of a request were not sent; the text says which were and which were not."""

    def __init__(self, text: str, outcomes: Sequence[MessageOutcome]) -> None:
        self.outcomes = list(outcomes)
        super().__init__(text)


@dataclass(frozen=True)
class MessageOutcome:
    """The fate of one message: ``sent``, ``adopted``, or not sent with a reason."""

    index: int
    source_id: str
    status: str | None
    reason: str = ""

    @property
    def delivered(self) -> bool:
        """True if the message is in Gotham (sent now, or by an earlier attempt)."""
        return self.status in (SENT, ADOPTED)


def outcomes_of(source_ids: Sequence[str], response: SendMessagesResponse) -> list[MessageOutcome]:
    """Match the answer to the request, message by message (ids compared as UUIDs)."""
    sent = {str(item.source_id) for item in response.responses}
    failures = {str(item.source_id): item.reason for item in response.failures}
    outcomes = []
    for index, source_id in enumerate(source_ids):
        key = source_id.lower()
        if key in sent:
            outcomes.append(MessageOutcome(index, key, SENT))
        elif failures.get(key) == "CONFLICTING_SOURCE_ID":
            outcomes.append(MessageOutcome(index, key, ADOPTED))
        elif key in failures:
            outcomes.append(
                MessageOutcome(
                    index,
                    key,
                    None,
                    f"not sent: the server reported an {failures[key]} conflict",
                )
            )
        else:
            outcomes.append(
                MessageOutcome(
                    index, key, None, "not sent: the server's answer does not mention it"
                )
            )
    return outcomes


def foreign_ids(source_ids: Sequence[str], response: SendMessagesResponse) -> list[str]:
    """sourceIds in the answer that this request did not carry: they are not ours."""
    ours = {source_id.lower() for source_id in source_ids}
    named = [str(item.source_id) for item in response.responses]
    named += [str(item.source_id) for item in response.failures]
    return sorted({source_id for source_id in named if source_id not in ours})


def require_all_delivered(
    what: str, source_ids: Sequence[str], response: SendMessagesResponse
) -> list[MessageOutcome]:
    """The outcomes, if every message is now in Gotham; otherwise a :class:`PartialSendError`.

    ``what`` names the messages in the error (``message`` or ``messages``), so a user reads
    ``messages[1] (sourceId ...): not sent: ...``.
    """
    outcomes = outcomes_of(source_ids, response)
    strangers = foreign_ids(source_ids, response)
    if all(outcome.delivered for outcome in outcomes) and not strangers:
        return outcomes

    def label(outcome: MessageOutcome) -> str:
        where = what if len(source_ids) == 1 and what == "message" else f"{what}[{outcome.index}]"
        return f"{where} (sourceId {outcome.source_id})"

    lines = []
    for outcome in outcomes:
        if outcome.status == SENT:
            lines.append(f"  - {label(outcome)}: sent")
        elif outcome.status == ADOPTED:
            lines.append(f"  - {label(outcome)}: already in Gotham from an earlier attempt")
        else:
            lines.append(f"  - {label(outcome)}: {outcome.reason}")
    for stranger in strangers:
        lines.append(
            f"  - the server answered about sourceId {stranger}, which is not one this request "
            "sent; it is not ours"
        )
    delivered = sum(outcome.delivered for outcome in outcomes)
    raise PartialSendError(
        f"{len(outcomes) - delivered} of {len(outcomes)} message(s) were not sent:\n"
        + "\n".join(lines)
        + "\nSent messages cannot be recalled. Running the deploy again is safe: the messages "
        "already in Gotham come back as conflicts on their own sourceIds and are adopted, "
        "the others are sent.",
        outcomes,
    )
