"""Every exception gotham-inbox raises, in one module.

All derive from :class:`GothamInboxError`. Answers from the server become a
:class:`GothamAPIError` subclass chosen by HTTP status, carrying the Palantir error envelope.
No exception text ever contains a token or a client secret.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from gotham_inbox.validation import Problem


class GothamInboxError(Exception):
    """Base class of every gotham-inbox error."""


class ConfigurationError(GothamInboxError):
    """The client or provider is configured wrongly; the message names the setting to fix."""


class InsecureTransportError(ConfigurationError):
    """Plain ``http://`` to a host that is not loopback, without an explicit opt-in."""


class InvalidMessagesError(GothamInboxError):
    """Messages failed validation before anything was sent."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        lines = "\n".join(f"  - {problem}" for problem in self.problems)
        super().__init__(
            f"{len(self.problems)} problem(s) in the messages; nothing was sent:\n{lines}"
        )


class DeliveryError(GothamInboxError):
    """The request could not be delivered, or its answer was lost.

    Not httpx's ``TransportError``: the client turns that into one of these subclasses.
    """


class RequestNotSentError(DeliveryError):
    """The connection failed before the request was sent: nothing reached the server."""


class OutcomeUnknownError(DeliveryError):
    """The request may or may not have been processed (timeout or broken answer).

    Re-sending is safe only when every message carries a ``sourceId`` and the host honours
    sourceIds: a message that did arrive then comes back as ``CONFLICTING_SOURCE_ID`` instead of
    being sent twice (docs/source-ids.md).
    """


class IncompleteAnswerError(OutcomeUnknownError):
    """A success answer that does not account for every message sent.

    ``answer`` is what the server did say (a :class:`~gotham_inbox.models.SendMessagesResponse`),
    for a caller that can match messages by sourceId; the others' fate is unknown.
    """

    def __init__(self, message: str, answer: Any) -> None:
        self.answer = answer
        super().__init__(message)


ENVELOPE_FIELDS = {"errorCode": str, "errorName": str, "errorInstanceId": str, "parameters": dict}
"""Palantir's error envelope: every non-2xx answer of a Palantir service carries all four."""


def is_error_envelope(body: object) -> bool:
    """True if ``body`` (parsed JSON) is Palantir's error envelope: all four fields, typed."""
    return (
        isinstance(body, dict)
        and all(isinstance(body.get(name), kind) for name, kind in ENVELOPE_FIELDS.items())
        and bool(body["errorCode"])
        and bool(body["errorName"])
    )


class GothamAPIError(GothamInboxError):
    """A non-2xx answer from the server, with the Palantir error envelope.

    ``envelope`` is False when the body was not Palantir's error envelope (an HTML page, a
    proxy's or firewall's own JSON, an empty body): the answer is then likely not Gotham's.
    """

    def __init__(
        self,
        status_code: int,
        error_code: str,
        error_name: str,
        error_instance_id: str = "",
        parameters: dict[str, Any] | None = None,
        detail: str = "",
        *,
        envelope: bool = True,
    ) -> None:
        self.status_code = status_code
        self.error_code = error_code
        self.error_name = error_name
        self.error_instance_id = error_instance_id
        self.parameters = dict(parameters or {})
        self.envelope = envelope
        text = f"HTTP {status_code} {error_code} {error_name}"
        if detail:
            text += f": {detail}"
        elif self.parameters:
            text += f": {self.parameters}"
        if error_instance_id:
            text += f" (errorInstanceId {error_instance_id})"
        super().__init__(text)


class BadRequestError(GothamAPIError):
    """400: the server refused the request (validation); nothing was sent.

    ``error_name`` says which check: ``UnknownRecipients``, ``InvalidMessagePortionMarkings``,
    ``InvalidMessageRequests``, ``ApiFeaturePreviewUsageOnly``... (docs/errors.md).
    """


class UnauthorizedError(GothamAPIError):
    """401: the token is missing (``MissingCredentials``), unknown or expired
    (``Default:Unauthorized``)."""


class PermissionDeniedError(GothamAPIError):
    """403: the caller may not do this (``ApiUsageDenied``: not an inbox alert producer)."""


class NotFoundError(GothamAPIError):
    """404 with an error body."""


class ApiNotAvailableError(NotFoundError):
    """404 with an empty body: the Inbox API is not available on this host."""


class ConflictError(GothamAPIError):
    """409."""


class RequestTooLargeError(GothamAPIError):
    """413: the request body is over the server's limit; send fewer or smaller messages."""


class UnprocessableEntityError(GothamAPIError):
    """422 (``Conjure:UnprocessableEntity``): the body could not be read; nothing was sent."""


class RateLimitedError(GothamAPIError):
    """429: too many requests, after every allowed retry."""


class InternalServerError(GothamAPIError):
    """5xx."""


_BY_STATUS: dict[int, type[GothamAPIError]] = {
    400: BadRequestError,
    401: UnauthorizedError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    413: RequestTooLargeError,
    422: UnprocessableEntityError,
    429: RateLimitedError,
}


def error_class_for(status_code: int) -> type[GothamAPIError]:
    """The exception class for an HTTP status."""
    if status_code >= 500:
        return InternalServerError
    return _BY_STATUS.get(status_code, GothamAPIError)


class TokenEndpointError(GothamInboxError):
    """The OAuth2 token endpoint failed; no message was sent (the send never started).

    ``status_code`` is the token endpoint's answer (``None`` when it could not be reached or
    its answer was lost); ``retryable`` says whether asking again may help (a 429, a 5xx, a
    timeout). Retrying is always safe: a token request sends no message.
    """

    def __init__(
        self,
        message: str,
        *,
        status_code: int | None = None,
        retryable: bool,
        retry_after: float | None = None,
    ) -> None:
        self.status_code = status_code
        self.retryable = retryable
        self.retry_after = retry_after
        super().__init__(f"{message}; no message was sent")
