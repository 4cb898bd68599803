"""``gotham-inbox doctor`` against hosts that are not Gotham, or that echo what they are sent.

The verdict must never be "a deploy would work" unless the answers are Gotham's own (its error
envelope), and no output (text, JSON, standard error, logs) may show any part of a credential
the run held: the configured token or client secret, or an access token issued during it.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import httpx
import pytest

from gotham_inbox import InboxClient, RetryPolicy, TokenAuth
from gotham_inbox.cli import main
from gotham_inbox.doctor import Diagnosis, DoctorFinding
from gotham_inbox.doctor import Doctor as DoctorRun
from tests.doctor.doctor_support import Answer, scripted_host
from tests.doctor.test_doctor import CREDENTIAL_VARIABLES
from tests.support import page_cutting_the_token, shows_any_part

CLIENT_SECRET = "doctor-client-secret-61c0f2"
STATIC_TOKEN = "doctor-static-token-9e2d4b1a"
ENVELOPE_KEYS = ("errorCode", "errorName", "errorInstanceId", "parameters")


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for variable in CREDENTIAL_VARIABLES:
        monkeypatch.delenv(variable, raising=False)
    yield


def gotham_envelope(status: int, code: str, name: str, **parameters: object) -> Answer:
    body = {
        "errorCode": code,
        "errorName": name,
        "errorInstanceId": "i-1",
        "parameters": parameters,
    }
    return status, {"Content-Type": "application/json"}, json.dumps(body).encode()


def echo_in_error_name(path: str, headers: dict[str, str]) -> Answer:
    return gotham_envelope(403, "PERMISSION_DENIED", f"Denied:{headers['Authorization']}")


def html_with_the_token_across_the_cut(path: str, headers: dict[str, str]) -> Answer:
    # The token starts 18 characters before the 200th: a cut before redaction shows 18. A 500,
    # so that the finding quotes the answer (a 400 used to pass as a validation refusal).
    body = page_cutting_the_token(headers["Authorization"])
    return 500, {"Content-Type": "text/html"}, body.encode()


def echo_in_parameters(path: str, headers: dict[str, str]) -> Answer:
    return gotham_envelope(
        400, "INVALID_ARGUMENT", "UnknownRecipients", echoed=headers["Authorization"]
    )


def token_of(headers: dict[str, str]) -> str:
    return headers["Authorization"].removeprefix("Bearer ")


def html_wrapping_the_token_at_10_columns(path: str, headers: dict[str, str]) -> Answer:
    token = token_of(headers)
    lines = "\n".join(token[at : at + 10] for at in range(0, len(token), 10))
    return 400, {"Content-Type": "text/html"}, f"<html><pre>{lines}</pre></html>".encode()


def html_echoing_the_middle_of_the_token(path: str, headers: dict[str, str]) -> Answer:
    body = f"<html>invalid token {token_of(headers)[1:-1]}</html>"
    return 400, {"Content-Type": "text/html"}, body.encode()


def envelope_echoing_the_middle_of_the_token(path: str, headers: dict[str, str]) -> Answer:
    token = token_of(headers)
    return gotham_envelope(400, "INVALID_ARGUMENT", f"Bad {token[2:-2]}", auth=token[1:-1])


@pytest.mark.parametrize("output", ["text", "json"])
@pytest.mark.parametrize("login", ["client credentials", "token"])
@pytest.mark.parametrize(
    ("script", "code"),
    [
        (echo_in_error_name, 1),
        (html_with_the_token_across_the_cut, 1),
        (echo_in_parameters, 0),
        (html_wrapping_the_token_at_10_columns, 1),
        (html_echoing_the_middle_of_the_token, 1),
        (envelope_echoing_the_middle_of_the_token, 1),
    ],
    ids=["error-name", "html-across-the-cut", "parameters", "wrapped", "middle", "envelope-middle"],
)
def test_no_output_shows_any_part_of_a_credential_the_run_held(
    script: object,
    code: int,
    login: str,
    output: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    with scripted_host(script) as host:  # type: ignore[arg-type]
        if login == "token":
            monkeypatch.setenv("GOTHAM_TOKEN", STATIC_TOKEN)
        else:
            monkeypatch.setenv("GOTHAM_CLIENT_ID", "pipeline")
            monkeypatch.setenv("GOTHAM_CLIENT_SECRET", CLIENT_SECRET)
        exit_code = main(["doctor", "--hostname", host.base_url, "--format", output])
    captured = capsys.readouterr()
    if output == "json":
        json.loads(captured.out)  # still valid JSON
    shown = "\n".join([captured.out, captured.err, caplog.text])
    assert exit_code == code, shown
    held = [CLIENT_SECRET, STATIC_TOKEN, *host.issued]
    assert host.issued or login == "token"
    for secret in held:
        assert not shows_any_part(shown, secret), (secret, shown)


def diagnose(answer: httpx.Response | None = None, **client: object) -> Diagnosis:
    """The doctor against a host answering every probe with ``answer``."""
    clock_now = [0.0]

    def handle(request: httpx.Request) -> httpx.Response:
        assert answer is not None
        return answer

    def sleep(seconds: float) -> None:
        clock_now[0] += seconds

    retry = RetryPolicy(sleep=sleep, clock=lambda: clock_now[0], jitter=False)
    with InboxClient(
        "gotham.example.com",
        auth=TokenAuth(STATIC_TOKEN),
        transport=httpx.MockTransport(handle),
        retry=retry,
        **client,  # type: ignore[arg-type]
    ) as inbox:
        return DoctorRun(inbox).run()


def the_only_failure(diagnosis: Diagnosis, check: str) -> DoctorFinding:
    """The failed finding ``check``, after which nothing the answer cannot prove is claimed."""
    assert not diagnosis.works
    found = {finding.check: finding.status for finding in diagnosis.findings}
    assert found[check] == "fail", found
    assert "authentication" not in found and "validation" not in found, found
    (finding,) = [f for f in diagnosis.findings if f.check == check]
    return finding


@pytest.mark.parametrize(
    "answer",
    [
        httpx.Response(400, html="<html><h1>400 Bad Request</h1>Request blocked.</html>"),
        httpx.Response(422, html="<html>WAF: request rejected</html>"),
        httpx.Response(400, json={"error": "blocked by policy"}),  # a gateway's own JSON
        httpx.Response(400, json={"errorCode": "INVALID_ARGUMENT", "errorName": "X"}),  # a part
        httpx.Response(401, html="<html>login required</html>"),
        httpx.Response(500, html="<html>Internal Server Error</html>"),
    ],
    ids=["html-400", "html-422", "other-json", "half-envelope", "html-401", "html-500"],
)
def test_an_answer_without_gotham_s_error_envelope_is_not_the_api(answer: httpx.Response) -> None:
    finding = the_only_failure(diagnose(answer), "api")
    assert "without Gotham's error envelope" in finding.summary


def test_gotham_s_validation_refusal_still_means_a_deploy_would_work() -> None:
    refusal = httpx.Response(
        400,
        json={
            "errorCode": "INVALID_ARGUMENT",
            "errorName": "UnknownRecipients",
            "errorInstanceId": "5d0c",
            "parameters": {"groupRecipients": []},
        },
    )
    diagnosis = diagnose(refusal)
    assert diagnosis.works
    assert {f.check: f.status for f in diagnosis.findings}["validation"] == "ok"


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_a_redirect_is_not_an_accepted_token(status: int) -> None:
    redirect = httpx.Response(status, headers={"Location": "https://sso.example.com/"})
    finding = the_only_failure(diagnose(redirect), "api")
    assert f"redirect (HTTP {status})" in finding.summary


def test_an_endless_429_is_reported_as_rate_limited() -> None:
    limited = httpx.Response(
        429,
        headers={"Retry-After": "1"},
        json={
            "errorCode": "RATE_LIMITED",
            "errorName": "TooManyRequests",
            "errorInstanceId": "1",
            "parameters": {},
        },
    )
    finding = the_only_failure(diagnose(limited), "rate limit")
    assert "429 (rate-limited)" in finding.summary and "run the doctor again" in finding.action


@pytest.mark.parametrize("status", [502, 503, 504])
def test_an_unavailable_host_or_gateway_is_reported_as_unavailable(status: int) -> None:
    # Palantir's APIs may answer 503 with no body (docs/errors.md): not "not the API".
    diagnosis = diagnose(httpx.Response(status))
    the_only_failure(diagnosis, "availability")
    assert all(finding.check != "api" for finding in diagnosis.findings)


@pytest.mark.parametrize(
    "answer",
    [
        httpx.Response(200, html="<html><form action='/sso/login'>Sign in</form></html>"),
        httpx.Response(200, json={"status": "ok"}),  # JSON, but not a SendMessagesResponse
        httpx.Response(204),
    ],
    ids=["sso-login-page", "other-json", "no-content"],
)
def test_a_2xx_that_is_not_a_send_messages_response_is_not_the_api(answer: httpx.Response) -> None:
    # An SSO login page answering 200 was reported as Gotham accepting an impossible message.
    finding = the_only_failure(diagnose(answer), "api")
    assert f"HTTP {answer.status_code}" in finding.summary
    assert "without Gotham's SendMessagesResponse" in finding.summary
    assert "ACCEPTED" not in finding.summary


def test_a_send_messages_response_to_the_probe_is_reported_as_accepted() -> None:
    accepted = httpx.Response(200, json={"responses": [{"sourceId": "s-1"}], "failures": []})
    diagnosis = diagnose(accepted)
    assert not diagnosis.works
    (finding,) = [f for f in diagnosis.findings if f.check == "validation"]
    assert finding.status == "fail"
    assert "ACCEPTED a message to a group that cannot exist" in finding.summary


@pytest.mark.parametrize("name", ["Bad Request", "InvalidMessageRequests", "Default:Internal"])
def test_an_envelope_naming_another_error_is_not_a_validation_refusal(name: str) -> None:
    # Only the errors the probe's unknown group and made-up marking get prove it reached
    # validation; "a deploy would work" on any other 400 envelope was a false verdict.
    refusal = gotham_envelope_response(400, name)
    diagnosis = diagnose(refusal)
    assert not diagnosis.works
    (finding,) = [f for f in diagnosis.findings if f.check == "validation"]
    assert finding.status == "fail" and "unexpected answer to the probe" in finding.summary
    assert name in finding.summary


@pytest.mark.parametrize(
    "name",
    ["UnknownRecipients", "InvalidMessagePortionMarkings", "Gotham:UnknownRecipients"],
)
def test_the_probe_s_own_refusals_mean_a_deploy_would_work(name: str) -> None:
    diagnosis = diagnose(gotham_envelope_response(400, name))
    assert diagnosis.works
    assert {f.check: f.status for f in diagnosis.findings}["validation"] == "ok"


def gotham_envelope_response(status: int, name: str) -> httpx.Response:
    body = {"errorCode": "INVALID_ARGUMENT", "errorName": name, "errorInstanceId": "5d0c"}
    return httpx.Response(status, json={**body, "parameters": {}})
