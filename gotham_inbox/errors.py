"""The exception tree of gotham-inbox: the client's errors here, and the one user-error base.

Every error gotham-inbox raises on purpose derives from :class:`GothamInboxError`. Answers from
the server become a :class:`GothamAPIError` subclass chosen by HTTP status, carrying the
Palantir error envelope. No exception text ever contains a token or a client secret.

**Bad input a user can fix** derives from :class:`UserError`, which carries the command line's
exit code (2; 3 for :class:`UnavailableError`), as click's ``ClickException`` does: a command
lets it go, and ``gotham_inbox.cli.main`` prints ``gotham-inbox <command>: <message>`` on
standard error and exits with that code, in one place. Besides :class:`ConfigurationError`
here, the user errors live beside the code that reads the input they name (each module keeps
its own error; ``tests/foundation/test_user_errors.py`` holds this list equal to the package):

- ``gotham_inbox.documents.DocumentError``: a file that cannot be read as YAML or JSON;
- ``gotham_inbox.directory.DirectoryError``: an emulator directory file;
- ``gotham_inbox.policy.properties.PolicyConfigError``: a policy config;
- ``gotham_inbox.check.project.ProjectError``: a Pulumi project or stack config;
- ``gotham_inbox.check.mock_answers.MockAnswersError``: ``check --mocks``;
- ``gotham_inbox.check.runner.ProgramError``: the stack's program failed under ``check``;
- ``gotham_inbox.explore.schema_file.ExploreSchemaError``: an explore file;
- ``gotham_inbox.explore.config_strategies.ExploreExtraMissing``: the ``explore`` extra is missing;
- ``gotham_inbox.cli.explore.FlagError``: an explore flag;
- ``gotham_inbox.distribution.pack_dir.PackDirectoryError``: ``policy-pack DIR``;
- ``gotham_inbox.distribution.state_migration.StateMigrationError``: a stack export;
- ``gotham_inbox.announce.routes.RoutesError``: ``announce --routes``;
- ``gotham_inbox.announce.identity.IdentityError``: a deploy without a run id or version;
- ``gotham_inbox.announce.summary.SummaryError``: ``announce``'s deploy summary;
- ``gotham_inbox.providers.announcement.AnnouncementError``: a ``ReleaseAnnouncement``'s inputs;
- ``gotham_inbox.emulator.store.StoreError``: the emulator's ``--db`` file.

Those that were ``ValueError`` keep it as a second base (pydantic turns a ``ValueError`` raised
in a validator into a field's error). Not user errors, and kept where they are: the provider's
``InboxProviderError`` (what the Pulumi engine shows for a failed create), the
``PartialSendError`` it reports, ``AnnounceRefused`` (a verdict, exit 1, of the announce API),
and the emulator's ``EmulatorError`` and ``OAuthError`` (answers it sends, not exceptions that
leave it).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from gotham_inbox.validation import Problem


class GothamInboxError(Exception):
    """Base class of every gotham-inbox error."""


class UserError(GothamInboxError):
    """Bad input a user can fix: a file, flag or setting that cannot be used.

    The message names what is wrong and what to do. ``exit_code`` is what the command line
    exits with for it (``gotham_inbox.cli.exit_codes``); a subclass may set another.
    """

    exit_code: int = 2
    """:data:`gotham_inbox.cli.exit_codes.BAD_INPUT` (not imported: the ``cli`` package imports
    every command, which import this module; ``test_user_errors`` holds the two equal)."""


class UnavailableError(UserError):
    """The environment refused what was asked: a port in use, a message Gotham did not take.

    Not the user's input, but told the same way, in one line that says what to do; exit 3.
    """

    exit_code = 3
    """:data:`gotham_inbox.cli.exit_codes.UNAVAILABLE`."""


class ConfigurationError(UserError):
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
