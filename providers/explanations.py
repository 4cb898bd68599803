"""What a failed create tells the user: the reason and what to do first, the details after.

Pulumi's dynamic-provider host prints every exception with its traceback, the provider's text
last; the engine shows that block once per failed resource. So the text's first line carries
everything needed to act ("<reason>. Nothing was sent. <what to do>"), the error as the client
raised it follows on the next line for reference, and longer advice comes last. Whether anything
was sent is said exactly once: the clause the client's own text carries is dropped from the
detail line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from gotham_inbox._delivery import refuses_source_id_field
from gotham_inbox.errors import (
    ApiNotAvailableError,
    ConfigurationError,
    GothamAPIError,
    GothamInboxError,
    InvalidMessagesError,
    PermissionDeniedError,
    RateLimitedError,
    RequestNotSentError,
    RequestTooLargeError,
    TokenEndpointError,
    UnauthorizedError,
)

NOTHING_SENT = "Nothing was sent."
_SAID_NOTHING_SENT = re.compile(r";\s*(?:nothing|no message) was sent(?=[;:]|$)", re.MULTILINE)

REFUSES_SOURCE_IDS_ADVICE = (
    "This host refuses the sourceId field, and gotham:sourceIds is 'send', which never falls "
    "back. Set it to 'auto' or 'omit' (`pulumi config set gotham:sourceIds auto`): messages are "
    "then sent without ids, and a lost answer can no longer be recovered without risk of a "
    "second delivery (docs/source-ids.md)."
)


@dataclass(frozen=True)
class Advice:
    """What to tell about an outcome that is unknown: the line to act on, then the rest."""

    first: str
    rest: str = ""


def nothing_was_sent(error: GothamInboxError) -> bool:
    """Whether ``error`` proves that no message reached Gotham.

    4xx answers mean the server processed nothing; a 5xx (503 included: a proxy may answer it
    after the service processed the request) or a 3xx (a 303 is how a web server answers a
    POST it processed) leaves the outcome unknown.
    """
    refused = isinstance(error, GothamAPIError) and 400 <= error.status_code < 500
    return refused or isinstance(
        error,
        InvalidMessagesError | ConfigurationError | RequestNotSentError | TokenEndpointError,
    )


def _detail(error: GothamInboxError) -> str:
    return f"{type(error).__name__}: {_SAID_NOTHING_SENT.sub('', str(error))}"


def _status(error: GothamAPIError) -> str:
    # The error's name only when it came in Gotham's error envelope: the client names a body
    # that is not one (an empty 429, a proxy's HTML page) itself, which says nothing here.
    if error.error_code == "UNKNOWN":
        return f"HTTP {error.status_code}"
    return f"HTTP {error.status_code} {error.error_name}"


def _refusal(error: GothamAPIError, *, source_ids: str) -> tuple[str, str]:
    status = _status(error)
    if refuses_source_id_field(error) and source_ids == "send":
        return f"Gotham refused the sourceId field ({status})", REFUSES_SOURCE_IDS_ADVICE
    if isinstance(error, UnauthorizedError):
        return (
            f"Gotham refused the credentials ({status})",
            "Set a valid gotham:token (or gotham:clientId and gotham:clientSecret) and run the "
            "deploy again.",
        )
    if isinstance(error, PermissionDeniedError):
        return (
            f"the caller may not send inbox messages ({status})",
            "Ask the Gotham administrators to make it an inbox alert producer, then run the "
            "deploy again.",
        )
    if isinstance(error, ApiNotAvailableError):
        return (
            f"the Inbox API is not available on this host ({status})",
            "Check gotham:hostname.",
        )
    if isinstance(error, RequestTooLargeError):
        return (
            f"the request is over Gotham's size limit ({status})",
            "Send fewer or smaller messages per InboxMessageBatch.",
        )
    if isinstance(error, RateLimitedError):
        return (
            f"Gotham throttled every attempt ({status})",
            "Run the deploy again in a few minutes.",
        )
    return (
        f"Gotham refused the request ({status})",
        "Fix what the error below names (docs/errors.md lists them) and run the deploy again.",
    )


def explain_not_sent(error: GothamInboxError, *, source_ids: str) -> str:
    """The text of a create that sent nothing (``nothing_was_sent(error)``)."""
    if isinstance(error, InvalidMessagesError):
        problems = "\n".join(f"  - {problem}" for problem in error.problems)
        return (
            f"{len(error.problems)} problem(s) in the messages. {NOTHING_SENT} "
            f"Fix them in the program:\n{problems}\n({type(error).__name__})"
        )
    if isinstance(error, ConfigurationError):
        # Its text names the setting and how to set it: the reason and the fix in one.
        return f"{_SAID_NOTHING_SENT.sub('', str(error))}. {NOTHING_SENT}\n({type(error).__name__})"
    if isinstance(error, GothamAPIError):
        reason, fix = _refusal(error, source_ids=source_ids)
    elif isinstance(error, TokenEndpointError):
        reason = "the token endpoint did not issue a token"
        fix = (
            "Run the deploy again in a few minutes."
            if error.retryable
            else "Check gotham:clientId, gotham:clientSecret and gotham:scopes."
        )
    else:
        reason = "Gotham could not be reached"
        fix = "Check gotham:hostname, the network and the proxy settings; then deploy again."
    return f"{reason}. {NOTHING_SENT} {fix}\n{_detail(error)}"


def explain_unknown(error: GothamInboxError, advice: Advice) -> str:
    """The text of a create whose messages may or may not have arrived."""
    if isinstance(error, GothamAPIError):
        reason = f"Gotham answered {_status(error)} to the send"
    else:
        reason = "the answer to the send was lost or unreadable"
    text = f"{reason}. {advice.first}\n{_detail(error)}"
    return f"{text}\n{advice.rest}" if advice.rest else text
