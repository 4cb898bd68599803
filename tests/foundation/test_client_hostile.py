"""The client and its auth under hostile input and hostile servers.

Every case is one an adversarial pass found: each asserts the typed error a user gets, what it
says about whether the messages were sent, and that no configured secret is in any text. Work is
bounded by construction (finite streams, fake clocks), never by wall-clock asserts.
"""

from __future__ import annotations

import gzip
import json
import re
import shutil
import socket
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import certifi
import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gotham_inbox import (
    ClientCredentialsAuth,
    ConfigurationError,
    GothamInboxError,
    InboxClient,
    InsecureTransportError,
    InvalidMessagesError,
    OutcomeUnknownError,
    RateLimitedError,
    RequestNotSentError,
    RetryPolicy,
    TokenAuth,
    TokenEndpointError,
)
from gotham_inbox._retry import parse_retry_after
from gotham_inbox.errors import IncompleteAnswerError, InternalServerError
from gotham_inbox.source_ids import derive_source_id, with_source_id
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

CONTROL_CHARACTERS = ["\n", "\r", "\r\n", "\x00", "\x7f", "\x1b", "\u2028"]


# --- secrets: refused where they are configured ----------------------------------------------


@pytest.mark.parametrize("bad", CONTROL_CHARACTERS)
def test_a_token_with_a_control_character_is_refused_without_showing_it(bad: str) -> None:
    token = f"s3cr3t-token-value{bad}line2"
    with pytest.raises(ConfigurationError) as caught:
        TokenAuth(token)
    text = str(caught.value)
    assert "gotham:token" in text and "not shown" in text
    assert "s3cr3t" not in text and "line2" not in text


def test_a_token_that_is_not_visible_ascii_is_refused_for_a_header() -> None:
    with pytest.raises(ConfigurationError, match="HTTP header"):
        TokenAuth("tökén-value-123")


def test_a_wrapped_token_file_with_a_trailing_newline_still_works() -> None:
    recorder = Recorder(ok())
    make_client(recorder, auth=TokenAuth(TOKEN + "\n")).send([MESSAGE])
    assert recorder.authorizations == [f"Bearer {TOKEN}"]


@pytest.mark.parametrize("bad", CONTROL_CHARACTERS)
@pytest.mark.parametrize("which", ["client_id", "client_secret"])
def test_client_credentials_with_a_control_character_are_refused(bad: str, which: str) -> None:
    values = {"client_id": "pipeline", "client_secret": CLIENT_SECRET}
    values[which] = f"{values[which]}{bad}tail-part"
    with pytest.raises(ConfigurationError) as caught:
        ClientCredentialsAuth(values["client_id"], values["client_secret"])
    text = str(caught.value)
    assert ("gotham:clientId" if which == "client_id" else "gotham:clientSecret") in text
    assert values[which] not in text and "tail-part" not in text and CLIENT_SECRET not in text


# --- secrets: never in any text leaving the client -------------------------------------------


@pytest.mark.parametrize(
    "raised",
    [
        httpx.LocalProtocolError(f"Illegal header value b'Bearer {TOKEN}'"),
        httpx.ConnectError(f"refused while sending {TOKEN!r}"),
        httpx.ProxyError(f"proxy said: Authorization: Bearer {TOKEN}"),
        RuntimeError(f"something unforeseen with {TOKEN.encode()!r}"),
        httpx.ReadError(f"lost: client_secret={CLIENT_SECRET}"),
    ],
    ids=["local-protocol", "connect", "proxy", "unexpected", "read"],
)
def test_no_exception_text_carries_a_configured_secret(raised: Exception) -> None:
    auth = ClientCredentialsAuth("pipeline", CLIENT_SECRET)
    sends = [raised]

    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/token"):
            return token_answer(TOKEN)
        raise sends[0]

    with pytest.raises(GothamInboxError) as caught:
        make_client(Recorder(handle), auth=auth, max_attempts=2).send([MESSAGE])
    text = str(caught.value)
    assert TOKEN not in text and CLIENT_SECRET not in text
    assert "***" in text or type(raised).__name__ in text


def test_an_error_envelope_echoing_the_token_is_scrubbed() -> None:
    echo = envelope(400, "INVALID_ARGUMENT", "Echo", header=f"Bearer {TOKEN}", nested=[TOKEN])
    with pytest.raises(GothamInboxError) as caught:
        make_client(Recorder(echo)).send([MESSAGE])
    assert TOKEN not in str(caught.value)
    assert TOKEN not in json.dumps(caught.value.parameters)  # type: ignore[attr-defined]


def test_a_plain_http_token_url_is_refused_unless_loopback_or_opted_in() -> None:
    with pytest.raises(InsecureTransportError, match="client secret"):
        ClientCredentialsAuth("id", CLIENT_SECRET, token_url="http://auth.example.com/token")
    ClientCredentialsAuth("id", CLIENT_SECRET, token_url="http://127.0.0.1:8765/token")
    ClientCredentialsAuth(
        "id", CLIENT_SECRET, token_url="http://auth.example.com/token", allow_insecure_http=True
    )
    with pytest.raises(ConfigurationError):
        ClientCredentialsAuth("id", CLIENT_SECRET, token_url="http:evil.example")


# --- typed errors only, with the right "was it sent?" ----------------------------------------


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "-5", "1e308", "NaN", "  ", "soon"])
def test_a_hostile_retry_after_gives_a_bounded_finite_wait(value: str) -> None:
    clock = FakeClock()
    limited = envelope(429, "RATE_LIMITED", "TooManyRequests")
    limited.headers["Retry-After"] = value
    recorder = Recorder(limited)
    with pytest.raises(RateLimitedError):
        make_client(recorder, clock=clock, max_attempts=3, max_backoff=10).send([MESSAGE])
    assert len(clock.sleeps) == 2
    assert all(0.0 <= wait <= 10.0 for wait in clock.sleeps)


@settings(max_examples=60, derandomize=True, database=None)
@given(st.text(max_size=40) | st.floats(allow_nan=True).map(repr))
def test_any_retry_after_text_parses_to_none_or_a_finite_non_negative_number(text: str) -> None:
    seconds = parse_retry_after(text)
    assert seconds is None or (seconds >= 0 and seconds != float("inf") and seconds == seconds)


def gzipped(raw: bytes) -> httpx.Response:
    # A lazy stream: the client, not the test, decodes it.
    return httpx.Response(200, headers={"Content-Encoding": "gzip"}, stream=httpx.ByteStream(raw))


def test_a_success_with_a_broken_gzip_body_is_an_unknown_outcome() -> None:
    broken = gzipped(b"\x1f\x8bnot gzip")
    recorder = Recorder(broken)
    with pytest.raises(OutcomeUnknownError, match="probably sent") as caught:
        make_client(recorder).send([MESSAGE])
    assert "not every message has a sourceId" in str(caught.value)
    assert len(recorder.requests) == 1


def test_a_broken_gzip_body_is_retried_when_the_send_is_idempotent() -> None:
    # Idempotent: every message has a sourceId and the host was seen to honour them.
    messages = with_ids()
    body = json.dumps({"responses": [{"sourceId": messages[0]["sourceId"]}]}).encode()
    good = gzipped(gzip.compress(body))
    broken = gzipped(b"\x1f\x8bxx")
    recorder = Recorder(broken, good)
    answer = make_client(recorder, honours_ids=True).send(messages)
    assert len(recorder.send_requests) == 2 and len(answer.responses) == 1


@pytest.mark.parametrize(
    ("raised", "retried"),
    [
        (httpx.ProxyError("407 Proxy Authentication Required"), True),
        (httpx.UnsupportedProtocol("Request URL has an unsupported protocol 'gopher://'"), False),
        (httpx.LocalProtocolError("Illegal header value"), False),
    ],
    ids=["proxy", "unsupported-protocol", "local-protocol"],
)
def test_failures_before_sending_say_nothing_was_sent(raised: Exception, retried: bool) -> None:
    recorder = Recorder(raised)
    with pytest.raises(RequestNotSentError, match="nothing was sent"):
        make_client(recorder, max_attempts=3).send([MESSAGE])
    assert len(recorder.requests) == (3 if retried else 1)


@pytest.mark.parametrize(
    "hostname",
    [
        "http:evil.example",
        "http://xn--localhost",
        "https://xn--ls8h.example",
        "exa mple.com",
        "https://user:pass@gotham.example.com",
        "https://user:pass@gotham.example.com/?q=1",
        "gotham.example.com?x=1",
        "gotham.example.com#frag",
        "https://gotham\x00.example.com",
        "https://a\udc80b.example.com",
    ],
)
def test_a_hostile_hostname_is_a_configuration_error_at_construction(hostname: str) -> None:
    with pytest.raises(ConfigurationError) as caught:
        InboxClient(hostname, auth=TokenAuth(TOKEN), transport=httpx.MockTransport(Recorder(ok())))
    assert "user:pass" not in str(caught.value)  # a password in the hostname is never quoted


def test_a_lone_surrogate_is_refused_by_validation_and_nothing_is_sent() -> None:
    recorder = Recorder(ok())
    bad = {**MESSAGE, "title": {"value": "release \ud800 is live"}}
    with pytest.raises(InvalidMessagesError) as caught:
        make_client(recorder).send([bad])
    assert recorder.requests == []
    (problem,) = caught.value.problems
    assert problem.path == "messages[0].title.value" and "lone surrogate" in problem.reason


def test_a_lone_surrogate_never_crashes_source_id_derivation() -> None:
    bad = {**MESSAGE, "sender": {"displayName": "bot\udc80"}}
    first = derive_source_id("project", "dev", "announce", bad)
    assert first == derive_source_id("project", "dev", "announce", bad)
    assert uuid.UUID(with_source_id(bad, "project", "dev", "announce")["sourceId"])
    # Valid text keeps the id it always had (a changed id would re-send every message).
    assert derive_source_id("project", "dev", "announce", MESSAGE) == derive_source_id(
        "project", "dev", "announce", json.loads(json.dumps(MESSAGE))
    )


# --- the token endpoint ----------------------------------------------------------------------


def client_credentials(clock: FakeClock) -> ClientCredentialsAuth:
    return ClientCredentialsAuth("pipeline", CLIENT_SECRET, clock=clock)


def test_a_503_at_the_token_endpoint_is_retried_then_the_send_goes_once() -> None:
    clock = FakeClock()
    unavailable = envelope(503, "INTERNAL", "Unavailable")
    unavailable.headers["Retry-After"] = "2"
    recorder = Recorder(routed([unavailable, token_answer("access-1")], [ok()]))
    make_client(recorder, clock=clock, auth=client_credentials(clock)).send([MESSAGE])
    assert len(recorder.send_requests) == 1
    assert clock.sleeps == [2.0]


def test_a_token_endpoint_down_every_time_never_claims_an_unknown_send() -> None:
    clock = FakeClock()
    recorder = Recorder(routed([envelope(503, "INTERNAL", "Unavailable")] * 3, []))
    with pytest.raises(TokenEndpointError) as caught:
        make_client(recorder, clock=clock, auth=client_credentials(clock), max_attempts=3).send(
            [MESSAGE]
        )
    text = str(caught.value)
    assert caught.value.retryable and caught.value.status_code == 503
    assert "no message was sent" in text and "may or may not" not in text
    assert "clientSecret" not in text  # a 503 is not a credentials problem
    assert recorder.send_requests == [] and len(clock.sleeps) == 2


@pytest.mark.parametrize(
    "raised",
    [httpx.ReadTimeout("slow"), httpx.ConnectTimeout("slow"), httpx.RemoteProtocolError("eof")],
)
def test_a_timeout_at_the_token_endpoint_is_retried_and_says_nothing_was_sent(
    raised: Exception,
) -> None:
    clock = FakeClock()
    recorder = Recorder(raised)
    with pytest.raises(TokenEndpointError) as caught:
        make_client(recorder, clock=clock, auth=client_credentials(clock), max_attempts=2).send(
            [MESSAGE]
        )
    assert "no message was sent" in str(caught.value)
    assert "may or may not" not in str(caught.value)
    assert len(recorder.requests) == 2 and recorder.send_requests == []


@pytest.mark.parametrize("status", [400, 401])
def test_a_refusal_at_the_token_endpoint_names_the_credentials_and_is_not_retried(
    status: int,
) -> None:
    clock = FakeClock()
    recorder = Recorder(routed([envelope(status, "INVALID_ARGUMENT", "invalid_client")], []))
    with pytest.raises(TokenEndpointError, match="gotham:clientId and gotham:clientSecret"):
        make_client(recorder, clock=clock, auth=client_credentials(clock)).send([MESSAGE])
    assert len(recorder.requests) == 1 and clock.sleeps == []


def test_a_token_request_gets_the_send_timeout() -> None:
    clock = FakeClock()
    recorder = Recorder(routed([token_answer("access-1")], [ok()]))
    make_client(recorder, clock=clock, auth=client_credentials(clock)).send([MESSAGE])
    token_request = recorder.requests[0]
    assert token_request.url.path == "/multipass/api/oauth2/token"
    assert token_request.extensions["timeout"]["read"] is not None


# --- bounded work: the overall deadline, the answer size, completeness -----------------------


class DribblingStream(httpx.SyncByteStream):
    """One byte per chunk, each chunk 0.5 s later on the fake clock; finite, and counted."""

    def __init__(self, clock: FakeClock, chunks: int = 1000) -> None:
        self.clock = clock
        self.chunks = chunks
        self.served = 0

    def __iter__(self) -> Iterator[bytes]:
        for _ in range(self.chunks):
            self.clock.now += 0.5
            self.served += 1
            yield b" "


def test_a_dribbling_answer_is_cut_at_the_overall_deadline() -> None:
    clock = FakeClock()
    stream = DribblingStream(clock)
    recorder = Recorder(httpx.Response(200, stream=stream))
    client = InboxClient(
        "gotham.example.com",
        auth=TokenAuth(TOKEN),
        retry=RetryPolicy(sleep=clock.sleep, clock=clock),
        transport=httpx.MockTransport(recorder),
        timeout=2,
        deadline=5,
    )
    with pytest.raises(OutcomeUnknownError, match="5 s deadline"):
        client.send([MESSAGE])
    assert stream.served == 10  # 10 chunks x 0.5 s: stopped at the deadline, not at the end


def test_each_attempt_gets_no_more_time_than_the_deadline_leaves() -> None:
    clock = FakeClock()
    recorder = Recorder(ok())
    client = InboxClient(
        "gotham.example.com",
        auth=TokenAuth(TOKEN),
        retry=RetryPolicy(sleep=clock.sleep, clock=clock),
        transport=httpx.MockTransport(recorder),
        timeout=30,
        deadline=4,
    )
    client.send([MESSAGE])
    timeouts = recorder.requests[0].extensions["timeout"]
    assert all(value is not None and value <= 4 for value in timeouts.values())


def test_retries_stop_at_the_overall_deadline() -> None:
    clock = FakeClock()
    # 429 proves nothing was processed, so it is retried whatever the sourceIds.
    limited = envelope(429, "TOO_MANY_REQUESTS", "RateLimited")
    limited.headers["Retry-After"] = "3"
    recorder = Recorder(limited)
    client = InboxClient(
        "gotham.example.com",
        auth=TokenAuth(TOKEN),
        retry=RetryPolicy(sleep=clock.sleep, clock=clock, max_attempts=10),
        transport=httpx.MockTransport(recorder),
        deadline=7,
    )
    with pytest.raises(RateLimitedError):
        client.send([MESSAGE])
    assert clock.sleeps == [3.0, 3.0]  # a third 3 s wait would leave no time to send


@pytest.mark.parametrize("deadline", [0, -1, float("nan"), float("inf")])
def test_a_nonsense_deadline_is_a_configuration_error(deadline: float) -> None:
    with pytest.raises(ConfigurationError, match="deadline"):
        InboxClient("gotham.example.com", auth=TokenAuth(TOKEN), deadline=deadline)


class CountingStream(httpx.SyncByteStream):
    def __init__(self, chunk: bytes, chunks: int) -> None:
        self.chunk = chunk
        self.chunks = chunks
        self.served = 0

    def __iter__(self) -> Iterator[bytes]:
        for _ in range(self.chunks):
            self.served += 1
            yield self.chunk


def reading_at_most(max_answer_bytes: int, answer: httpx.Response) -> InboxClient:
    """A client of a host answering ``answer`` that reads at most ``max_answer_bytes`` of it."""
    return InboxClient(
        "gotham.example.com",
        auth=TokenAuth(TOKEN),
        transport=httpx.MockTransport(Recorder(answer)),
        max_answer_bytes=max_answer_bytes,
    )


def test_an_answer_over_the_size_limit_is_not_read_whole() -> None:
    stream = CountingStream(b"x" * 1024, chunks=10_000)  # 10 MiB on offer
    client = reading_at_most(64 * 1024, httpx.Response(200, stream=stream))
    with pytest.raises(OutcomeUnknownError, match="65536-byte limit"):
        client.send([MESSAGE])
    assert stream.served == 65  # stopped just past the limit


def test_an_error_answer_over_the_size_limit_is_still_the_typed_error() -> None:
    stream = CountingStream(b"<html>" * 1000, chunks=10_000)
    client = reading_at_most(16 * 1024, httpx.Response(502, stream=stream))
    with pytest.raises(InternalServerError, match="non-JSON error body"):
        client.send([MESSAGE])
    assert stream.served < 10


@pytest.mark.parametrize(
    "answer", [{}, {"responses": []}, {"responses": [], "failures": []}], ids=str
)
def test_a_success_that_does_not_account_for_every_message_is_an_unknown_outcome(
    answer: dict[str, Any],
) -> None:
    recorder = Recorder(httpx.Response(200, json=answer))
    with pytest.raises(IncompleteAnswerError, match="accounts for 0") as caught:
        make_client(recorder).send([MESSAGE])
    assert isinstance(caught.value, OutcomeUnknownError)
    assert caught.value.answer.responses == []


# --- parity with the official client ---------------------------------------------------------


def test_scopes_are_a_list_and_offline_access_is_added_like_the_official_client() -> None:
    clock = FakeClock()
    auth = ClientCredentialsAuth(
        "pipeline", CLIENT_SECRET, scopes=["api:inbox-write", "api:usage"], clock=clock
    )
    recorder = Recorder(routed([token_answer("access-1")], [ok()]))
    make_client(recorder, clock=clock, auth=auth).send([MESSAGE])
    form = dict(httpx.QueryParams(recorder.requests[0].content.decode()))
    assert form["scope"] == "api:inbox-write api:usage offline_access"
    with pytest.raises(ConfigurationError, match="list"):
        ClientCredentialsAuth("pipeline", CLIENT_SECRET, scopes="api:inbox-write")


def test_a_gateway_path_prefix_is_kept_for_the_api_and_the_token_url() -> None:
    clock = FakeClock()
    recorder = Recorder(routed([token_answer("access-1")], [ok()]))
    client = InboxClient(
        "gateway.example.com/gotham",
        auth=client_credentials(clock),
        retry=RetryPolicy(sleep=clock.sleep, clock=clock),
        transport=httpx.MockTransport(
            lambda request: (
                token_answer("access-1")
                if request.url.path.endswith("/oauth2/token")
                else recorder(request)
            )
        ),
    )
    client.send([MESSAGE])
    assert recorder.requests[0].url.path == "/gotham/api/gotham/v1/inbox/messages"
    auth = client_credentials(clock)
    request = httpx.Request("POST", "https://gateway.example.com/gotham/api/gotham/v1/inbox/x")
    assert str(auth.token_url_for(request)) == (
        "https://gateway.example.com/gotham/multipass/api/oauth2/token"
    )


def test_the_user_agent_names_the_version_and_python_like_the_official_client() -> None:
    recorder = Recorder(ok())
    make_client(recorder).send([MESSAGE])
    agent = recorder.requests[0].headers["User-Agent"]
    assert re.fullmatch(r"gotham-inbox/\S+ python/3\.\d+", agent), agent


def test_a_ca_directory_and_the_ca_environment_variables_are_honoured(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copy(certifi.where(), tmp_path / "ca.pem")
    InboxClient("gotham.example.com", auth=TokenAuth(TOKEN), verify=str(tmp_path)).close()
    for variable in ("REQUESTS_CA_BUNDLE", "SSL_CERT_FILE", "SSL_CERT_DIR"):
        monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
        monkeypatch.delenv("SSL_CERT_FILE", raising=False)
        monkeypatch.delenv("SSL_CERT_DIR", raising=False)
        monkeypatch.setenv(variable, str(tmp_path / "missing"))
        with pytest.raises(ConfigurationError, match=variable):
            InboxClient("gotham.example.com", auth=TokenAuth(TOKEN))
        monkeypatch.setenv(
            variable, str(tmp_path if variable == "SSL_CERT_DIR" else certifi.where())
        )
        InboxClient("gotham.example.com", auth=TokenAuth(TOKEN)).close()


class OneShotProxy:
    """A loopback HTTP proxy that answers one request itself and records its request line."""

    def __init__(self, answer: bytes) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.request_line = ""
        self.answer = answer
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        connection, _ = self.server.accept()
        with connection:
            received = b""
            while b"\r\n\r\n" not in received:
                received += connection.recv(65536)
            head, _, body = received.partition(b"\r\n\r\n")
            length = int(re.search(rb"(?i)content-length: (\d+)", head).group(1))  # type: ignore[union-attr]
            while len(body) < length:
                body += connection.recv(65536)
            self.request_line = head.split(b"\r\n", 1)[0].decode()
            connection.sendall(self.answer)
        self.server.close()


@pytest.mark.parametrize("how", ["explicit", "environment"])
def test_requests_go_through_a_proxy_explicit_or_from_the_environment(
    how: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    body = json.dumps({"responses": [{"sourceId": str(uuid.uuid4())}]}).encode()
    proxy = OneShotProxy(
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n"
        + f"Content-Length: {len(body)}\r\n\r\n".encode()
        + body
    )
    proxy_url = f"http://127.0.0.1:{proxy.port}"
    for variable in ("NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(variable, raising=False)
    if how == "environment":
        monkeypatch.setenv("HTTP_PROXY", proxy_url)
    client = InboxClient(
        "http://gotham.test",
        auth=TokenAuth(TOKEN),
        allow_insecure_http=True,
        proxy=proxy_url if how == "explicit" else None,
        timeout=10,
    )
    with client:
        client.send([MESSAGE])
    proxy.thread.join(timeout=10)
    assert proxy.request_line == (
        "POST http://gotham.test/api/gotham/v1/inbox/messages?preview=true HTTP/1.1"
    )


def test_a_proxy_that_is_not_a_url_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="proxy"):
        InboxClient("gotham.example.com", auth=TokenAuth(TOKEN), proxy="ftp://proxy:21")


@pytest.mark.parametrize(
    ("variable", "value"),
    [("ALL_PROXY", "socks5://127.0.0.1:1"), ("HTTPS_PROXY", "gopher://x"), ("HTTPS_PROXY", "::::")],
)
def test_unusable_proxy_variables_are_a_configuration_error(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigurationError, match="HTTPS_PROXY"):
        InboxClient("gotham.example.com", auth=TokenAuth(TOKEN))


@pytest.mark.parametrize(
    "payload",
    [
        {"token_type": "bearer"},
        {"access_token": "", "expires_in": 60},
        {"access_token": "a\nb-token-value", "expires_in": 60},
        {"access_token": "good-token", "expires_in": "NaN"},
        {"access_token": "good-token", "expires_in": -5},
        ["not", "an", "object"],
    ],
    ids=["no-token", "empty", "line-break", "nan-lifetime", "negative-lifetime", "list"],
)
def test_an_unusable_token_answer_is_a_token_endpoint_error(payload: Any) -> None:
    clock = FakeClock()
    recorder = Recorder(routed([httpx.Response(200, json=payload)], []))
    with pytest.raises(TokenEndpointError, match="no usable access_token") as caught:
        make_client(recorder, clock=clock, auth=client_credentials(clock)).send([MESSAGE])
    assert not caught.value.retryable and recorder.send_requests == []
    assert "b-token-value" not in str(caught.value)


def test_a_huge_token_answer_is_not_read_whole() -> None:
    clock = FakeClock()
    stream = CountingStream(b"x" * 65536, chunks=1000)  # 64 MiB on offer
    recorder = Recorder(routed([httpx.Response(200, stream=stream)], []))
    with pytest.raises(TokenEndpointError, match="byte limit"):
        make_client(recorder, clock=clock, auth=client_credentials(clock)).send([MESSAGE])
    assert stream.served == 17  # stopped just past 1 MiB


SERVER_BODIES = st.one_of(
    st.binary(max_size=80),
    st.sampled_from(
        [
            b"{}",
            b'{"responses": [{"sourceId": "not-a-uuid"}]}',
            b'{"responses": "x"}',
            b'{"errorCode": 1, "errorName": null}',
            b"[" * 5000,
            b'{"responses": [{"sourceId": "%s"}]}' % str(uuid.uuid4()).encode(),
            json.dumps({"errorCode": "X", "errorName": "Y", "parameters": [1]}).encode(),
        ]
    ),
)
SERVER_HEADERS = st.dictionaries(
    st.sampled_from(["Retry-After", "Content-Encoding", "Content-Type", "Content-Length"]),
    st.sampled_from(
        ["nan", "-1", "1e400", "gzip", "br", "deflate", "identity", "0", "9" * 30, "x"]
    ),
    max_size=3,
)


@settings(max_examples=80, derandomize=True, database=None, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from([200, 201, 204, 400, 401, 404, 409, 413, 429, 500, 502, 503, 599]),
            SERVER_HEADERS,
            SERVER_BODIES,
        ),
        min_size=1,
        max_size=4,
    ),
    st.booleans(),
)
def test_whatever_the_server_answers_send_returns_or_raises_a_typed_error(
    answers: list[tuple[int, dict[str, str], bytes]], with_source_ids: bool
) -> None:
    script = [
        httpx.Response(status, headers=headers, stream=httpx.ByteStream(body))
        for status, headers, body in answers
    ]
    clock = FakeClock()
    recorder = Recorder(*script, httpx.ReadTimeout("the end"))
    messages = with_ids() if with_source_ids else [MESSAGE]
    try:
        make_client(recorder, clock=clock, max_attempts=len(script)).send(messages)
    except GothamInboxError as error:
        assert TOKEN not in str(error)
    assert all(0.0 <= wait <= 10.0 for wait in clock.sleeps)
    assert len(recorder.requests) <= len(script)


def test_an_error_body_nested_thousands_deep_is_still_the_typed_error() -> None:
    # Found by the fuzzer above: json.loads raised RecursionError out of send().
    deep = httpx.Response(400, content=b"[" * 5000)
    with pytest.raises(GothamInboxError, match="non-JSON error body"):
        make_client(Recorder(deep)).send([MESSAGE])
