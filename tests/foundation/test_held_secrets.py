"""Every credential the process has held stays out of every text, whole or in part.

The cases an outside pass found: an access token issued during the run (only the configured
secrets were known to the redaction), a token straddling the 200-character cut of a non-JSON
error body (its first 18 of 37 characters were shown), the previous access token after a
refresh, an error name that echoes the ``Authorization`` header. Each asserts on every way the
text leaves: the exception's str and repr, its envelope fields, and the log records.
"""

from __future__ import annotations

import base64
import html
import json
import logging
import re
from collections.abc import Iterator
from urllib.parse import quote

import httpx
import pytest

from gotham_inbox import (
    ClientCredentialsAuth,
    GothamInboxError,
    InboxClient,
    RetryPolicy,
    redaction,
)
from gotham_inbox.errors import GothamAPIError, TokenEndpointError
from gotham_inbox.redaction import HeldSecrets, hold_secret, redact, redacting_logger
from tests.foundation.client_support import (
    MESSAGE,
    Handler,
    Recorder,
    envelope,
    make_client,
    ok,
    token_answer,
)
from tests.support import (
    FakeClock,
    RevokedThenEchoing,
    page_cutting_the_token,
    shows_any_part,
)

CLIENT_SECRET = "held-client-secret-0b9e77"
FIRST_TOKEN = "first-access-token-5f1c2a9e0d3b7a61c4e"  # 37 characters, as in the report
SECOND_TOKEN = "second-access-token-a83d91e2c4f70b5d6"


def every_text(error: BaseException, caplog: pytest.LogCaptureFixture | str) -> str:
    """Everything of ``error`` a user or a log could see, and every log record."""
    logs = caplog if isinstance(caplog, str) else caplog.text
    parts = [str(error), repr(error), repr(error.args), logs]
    if isinstance(error, GothamAPIError):
        parts += [
            error.error_code,
            error.error_name,
            error.error_instance_id,
            repr(error.parameters),
        ]
    return "\n".join(parts)


def host(tokens: list[str], send: Handler) -> Recorder:
    """A token endpoint issuing ``tokens`` in turn, and ``send`` answering every send."""
    answers = [token_answer(token) for token in tokens]

    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/oauth2/token"):
            return answers.pop(0)
        return send(request)

    return Recorder(handle)


def credentials() -> ClientCredentialsAuth:
    return ClientCredentialsAuth("pipeline", CLIENT_SECRET, clock=FakeClock())


def refused_by(send: Handler, caplog: pytest.LogCaptureFixture) -> tuple[GothamAPIError, str]:
    """The error a send gets from a host answering with ``send``, and every text of it."""
    caplog.set_level(logging.DEBUG, logger="gotham_inbox")
    with pytest.raises(GothamAPIError) as caught:
        make_client(host([FIRST_TOKEN], send), auth=credentials()).send([MESSAGE])
    return caught.value, every_text(caught.value, caplog)


# --- the rules of the redaction ----------------------------------------------------------------


def test_a_held_secret_is_redacted_from_any_text_without_being_passed() -> None:
    secret = "held-for-the-process-e41f0a"
    assert redact(f"the server said {secret}") == f"the server said {secret}"
    hold_secret(secret)
    assert redact(f"the server said {secret}!") == "the server said ***!"


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("cut here: Bearer abcd1234efgh", "cut here: Bearer ***"),  # a head left by a cut
        ("'abcd1234efgh5678ij'", "'***'"),  # a head, then a quote added after the cut
        ("ij90klmn-0pqr: the tail", "***: the tail"),  # a tail left by a cut at the front
        ("abcd1234", "***"),  # a head of exactly 8 characters
        ("abcd123 and 0pqr", "abcd123 and 0pqr"),  # fewer than 8: tells nothing, left
    ],
)
def test_a_piece_a_cut_leaves_of_a_secret_is_redacted(text: str, shown: str) -> None:
    secret = "abcd1234efgh5678ij90klmn-0pqr"
    assert redact(text, [secret]) == shown


REVIEWED_TOKEN = "Tk1-ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghij"  # 39 characters, as in the review
QUOTING_SECRET = 'Tk1"AB&CD<EF/GH+IJ?KL=MN%op~qrstuvwxyz0123'  # a ", a & and more to escape


def base64_of(raw: bytes, *, urlsafe: bool = False) -> str:
    return (base64.urlsafe_b64encode if urlsafe else base64.b64encode)(raw).decode()


@pytest.mark.parametrize(
    ("secret", "echo"),
    [
        (
            REVIEWED_TOKEN,
            "\n".join(REVIEWED_TOKEN[at : at + 10] for at in range(0, 39, 10)),
        ),  # a <pre> wrapped at 10
        (REVIEWED_TOKEN, REVIEWED_TOKEN[1:-1]),  # the middle: neither a head nor a tail
        (REVIEWED_TOKEN, REVIEWED_TOKEN[2:-2]),
        (QUOTING_SECRET, json.dumps(QUOTING_SECRET)[1:-1]),  # inside a JSON string
        (QUOTING_SECRET, html.escape(QUOTING_SECRET)),  # inside an HTML page
        (
            QUOTING_SECRET,
            re.sub(
                "%[0-9A-F]{2}", lambda hexa: hexa.group().lower(), quote(QUOTING_SECRET, safe="")
            ),
        ),
        (QUOTING_SECRET, base64_of(QUOTING_SECRET.encode())),
        (QUOTING_SECRET, base64_of(QUOTING_SECRET.encode(), urlsafe=True).rstrip("=")),
        (REVIEWED_TOKEN, base64_of(f"Bearer {REVIEWED_TOKEN}".encode())[12:]),  # shifted by 1
        (REVIEWED_TOKEN, base64_of(f"user:{REVIEWED_TOKEN}".encode())[8:]),  # shifted by 2
    ],
    ids=[
        "wrapped",
        "middle",
        "middle-4",
        "json",
        "html",
        "lower-percent",
        "base64",
        "base64-urlsafe-unpadded",
        "base64-after-7-bytes",
        "base64-after-5-bytes",
    ],
)
def test_no_run_of_8_characters_of_any_spelling_is_shown(secret: str, echo: str) -> None:
    text = redact(f"<pre>refused: {echo}</pre>", [secret])
    assert text.startswith("<pre>refused: ***") and text.endswith("</pre>"), text
    for line in text.splitlines():
        assert not shows_any_part(line, echo.replace("\n", "")), text
    assert "***" in text and len(text) < len(echo), text


def test_a_run_shorter_than_8_characters_is_left() -> None:
    # 7 characters of a random credential tell nothing; redacting them would garble words.
    assert redact("ABCDEFG and Tk1-ABC", [REVIEWED_TOKEN]) == "ABCDEFG and Tk1-ABC"


def test_past_the_index_budget_the_oldest_secrets_keep_their_heads_and_tails_redacted(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The index is bounded (MAX_INDEXED_WINDOWS); the newest secrets are indexed in full.
    monkeypatch.setattr(redaction, "MAX_INDEXED_WINDOWS", 200)
    oldest, newest = "oldest-secret-" + "o" * 40, "newest-secret-" + "n" * 40
    held = HeldSecrets()
    held.hold(oldest, *(f"filler-secret-{number:04d}-xyz" for number in range(20)), newest)
    monkeypatch.setattr(redaction, "HELD_SECRETS", held)
    index = redaction._index_of(redaction.held_and_given())
    assert len(index.windows) <= 200
    assert redact(f"x {newest[3:-3]} x") == "x *** x"
    assert redact(f"x {oldest[:20]} x {oldest[-12:]}") == "x *** x ***"


def test_the_credential_variables_are_always_redacted(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOTHAM_TOKEN", "env-token-9a8b7c6d5e")
    monkeypatch.setenv("GOTHAM_CLIENT_SECRET", "env-client-secret-1f2e3d")
    text = redact("token env-token-9a8b7c6d5e secret env-client-secret-1f2e")
    assert text == "token *** secret ***"


def test_the_register_is_bounded_and_keeps_the_newest() -> None:
    held = HeldSecrets(limit=3)
    held.hold("one-secret", "two-secret", "three-secret", "four-secret")
    assert held.values() == ("two-secret", "three-secret", "four-secret")
    assert "four-secret" not in repr(held)


def test_our_log_records_never_carry_a_held_secret(caplog: pytest.LogCaptureFixture) -> None:
    hold_secret("logged-secret-77d1e0")
    with caplog.at_level(logging.DEBUG, logger="gotham_inbox.client"):
        redacting_logger("gotham_inbox.client").warning("echo %s", "logged-secret-77d1e0")
    assert "logged-secret" not in caplog.text and "echo ***" in caplog.text


# --- through the client --------------------------------------------------------------------------


def test_an_error_name_echoing_the_authorization_header_hides_the_access_token(
    caplog: pytest.LogCaptureFixture,
) -> None:
    def echo(request: httpx.Request) -> httpx.Response:
        authorization = request.headers["Authorization"]
        return envelope(403, "PERMISSION_DENIED", f"Denied:{authorization}", sent=authorization)

    error, text = refused_by(echo, caplog)
    assert not shows_any_part(text, FIRST_TOKEN), text
    assert not shows_any_part(text, CLIENT_SECRET)
    assert error.error_name == "Denied:Bearer ***"  # still says what the server said


def test_a_token_straddling_the_cut_of_a_non_json_body_is_not_shown_in_part(
    caplog: pytest.LogCaptureFixture,
) -> None:
    def page(request: httpx.Request) -> httpx.Response:
        body = page_cutting_the_token(request.headers["Authorization"])
        return httpx.Response(400, text=body, headers={"Content-Type": "text/html"})

    error, text = refused_by(page, caplog)
    assert not shows_any_part(text, FIRST_TOKEN), text
    assert "refused: xxx" in text and error.envelope is False


def test_a_token_cut_by_the_answer_size_limit_is_not_shown_in_part() -> None:
    # The client cuts an error body at max_answer_bytes; a token straddling that cut leaves its
    # head at the very end of what was read.
    def page(request: httpx.Request) -> httpx.Response:
        token = request.headers["Authorization"].removeprefix("Bearer ")
        return httpx.Response(400, content=b"<p>" + b"y" * 80 + token.encode() + b"</p>")

    clock = FakeClock()
    client = InboxClient(
        "gotham.example.com",
        auth=credentials(),
        retry=RetryPolicy(sleep=clock.sleep, clock=clock),
        transport=httpx.MockTransport(host([FIRST_TOKEN], page)),
        max_answer_bytes=83 + 20,  # 20 characters of the token are read
    )
    with pytest.raises(GothamAPIError) as caught:
        client.send([MESSAGE])
    assert not shows_any_part(str(caught.value), FIRST_TOKEN), str(caught.value)


def test_the_previous_access_token_stays_hidden_after_a_refresh(
    caplog: pytest.LogCaptureFixture,
) -> None:
    gotham = RevokedThenEchoing()
    recorder = host([FIRST_TOKEN, SECOND_TOKEN], gotham)
    client = make_client(recorder, auth=credentials())
    caplog.set_level(logging.DEBUG, logger="gotham_inbox")
    client.send([MESSAGE])
    with pytest.raises(GothamAPIError) as caught:
        client.send([MESSAGE])
    assert gotham.seen[-1] == f"Bearer {SECOND_TOKEN}"  # the refresh happened
    text = every_text(caught.value, caplog)
    assert not shows_any_part(text, FIRST_TOKEN), text
    assert not shows_any_part(text, SECOND_TOKEN), text


def test_no_secret_is_quoted_by_any_typed_error_whatever_the_body_echoes() -> None:
    # The echo anywhere in the envelope: code, name, instance id, parameter keys and values.
    def echo(request: httpx.Request) -> httpx.Response:
        header = request.headers["Authorization"]
        return httpx.Response(
            400,
            json={
                "errorCode": header,
                "errorName": header,
                "errorInstanceId": header,
                "parameters": {header: [header, {"deep": header}]},
            },
        )

    recorder = host([FIRST_TOKEN], echo)
    with pytest.raises(GothamInboxError) as caught:
        make_client(recorder, auth=credentials()).send([MESSAGE])
    assert isinstance(caught.value, GothamAPIError)
    assert not shows_any_part(every_text(caught.value, ""), FIRST_TOKEN)


# --- the token exchange counts against the deadline ---------------------------------------------


class DribblingTokenAnswer(httpx.SyncByteStream):
    """A 70-byte token answer, one byte per chunk, each 0.25 s later on the fake clock."""

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.body = b'{"access_token": "dribbled-token-0123456789abcdef", "expires_in": 99}'
        self.served = 0

    def __iter__(self) -> Iterator[bytes]:
        for byte in self.body:
            self.clock.now += 0.25
            self.served += 1
            yield bytes([byte])


def test_a_dribbling_token_endpoint_is_cut_at_the_send_s_deadline() -> None:
    clock = FakeClock()
    stream = DribblingTokenAnswer(clock)
    token_requests: list[httpx.Request] = []

    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/oauth2/token"):
            token_requests.append(request)
            return httpx.Response(200, stream=stream)
        return ok()

    client = InboxClient(
        "gotham.example.com",
        auth=ClientCredentialsAuth("pipeline", CLIENT_SECRET, clock=clock),
        retry=RetryPolicy(sleep=clock.sleep, clock=clock),
        transport=httpx.MockTransport(handle),
        deadline=3,
    )
    with pytest.raises(TokenEndpointError, match="3 s deadline") as caught:
        client.deliver([MESSAGE])
    assert "no message was sent" in str(caught.value)
    # 12 chunks x 0.25 s: stopped at the deadline, not after the whole 70 bytes.
    assert stream.served == 12, stream.served
    assert len(token_requests) == 1  # not retried: the deadline has passed
    # The token request's own timeouts are no longer than the deadline left.
    assert token_requests[0].extensions["timeout"]["read"] <= 3


def test_a_token_cut_after_its_first_characters_shows_none_of_them() -> None:
    # Fewer than 8 characters before the cut: only redacting before cutting hides them.
    token = "Zq9vX-cut-early-access-token-51e0c8a"

    def page(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            400, text=page_cutting_the_token(request.headers["Authorization"], shown=5)
        )

    with pytest.raises(GothamAPIError) as caught:
        make_client(host([token], page), auth=credentials()).send([MESSAGE])
    assert "Zq9v" not in str(caught.value) and "Zq9v" not in repr(caught.value)
    assert "Bearer **" in str(caught.value)


def test_a_log_line_quoting_a_refusal_never_shows_the_access_token(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # "auto" logs the host's refusal of the sourceId field by its error name, which a host may
    # fill with what it was sent; the record is written before the error is scrubbed.
    def refuse(request: httpx.Request) -> httpx.Response:
        if b"sourceId" in request.content:
            name = f"Refused:{request.headers['Authorization']}"
            return envelope(400, "INVALID_ARGUMENT", name, path="messages[0].sourceId")
        return ok()

    messages = [{**MESSAGE, "sourceId": "5b0f0b8e-3f6c-4f3e-9d0c-1f2e3d4c5b6a"}]
    caplog.set_level(logging.DEBUG, logger="gotham_inbox")
    make_client(host([FIRST_TOKEN], refuse), auth=credentials()).deliver(
        messages, source_ids="auto"
    )
    assert "refused the sourceId field (Refused:Bearer ***)" in caplog.text
    assert not shows_any_part(caplog.text, FIRST_TOKEN), caplog.text
