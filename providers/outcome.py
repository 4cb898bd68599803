"""Whether every message of a send is now in Gotham, read from the client's matched answer.

The client (:meth:`gotham_inbox.client.InboxClient.deliver`) has already matched the answer to
the request, by id where the host honoured our sourceIds and by position (the documented
"request order") where it did not, and refused to guess when the answer is ambiguous. Each
:class:`~gotham_inbox._delivery.MessageResult` is then, for the provider:

- ``sent``: delivered by this request; its ``server_id`` is the server's id;
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

from gotham_inbox._delivery import CONFLICT, Delivery, MessageResult
from gotham_inbox._delivery import UNKNOWN as NOT_ACCOUNTED_FOR
from gotham_inbox.errors import GothamInboxError

SENT = "sent"
ADOPTED = "adopted"


class PartialSendError(GothamInboxError):
    """Some messages of a request were not sent; the text says which were and which were not."""

    def __init__(self, text: str, results: Sequence[MessageResult]) -> None:
        self.results = list(results)
        super().__init__(text)


def status_of(result: MessageResult) -> str:
    """A delivered message's ``status`` output: ``sent`` (by this request) or ``adopted``."""
    return ADOPTED if result.adopted else SENT


def _not_delivered(result: MessageResult) -> str:
    """Why a message is not known to be in Gotham, as the error lists it."""
    if result.status == NOT_ACCOUNTED_FOR:
        return "may or may not have been sent: the server's answer does not mention it"
    if result.status == CONFLICT:
        return f"not sent: the server reported an {result.reason} conflict"
    return f"not sent: the server's answer reported it as {result.status}"


def require_all_delivered(what: str, delivery: Delivery) -> list[MessageResult]:
    """The results, if every message is now in Gotham; otherwise a :class:`PartialSendError`.

    ``what`` names the messages in the error (``message`` or ``messages``), so a user reads
    ``messages[1] (sourceId ...): not sent: ...``.
    """
    results = list(delivery.results)
    if all(result.delivered for result in results):
        return results

    def label(result: MessageResult) -> str:
        where = what if len(results) == 1 and what == "message" else f"{what}[{result.index}]"
        return f"{where} (sourceId {result.server_id or result.requested_id})"

    lines = []
    for result in results:
        if result.delivered_now:
            lines.append(f"  - {label(result)}: sent")
        elif result.adopted:
            lines.append(f"  - {label(result)}: already in Gotham from an earlier attempt")
        else:
            lines.append(f"  - {label(result)}: {_not_delivered(result)}")
    delivered = sum(result.delivered for result in results)
    unknown = sum(result.outcome_unknown for result in results)
    not_sent = len(results) - delivered - unknown
    headline = []
    if unknown:
        headline.append(f"{unknown} of {len(results)} message(s) may or may not have been sent")
    if not_sent:
        headline.append(f"{not_sent} of {len(results)} message(s) were not sent")
    # Conflicts and unmentioned messages are only ever matched by our own ids, so the host
    # compares them; a re-run is safe only if every message sent now carries an id the host
    # used (it then comes back as a conflict and is adopted), which the answer says per message.
    resent = [result for result in results if result.delivered_now and not result.idempotent]
    if resent:
        advice = (
            "\nSent messages cannot be recalled, and running the deploy again is NOT safe: the "
            "host did not use the sourceIds sent for "
            + ", ".join(label(result) for result in resent)
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
    raise PartialSendError("; ".join(headline) + ":\n" + "\n".join(lines) + advice, results)
