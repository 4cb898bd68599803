"""Every error the emulator answers with: Gotham's name, status, errorCode and documented keys.

One entry per error, so the routes, the docs table (``docs/errors.md``) and the tests that check
the emulator against the official SDK all read the same facts. ``source`` says where the name
comes from; ``documented`` is False where the name or the case is our assumption.

Beyond the documented ``parameters`` keys, refusals of a batch add ``problems`` (every problem
found, each with ``messageIndex``, ``field``, ``path`` and ``reason``): how a user fixes a
message. The official SDK's parameter types allow extra keys, so this costs its users nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from gotham_inbox.directory import PRODUCER_GROUP

SDK = "official SDK, gotham.v1.gotham.errors"
GENERAL = (
    "Palantir platform API docs, General errors "
    "(palantir.com/docs/foundry/api/general/overview/errors; Gotham's API is assumed to share them)"
)
REFERENCE = "the contract, gotham-inbox-api.md, Errors"
CONJURE = "Conjure: conjure-java-runtime-api ErrorType"
STATUS_CODES = "Palantir API docs, Status codes (no error body)"


@dataclass(frozen=True)
class ErrorSpec:
    """One error answer."""

    name: str
    status: int
    error_code: str
    parameters: tuple[str, ...]
    """The documented parameter keys (the SDK's own, where it has the error)."""
    when: str
    documented: bool
    source: str


UNKNOWN_RECIPIENTS = ErrorSpec(
    "UnknownRecipients",
    400,
    "INVALID_ARGUMENT",
    ("groupRecipients",),
    "a group recipient that does not exist in its realm (the explicit one, else the caller's): "
    "unknown group and wrong realm alike; groupRecipients lists each offending recipient",
    True,
    SDK,
)
INVALID_PORTION_MARKINGS = ErrorSpec(
    "InvalidMessagePortionMarkings",
    400,
    "INVALID_ARGUMENT",
    ("portionMarkings",),
    "a marking the directory does not define; also (assumed) a marking outside the caller's "
    "clearance and (assumed) an empty portionMarkings list",
    True,
    SDK + "; the clearance and empty-list cases are assumed: the SDK's only marking error",
)
INVALID_MESSAGE_REQUESTS = ErrorSpec(
    "InvalidMessageRequests",
    400,
    "INVALID_ARGUMENT",
    ("inboxErrorMessage",),
    "an Inbox limit is exceeded (recipients per message, title or body length, messages per "
    "request; the directory file's limits) or (assumed) a message has no recipients",
    True,
    SDK + "; the limits' values and the empty-recipients case are assumed",
)
PREVIEW_ONLY = ErrorSpec(
    "ApiFeaturePreviewUsageOnly",
    400,
    "INVALID_ARGUMENT",
    (),
    "the call lacks preview=true",
    True,
    SDK + "; " + GENERAL,
)
MISSING_CREDENTIALS = ErrorSpec(
    "MissingCredentials",
    401,
    "UNAUTHORIZED",
    (),
    "no 'Authorization: Bearer <token>' header",
    True,
    GENERAL,
)
UNAUTHORIZED = ErrorSpec(
    "Default:Unauthorized",
    401,
    "UNAUTHORIZED",
    (),
    "an unknown, expired or revoked token",
    True,
    GENERAL + "; " + CONJURE,
)
API_USAGE_DENIED = ErrorSpec(
    "ApiUsageDenied",
    403,
    "PERMISSION_DENIED",
    (),
    f"the caller is not in '{PRODUCER_GROUP}'",
    False,
    GENERAL + " (the name; that Gotham uses it for this case is assumed)",
)
INVALID_ARGUMENT = ErrorSpec(
    "Default:InvalidArgument",
    400,
    "INVALID_ARGUMENT",
    (),
    "a message lacks a required field (Conjure's builders refuse missing fields)",
    False,
    GENERAL + " (the name); that a missing field gets it rather than 422 is assumed",
)
UNPROCESSABLE_ENTITY = ErrorSpec(
    "Conjure:UnprocessableEntity",
    422,
    "INVALID_ARGUMENT",
    (),
    'the body cannot be read as a request: not JSON, not {"messages": [...]}, a value of the '
    "wrong type, an unknown field, an invalid enum or UUID",
    True,
    GENERAL,
)
UNSUPPORTED_MEDIA_TYPE = ErrorSpec(
    "Conjure:UnsupportedMediaType",
    415,
    "INVALID_ARGUMENT",
    (),
    "a Content-Type other than application/json (a missing one is accepted: assumed)",
    True,
    GENERAL,
)
TOO_LARGE = ErrorSpec(
    "Default:RequestEntityTooLarge",
    413,
    "REQUEST_ENTITY_TOO_LARGE",
    (),
    "the body is over --max-body-bytes (refused from Content-Length before it is read)",
    True,
    REFERENCE + "; " + CONJURE + "; the limit's value is assumed",
)
INTERNAL = ErrorSpec(
    "Default:Internal",
    500,
    "INTERNAL",
    (),
    "an emulator bug, or the 500 fault (after committing)",
    True,
    GENERAL + "; " + CONJURE,
)
METHOD_NOT_ALLOWED = ErrorSpec(
    "Conjure:MethodNotAllowed",
    405,
    "INVALID_ARGUMENT",
    (),
    "a known path with the wrong method",
    False,
    "no Palantir document names it",
)
THROTTLED = ErrorSpec(
    "(no body)",
    429,
    "",
    (),
    "the 429 fault; Retry-After in seconds or as an HTTP date",
    True,
    STATUS_CODES,
)
UNAVAILABLE = ErrorSpec(
    "(no body)",
    503,
    "",
    (),
    "the 503 fault (before processing)",
    True,
    STATUS_CODES,
)
NOT_FOUND = ErrorSpec(
    "(no body)",
    404,
    "",
    (),
    "an unknown path, a trailing slash included: 'this API is not available here'",
    True,
    "the reference (a 404 with an empty body); the official SDK raises ApiNotFoundError",
)

SEND_ERRORS: tuple[ErrorSpec, ...] = (
    MISSING_CREDENTIALS,
    UNAUTHORIZED,
    API_USAGE_DENIED,
    PREVIEW_ONLY,
    UNSUPPORTED_MEDIA_TYPE,
    TOO_LARGE,
    UNPROCESSABLE_ENTITY,
    INVALID_ARGUMENT,
    INVALID_MESSAGE_REQUESTS,
    UNKNOWN_RECIPIENTS,
    INVALID_PORTION_MARKINGS,
    METHOD_NOT_ALLOWED,
    INTERNAL,
    THROTTLED,
    UNAVAILABLE,
    NOT_FOUND,
)
"""The answers of the send endpoint, in the order the emulator checks (assumed order)."""

ERROR_CODES: dict[int, str] = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHORIZED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    405: "INVALID_ARGUMENT",
    409: "CONFLICT",
    413: "REQUEST_ENTITY_TOO_LARGE",
    415: "INVALID_ARGUMENT",
    422: "INVALID_ARGUMENT",
    500: "INTERNAL",
}
"""Palantir's errorCode per status (the reference's list; 415/422 as Conjure sends them)."""
