"""What a failed create says: the reason and what to do on its first line, each fact once.

The dynamic-provider host prints a traceback before the text, once per failed resource, so the
text must be short and lead with what a user acts on. Through the real host: the traceback holds
one frame of ours, the retries are one log line, "Nothing was sent." is said once.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

from gotham_inbox.emulator.testing import running_emulator
from gotham_inbox.errors import (
    ApiNotAvailableError,
    BadRequestError,
    ConfigurationError,
    GothamInboxError,
    InvalidMessagesError,
    PermissionDeniedError,
    RateLimitedError,
    RequestNotSentError,
    RequestTooLargeError,
    TokenEndpointError,
    UnauthorizedError,
)
from gotham_inbox.providers.explanations import explain_not_sent, nothing_was_sent
from gotham_inbox.validation import Problem
from tests.provider.host_support import Host
from tests.provider.protocol_support import (
    BATCH_TYPE,
    MESSAGE_TYPE,
    refused_create,
    registered_inputs,
    stack_config,
)
from tests.provider.provider_support import RecordingMocks

SAYS_NOTHING_SENT = re.compile(r"(nothing|no message) was sent", re.IGNORECASE)

NOT_SENT: list[tuple[GothamInboxError, str, str]] = [
    (
        RateLimitedError(429, "UNKNOWN", "NonJsonErrorBody", detail="empty"),
        "Gotham throttled every attempt (HTTP 429)",
        "Run the deploy again in a few minutes.",
    ),
    (
        UnauthorizedError(401, "UNAUTHORIZED", "Default:Unauthorized"),
        "Gotham refused the credentials (HTTP 401 Default:Unauthorized)",
        "Set a valid gotham:token",
    ),
    (
        PermissionDeniedError(403, "PERMISSION_DENIED", "ApiUsageDenied"),
        "the caller may not send inbox messages (HTTP 403 ApiUsageDenied)",
        "inbox alert producer",
    ),
    (
        ApiNotAvailableError(404, "NOT_FOUND", "ApiNotAvailable"),
        "the Inbox API is not available on this host",
        "Check gotham:hostname.",
    ),
    (
        RequestTooLargeError(413, "REQUEST_ENTITY_TOO_LARGE", "TooLarge"),
        "over Gotham's size limit (HTTP 413 TooLarge)",
        "Send fewer or smaller messages",
    ),
    (
        BadRequestError(400, "INVALID_ARGUMENT", "UnknownRecipients"),
        "Gotham refused the request (HTTP 400 UnknownRecipients)",
        "Fix what the error below names",
    ),
    (
        RequestNotSentError(
            "could not connect to gotham.example.com (ConnectError); nothing was sent"
        ),
        "Gotham could not be reached",
        "Check gotham:hostname, the network and the proxy settings",
    ),
    (
        TokenEndpointError("the token endpoint auth.example.com answered 503", retryable=True),
        "the token endpoint did not issue a token",
        "Run the deploy again in a few minutes.",
    ),
    (
        TokenEndpointError("the token endpoint auth.example.com answered 400", retryable=False),
        "the token endpoint did not issue a token",
        "Check gotham:clientId, gotham:clientSecret and gotham:scopes.",
    ),
    (
        ConfigurationError("gotham:hostname is not set; set it with `pulumi config set ...`"),
        "gotham:hostname is not set",
        "set it with `pulumi config set ...`",
    ),
    (
        InvalidMessagesError([Problem(0, "title", "required field 'title' is missing")]),
        "1 problem(s) in the messages",
        "Fix them in the program:",
    ),
]


@pytest.mark.parametrize(
    ("error", "reason", "fix"), NOT_SENT, ids=[type(e).__name__ for e, _r, _f in NOT_SENT]
)
def test_a_create_that_sent_nothing_says_why_so_and_what_to_do_on_its_first_line(
    error: GothamInboxError, reason: str, fix: str
) -> None:
    assert nothing_was_sent(error)
    text = explain_not_sent(error, source_ids="auto")
    first = text.splitlines()[0]
    assert reason in first and fix in first and "Nothing was sent." in first
    assert len(SAYS_NOTHING_SENT.findall(text)) == 1, text
    assert type(error).__name__ in text  # the client's error follows, for reference


def test_a_refused_source_id_field_in_send_mode_says_to_change_the_mode_first() -> None:
    refused = BadRequestError(
        400, "INVALID_ARGUMENT", "InvalidMessageRequests", parameters={"field": "sourceId"}
    )
    first = explain_not_sent(refused, source_ids="send").splitlines()[0]
    assert "Nothing was sent." in first
    assert "`pulumi config set gotham:sourceIds auto`" in first


@pytest.mark.parametrize("type_", [MESSAGE_TYPE, BATCH_TYPE])
def test_through_the_host_a_throttled_create_is_told_briefly_and_each_fact_once(
    use_mocks: Callable[..., RecordingMocks],
    start_host: Callable[[dict[str, Any]], Host],
    type_: str,
) -> None:
    name = "release" if type_ == MESSAGE_TYPE else "launch"
    inputs = registered_inputs(use_mocks)[name]
    with running_emulator() as emulator:
        emulator.faults.add("throttle", retry_after=0.01)  # every attempt: the client gives up
        host = start_host(stack_config(emulator, emulator.token_for("release-bot")))
        details = refused_create(host, type_, name, inputs)
        stored = emulator.messages()
        logged = host.stderr()
    traceback, _, ours = details.partition("InboxProviderError: ")
    assert ours.splitlines()[0] == (
        "Gotham throttled every attempt (HTTP 429). Nothing was sent. "
        "Run the deploy again in a few minutes."
    )
    assert len(SAYS_NOTHING_SENT.findall(details)) == 1, details
    # The host's traceback names its own two frames; of ours only the one that raised.
    assert traceback.count("gotham_inbox/providers/") == 1, traceback
    retries = [line for line in logged.splitlines() if "retr" in line]
    assert retries == [
        "POST /api/gotham/v1/inbox/messages: retried 3 times (after 3 RateLimitedError; "
        "0.03s of waiting), then failed: RateLimitedError"
    ]
    assert stored == []
