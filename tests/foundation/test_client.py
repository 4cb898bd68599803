"""The httpx client, every branch through httpx.MockTransport."""

from __future__ import annotations

import contextlib
import json
import logging
import uuid

import certifi
import httpx
import pytest

from gotham_inbox import (
    ApiNotAvailableError,
    BadRequestError,
    ClientCredentialsAuth,
    ConfigurationError,
    GothamAPIError,
    InboxClient,
    InsecureTransportError,
    InvalidMessagesError,
    OutcomeUnknownError,
    PermissionDeniedError,
    RateLimitedError,
    RequestNotSentError,
    RetryPolicy,
    TokenAuth,
    TokenEndpointError,
    UnauthorizedError,
)
from gotham_inbox.errors import InternalServerError
from tests.foundation.client_support import (
    CLIENT_SECRET,
    MESSAGE,
    TOKEN,
    Recorder,
    envelope,
    make_client,
    ok,
    routed,
    token_answer,
    with_ids,
)
from tests.support import FakeClock

# --- the request ----------------------------------------------------------------------------


def test_send_posts_preview_true_with_bearer_token_and_returns_typed_response() -> None:
    source_id = str(uuid.uuid4())
    recorder = Recorder(ok([source_id]))
    response = make_client(recorder).send([MESSAGE])
    (request,) = recorder.requests
    assert request.method == "POST"
    assert (
        str(request.url) == "https://gotham.example.com/api/gotham/v1/inbox/messages?preview=true"
    )
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert json.loads(request.content) == {"messages": [MESSAGE]}
    assert [str(r.source_id) for r in response.responses] == [source_id]


def test_a_hostname_with_port_or_a_full_base_url_is_accepted() -> None:
    recorder = Recorder(ok())
    for target, expected in [
        ("gotham.example.com:8443", "https://gotham.example.com:8443"),
        ("http://127.0.0.1:8765", "http://127.0.0.1:8765"),
        ("http://localhost:8765/", "http://localhost:8765"),
    ]:
        client = InboxClient(target, auth=TokenAuth(TOKEN), transport=httpx.MockTransport(recorder))
        client.send([MESSAGE])
        assert str(recorder.requests[-1].url).startswith(expected + "/api/gotham/v1/inbox/")


def test_plain_http_to_a_remote_host_is_refused_unless_opted_in() -> None:
    with pytest.raises(InsecureTransportError, match="allow_insecure_http"):
        InboxClient("http://gotham.example.com", auth=TokenAuth(TOKEN))
    client = InboxClient(
        "http://gotham.example.com", auth=TokenAuth(TOKEN), allow_insecure_http=True
    )
    assert client.base_url.scheme == "http"


def test_tls_verification_takes_a_ca_bundle_and_refuses_a_missing_one() -> None:
    InboxClient("gotham.example.com", auth=TokenAuth(TOKEN), verify=certifi.where()).close()
    with pytest.raises(ConfigurationError, match="gotham:caBundle"):
        InboxClient("gotham.example.com", auth=TokenAuth(TOKEN), verify="/nonexistent/ca.pem")


@pytest.mark.parametrize("hostname", ["", "   ", "ftp://host"])
def test_a_bad_hostname_is_a_configuration_error(hostname: str) -> None:
    with pytest.raises(ConfigurationError):
        InboxClient(hostname, auth=TokenAuth(TOKEN))


def test_invalid_messages_are_refused_before_anything_is_sent() -> None:
    recorder = Recorder(ok())
    bad = {**MESSAGE, "groupRecipients": []}
    with pytest.raises(InvalidMessagesError) as caught:
        make_client(recorder).send([MESSAGE, bad])
    assert recorder.requests == []
    assert [problem.path for problem in caught.value.problems] == ["messages[1].groupRecipients"]
    assert "nothing was sent" in str(caught.value)


# --- errors ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "code", "error_class"),
    [
        (400, "INVALID_ARGUMENT", BadRequestError),
        (401, "UNAUTHORIZED", UnauthorizedError),
        (403, "PERMISSION_DENIED", PermissionDeniedError),
        (413, "REQUEST_ENTITY_TOO_LARGE", GothamAPIError),
    ],
)
def test_error_answers_become_typed_exceptions_with_the_envelope(
    status: int, code: str, error_class: type[GothamAPIError]
) -> None:
    recorder = Recorder(envelope(status, code, "SomethingSpecific", messageIndex=1, field="title"))
    with pytest.raises(error_class) as caught:
        make_client(recorder).send([MESSAGE])
    error = caught.value
    assert (error.status_code, error.error_code, error.error_name) == (
        status,
        code,
        "SomethingSpecific",
    )
    assert error.error_instance_id == "e-1"
    assert error.parameters == {"messageIndex": 1, "field": "title"}
    assert len(recorder.requests) == 1


def test_404_with_empty_body_says_the_api_is_not_available() -> None:
    with pytest.raises(ApiNotAvailableError, match="not available on this host"):
        make_client(Recorder(httpx.Response(404))).send([MESSAGE])


def test_a_non_json_error_body_is_still_a_clear_error() -> None:
    html = httpx.Response(502, text="<html>Bad Gateway</html>")
    with pytest.raises(InternalServerError, match=r"non-JSON error body.*Bad Gateway"):
        make_client(Recorder(html)).send([MESSAGE])


def test_an_envelope_is_read_through_the_model_and_a_json_non_envelope_is_unreadable() -> None:
    answer = httpx.Response(
        403,
        json={"errorCode": "PERMISSION_DENIED", "errorName": "ApiUsageDenied", "newField": 1},
    )
    with pytest.raises(PermissionDeniedError) as caught:
        make_client(Recorder(answer)).send([MESSAGE])
    assert (caught.value.error_name, caught.value.error_instance_id) == ("ApiUsageDenied", "")
    assert caught.value.parameters == {}
    not_an_envelope = httpx.Response(500, json={"errorCode": 1, "errorName": None})
    with pytest.raises(InternalServerError, match="non-JSON error body") as unreadable:
        make_client(Recorder(not_an_envelope), max_attempts=1).send([MESSAGE])
    assert unreadable.value.error_name == "NonJsonErrorBody"


def test_a_success_answer_that_is_not_a_response_is_an_unknown_outcome() -> None:
    with pytest.raises(OutcomeUnknownError, match="may have been sent"):
        make_client(Recorder(httpx.Response(200, text="oops"))).send([MESSAGE])


# --- retries --------------------------------------------------------------------------------


def test_429_is_retried_honouring_retry_after() -> None:
    clock = FakeClock()
    limited = envelope(429, "RATE_LIMITED", "TooManyRequests")
    limited.headers["Retry-After"] = "3"
    recorder = Recorder(limited, ok())
    make_client(recorder, clock=clock).send([MESSAGE])
    assert len(recorder.requests) == 2
    assert clock.sleeps == [3.0]


def test_503_is_retried_with_exponential_backoff_and_bounded_attempts_when_idempotent() -> None:
    clock = FakeClock()
    recorder = Recorder(envelope(503, "INTERNAL", "Unavailable"))
    client = make_client(
        recorder, clock=clock, honours_ids=True, max_attempts=4, initial_backoff=1.0
    )
    with pytest.raises(InternalServerError):
        client.send(with_ids())
    assert len(recorder.requests) == 4
    assert clock.sleeps == [1.0, 2.0, 4.0]


@pytest.mark.parametrize("ids", [False, True], ids=["no-ids", "ids-not-yet-seen-honoured"])
def test_503_is_not_retried_when_a_retry_could_deliver_twice(ids: bool) -> None:
    # A proxy may answer 503 after the service processed the request.
    recorder = Recorder(envelope(503, "INTERNAL", "Unavailable"), ok())
    with pytest.raises(InternalServerError):
        make_client(recorder).send(with_ids() if ids else [MESSAGE])
    assert len(recorder.requests) == 1


def test_retries_stop_when_the_total_time_would_be_exceeded() -> None:
    clock = FakeClock()
    recorder = Recorder(envelope(429, "RATE_LIMITED", "TooManyRequests"))
    with pytest.raises(RateLimitedError):
        make_client(
            recorder, clock=clock, max_attempts=10, initial_backoff=4.0, max_total_seconds=10
        ).send([MESSAGE])
    assert clock.sleeps == [4.0]  # the next wait (8 s) would pass the 10 s budget
    assert len(recorder.requests) == 2


@pytest.mark.parametrize(
    ("answers", "outcome"),
    [
        ([envelope(429, "RATE_LIMITED", "TooManyRequests")], "then failed: RateLimitedError"),
        (
            [envelope(429, "RATE_LIMITED", "Slow"), envelope(429, "RATE_LIMITED", "Slow"), ok()],
            "then answered 200",
        ),
    ],
    ids=["gave up", "got through"],
)
def test_the_retries_of_a_request_are_logged_in_one_line_when_it_ends(
    caplog: pytest.LogCaptureFixture, answers: list[httpx.Response], outcome: str
) -> None:
    # A failing deploy printed a warning per retry of every resource before its error.
    caplog.set_level(logging.INFO, logger="gotham_inbox.client")
    client = make_client(Recorder(*answers), max_attempts=4, initial_backoff=1.0)
    with contextlib.suppress(RateLimitedError):
        client.send([MESSAGE])
    warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    retried = len(answers) - 1 if len(answers) > 1 else 3
    assert warnings == [
        f"POST /api/gotham/v1/inbox/messages: retried {retried} times "
        f"(after {retried} RateLimitedError; {sum(2.0**i for i in range(retried)):.2f}s of "
        f"waiting), {outcome}"
    ]


def test_a_request_not_retried_logs_no_retry_line(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="gotham_inbox.client")
    make_client(Recorder(ok())).send([MESSAGE])
    assert [r for r in caplog.records if r.levelno >= logging.WARNING] == []


def test_jitter_keeps_each_wait_within_the_exponential_ceiling() -> None:
    draws = iter([0.5, 0.25])
    policy = RetryPolicy(initial_backoff=2.0, random=lambda: next(draws))
    assert policy.backoff(1) == 1.0
    assert policy.backoff(2) == 1.0  # 0.25 of the 4 s ceiling


def test_connection_refused_is_retried_because_nothing_was_sent() -> None:
    recorder = Recorder(httpx.ConnectError("refused"), ok())
    make_client(recorder).send([MESSAGE])
    assert len(recorder.requests) == 2


def test_connection_refused_every_time_says_nothing_was_sent() -> None:
    recorder = Recorder(httpx.ConnectError("refused"))
    with pytest.raises(RequestNotSentError, match="nothing was sent"):
        make_client(recorder, max_attempts=2).send([MESSAGE])
    assert len(recorder.requests) == 2


def test_a_lost_answer_is_not_retried_when_a_message_has_no_source_id() -> None:
    recorder = Recorder(httpx.ReadTimeout("lost"), ok())
    with pytest.raises(OutcomeUnknownError, match="not every message has a sourceId"):
        make_client(recorder).send([MESSAGE, *with_ids()])
    assert len(recorder.requests) == 1


def test_a_lost_answer_is_not_retried_until_the_host_was_seen_to_honour_ids() -> None:
    messages = with_ids(2)
    recorder = Recorder(httpx.ReadTimeout("lost"), ok([m["sourceId"] for m in messages]))
    with pytest.raises(OutcomeUnknownError, match="has not been seen to honour"):
        make_client(recorder).send(messages)
    assert len(recorder.send_requests) == 1


def test_an_answer_naming_our_ids_makes_the_next_lost_answer_retryable() -> None:
    first, second = with_ids(), with_ids()
    recorder = Recorder(
        ok([first[0]["sourceId"]]), httpx.ReadTimeout("lost"), ok([second[0]["sourceId"]])
    )
    client = make_client(recorder)
    client.send(first)  # proves the host honours ids
    client.send(second)
    assert len(recorder.send_requests) == 3


def test_an_answer_with_other_ids_keeps_requests_not_idempotent() -> None:
    recorder = Recorder(ok(), httpx.ReadTimeout("lost"), ok())
    client = make_client(recorder, honours_ids=True)
    client.send(with_ids())  # the server assigned its own id: ids are ignored here
    with pytest.raises(OutcomeUnknownError):
        client.send(with_ids())
    assert len(recorder.send_requests) == 2


def test_a_lost_answer_is_retried_when_every_message_has_a_source_id_the_host_honours() -> None:
    messages = with_ids(2)
    recorder = Recorder(httpx.ReadTimeout("lost"), ok([m["sourceId"] for m in messages]))
    response = make_client(recorder, honours_ids=True).send(messages)
    assert len(recorder.send_requests) == 2
    assert recorder.send_requests[0].content == recorder.send_requests[1].content
    assert len(response.responses) == 2


@pytest.mark.parametrize(
    "last",
    [
        envelope(429, "RATE_LIMITED", "TooManyRequests"),
        envelope(401, "UNAUTHORIZED", "Default:Unauthorized"),
        httpx.ConnectError("refused"),
    ],
    ids=["429", "401", "connection refused"],
)
def test_a_failure_after_a_retried_lost_answer_never_says_nothing_was_sent(
    last: httpx.Response | Exception,
) -> None:
    # The first attempt's answer was lost (it may have delivered); the retries end with an
    # answer that alone would mean "nothing was processed": the outcome is still unknown.
    messages = with_ids(1)
    recorder = Recorder(httpx.ReadTimeout("lost"), last)
    with pytest.raises(OutcomeUnknownError, match="may or may not have been sent"):
        make_client(recorder, honours_ids=True).send(messages)
    assert len(recorder.send_requests) >= 2


def test_a_token_endpoint_failure_retrying_cannot_help_is_not_retried() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/oauth2/token"):
            raise httpx.DecodingError("broken gzip", request=request)
        return ok()

    recorder = Recorder(handler)
    auth = ClientCredentialsAuth("pipeline", "client-secret-value")
    with pytest.raises(TokenEndpointError, match="no message was sent"):
        make_client(recorder, auth=auth).send(with_ids(1))
    assert len(recorder.requests) == 1 and recorder.send_requests == []


def test_a_500_is_retried_only_when_every_message_has_a_source_id() -> None:
    recorder = Recorder(envelope(500, "INTERNAL", "Boom"), ok())
    with pytest.raises(InternalServerError):
        make_client(recorder).send([MESSAGE])
    assert len(recorder.requests) == 1
    recorder = Recorder(envelope(500, "INTERNAL", "Boom"), ok())
    make_client(recorder, honours_ids=True).send(with_ids())
    assert len(recorder.requests) == 2


def test_a_400_is_never_retried() -> None:
    recorder = Recorder(envelope(400, "INVALID_ARGUMENT", "UnknownRecipients"))
    with pytest.raises(BadRequestError):
        make_client(recorder).send(with_ids())
    assert len(recorder.requests) == 1


def test_retry_policy_refuses_nonsense() -> None:
    with pytest.raises(ValueError, match="max_attempts"):
        RetryPolicy(max_attempts=0)


# --- OAuth2 client credentials --------------------------------------------------------------


def test_client_credentials_fetch_a_token_once_and_cache_it() -> None:
    clock = FakeClock()
    auth = ClientCredentialsAuth("pipeline", CLIENT_SECRET, scope="api:inbox", clock=clock)
    recorder = Recorder(routed([token_answer("access-1")], [ok(), ok()]))
    client = make_client(recorder, clock=clock, auth=auth)
    client.send([MESSAGE])
    client.send([MESSAGE])
    token_requests = [r for r in recorder.requests if r not in recorder.send_requests]
    assert len(token_requests) == 1
    form = dict(httpx.QueryParams(token_requests[0].content.decode()))
    assert form == {
        "grant_type": "client_credentials",
        "client_id": "pipeline",
        "client_secret": CLIENT_SECRET,
        "scope": "api:inbox",
    }
    assert str(token_requests[0].url) == "https://gotham.example.com/multipass/api/oauth2/token"
    assert all(r.headers["Authorization"] == "Bearer access-1" for r in recorder.send_requests)


def test_client_credentials_refresh_shortly_before_expiry() -> None:
    clock = FakeClock()
    auth = ClientCredentialsAuth("pipeline", CLIENT_SECRET, clock=clock, refresh_margin=60)
    recorder = Recorder(
        routed([token_answer("access-1", 600), token_answer("access-2")], [ok(), ok()])
    )
    client = make_client(recorder, clock=clock, auth=auth)
    client.send([MESSAGE])
    clock.now += 541  # within the 60 s margin of the 600 s lifetime
    client.send([MESSAGE])
    assert recorder.authorizations == [
        "Bearer access-1",
        "Bearer access-2",
    ]


def unauthorized() -> httpx.Response:
    return envelope(401, "UNAUTHORIZED", "Default:Unauthorized")


def client_credentials_client(*sends: httpx.Response) -> tuple[InboxClient, Recorder]:
    """A client-credentials client of a host that grants access-1, then access-2, and answers
    the sends with ``sends`` in turn."""
    clock = FakeClock()
    auth = ClientCredentialsAuth("pipeline", CLIENT_SECRET, clock=clock)
    recorder = Recorder(routed([token_answer("access-1"), token_answer("access-2")], list(sends)))
    return make_client(recorder, clock=clock, auth=auth), recorder


def test_a_401_with_a_cached_token_refreshes_once_and_repeats() -> None:
    client, recorder = client_credentials_client(ok(), unauthorized(), ok())
    client.send([MESSAGE])
    client.send([MESSAGE])
    assert recorder.authorizations == [
        "Bearer access-1",
        "Bearer access-1",
        "Bearer access-2",
    ]


def test_a_second_401_is_an_unauthorized_error() -> None:
    client, recorder = client_credentials_client(ok(), unauthorized(), unauthorized())
    client.send([MESSAGE])
    with pytest.raises(UnauthorizedError):
        client.send([MESSAGE])
    assert len(recorder.send_requests) == 3


def test_a_refused_client_secret_is_a_clear_error_without_the_secret() -> None:
    auth = ClientCredentialsAuth("pipeline", CLIENT_SECRET)
    recorder = Recorder(routed([envelope(401, "UNAUTHORIZED", "BadClient")], []))
    with pytest.raises(TokenEndpointError) as caught:
        make_client(recorder, auth=auth).send([MESSAGE])
    assert not caught.value.retryable and caught.value.status_code == 401
    assert recorder.send_requests == []
    assert "gotham:clientSecret" in str(caught.value) and "no message was sent" in str(caught.value)
    assert CLIENT_SECRET not in str(caught.value)


# --- secrets --------------------------------------------------------------------------------


def test_secrets_never_appear_in_reprs_errors_or_logs(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    auth = ClientCredentialsAuth("pipeline", CLIENT_SECRET)
    token_auth = TokenAuth(TOKEN)
    recorder = Recorder(
        routed(
            [token_answer(TOKEN)],
            [envelope(429, "RATE_LIMITED", "Slow"), envelope(403, "PERMISSION_DENIED", "No")],
        )
    )
    client = make_client(recorder, auth=auth)
    with pytest.raises(PermissionDeniedError) as caught:
        client.send([MESSAGE])
    texts = [repr(auth), repr(token_auth), repr(client), str(caught.value), caplog.text]
    for text in texts:
        assert TOKEN not in text and CLIENT_SECRET not in text
    assert "retrying" in caplog.text  # the log did record the retry, just not the secret


@pytest.mark.parametrize("token", ["", "  "])
def test_an_empty_token_names_the_setting(token: str) -> None:
    with pytest.raises(ConfigurationError, match="GOTHAM_TOKEN"):
        TokenAuth(token)
