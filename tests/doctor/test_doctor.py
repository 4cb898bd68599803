"""``gotham-inbox doctor``: the right verdict for each host, and nothing is ever delivered."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from gotham_inbox.cli import main
from gotham_inbox.emulator.testing import RunningEmulator, running_emulator

MODES = ("honour", "ignore", "reject")
CREDENTIAL_VARIABLES = (
    "GOTHAM_TOKEN",
    "GOTHAM_CLIENT_ID",
    "GOTHAM_CLIENT_SECRET",
    "GOTHAM_HOSTNAME",
    "GOTHAM_SOURCE_IDS",
    "GOTHAM_CA_BUNDLE",
)


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for variable in CREDENTIAL_VARIABLES:
        monkeypatch.delenv(variable, raising=False)


@pytest.fixture(params=MODES)
def emulator(request: pytest.FixtureRequest) -> Iterator[RunningEmulator]:
    with running_emulator(source_ids=request.param) as running:
        yield running


Doctor = Callable[..., tuple[int, dict[str, Any]]]


@pytest.fixture
def doctor(capsys: pytest.CaptureFixture[str]) -> Doctor:
    def run(*arguments: str) -> tuple[int, dict[str, Any]]:
        code = main(["doctor", *arguments, "--format", "json"])
        out = capsys.readouterr().out
        return code, json.loads(out) if out.strip() else {}

    return run


def statuses(report: dict[str, Any]) -> dict[str, str]:
    return {finding["check"]: finding["status"] for finding in report["findings"]}


def test_each_mode_gets_its_verdict_and_nothing_is_stored(
    emulator: RunningEmulator, doctor: Doctor, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GOTHAM_TOKEN", emulator.token_for("release-bot"))
    code, report = doctor("--hostname", emulator.base_url)
    assert code == 0, report
    assert report["deployWouldWork"] is True
    expected = "refused" if emulator.source_ids == "reject" else "accepted"
    assert report["sourceIds"] == expected
    found = statuses(report)
    assert found["authentication"] == found["producer"] == found["validation"] == "ok"
    assert found["preview"] == "ok"
    assert found["sourceIds"] == ("warn" if expected == "refused" else "info")
    assert emulator.messages() == []


def test_send_refused_by_the_host_would_not_work(
    doctor: Doctor, monkeypatch: pytest.MonkeyPatch
) -> None:
    with running_emulator(source_ids="reject") as emulator:
        monkeypatch.setenv("GOTHAM_TOKEN", emulator.token_for("release-bot"))
        monkeypatch.setenv("GOTHAM_SOURCE_IDS", "send")
        code, report = doctor("--hostname", emulator.base_url)
        assert code == 1
        assert statuses(report)["sourceIds"] == "fail"
        (finding,) = [f for f in report["findings"] if f["check"] == "sourceIds"]
        assert "'auto'" in finding["action"]
        assert emulator.messages() == []


def test_a_non_producer_and_a_wrong_token_would_not_work(
    doctor: Doctor, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with running_emulator() as emulator:
        monkeypatch.setenv("GOTHAM_TOKEN", emulator.token_for("intern"))
        code, report = doctor("--hostname", emulator.base_url)
        assert code == 1 and statuses(report)["producer"] == "fail"
        assert "External Inbox Alert Producers" in json.dumps(report)

        wrong = "wrong-token-5e6f7a8b9c"
        monkeypatch.setenv("GOTHAM_TOKEN", wrong)
        code, report = doctor("--hostname", emulator.base_url)
        assert code == 1 and statuses(report)["authentication"] == "fail"
        assert wrong not in json.dumps(report)
        assert emulator.messages() == []


def test_client_credentials_are_used_like_the_provider_uses_them(
    doctor: Doctor, monkeypatch: pytest.MonkeyPatch
) -> None:
    with running_emulator() as emulator:
        monkeypatch.setenv("GOTHAM_CLIENT_ID", "release-pipeline")
        monkeypatch.setenv("GOTHAM_CLIENT_SECRET", "emu-secret-5a3e8c19d07f42b6")
        assert doctor("--hostname", emulator.base_url)[0] == 0
        monkeypatch.setenv("GOTHAM_CLIENT_SECRET", "not-the-secret-1234")
        code, report = doctor("--hostname", emulator.base_url)
        assert code == 1 and statuses(report)["authentication"] == "fail"
        assert "not-the-secret-1234" not in json.dumps(report)


def test_plain_http_to_a_host_that_is_not_loopback_would_not_work(
    doctor: Doctor, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GOTHAM_TOKEN", "some-token-value")
    code, report = doctor("--hostname", "http://gotham.example.com")
    assert code == 1
    assert statuses(report) == {"transport": "fail"}
    assert "some-token-value" not in json.dumps(report)


@pytest.mark.parametrize(
    ("arguments", "why"),
    [
        ([], "--hostname"),
        (["--hostname", "gotham.example.com"], "no Gotham credentials"),
        (["--hostname", "h", "--send-test-message"], "--to-group"),
        (["--hostname", "gotham.example.com", "--ca-bundle", "/no/such.pem"], "caBundle"),
    ],
)
def test_bad_input_exits_2_and_says_what_to_give(
    arguments: list[str],
    why: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if why != "no Gotham credentials":
        monkeypatch.setenv("GOTHAM_TOKEN", "some-token-value")
    assert main(["doctor", *arguments]) == 2
    assert why in capsys.readouterr().err


@pytest.mark.parametrize(
    ("mode", "verdict", "stored"),
    [("honour", "honoured", 1), ("ignore", "ignored", 1), ("reject", "refused", 0)],
)
def test_the_opt_in_test_message_tells_honoured_from_ignored(
    doctor: Doctor, monkeypatch: pytest.MonkeyPatch, mode: str, verdict: str, stored: int
) -> None:
    with running_emulator(source_ids=mode) as emulator:
        monkeypatch.setenv("GOTHAM_TOKEN", emulator.token_for("release-bot"))
        code, report = doctor(
            "--hostname", emulator.base_url, "--send-test-message", "--to-group", "platform-team"
        )
        assert code == 0, report
        assert report["sourceIds"] == verdict
        # One real message at most: under honour the repeat is refused as a conflict.
        assert len(emulator.messages()) == stored


def test_a_project_stack_is_read_and_its_secret_token_comes_from_the_environment(
    tmp_path: Path, doctor: Doctor, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    with running_emulator() as emulator:
        (tmp_path / "Pulumi.yaml").write_text("name: proj\nruntime: python\n")
        (tmp_path / "__main__.py").write_text("")
        (tmp_path / "Pulumi.prod.yaml").write_text(
            "config:\n"
            f"  gotham:hostname: {emulator.base_url}\n"
            "  gotham:token:\n    secure: v1:AAAA\n"
        )
        assert main(["doctor", str(tmp_path), "--stack", "prod"]) == 2
        assert "GOTHAM_TOKEN" in capsys.readouterr().err
        monkeypatch.setenv("GOTHAM_TOKEN", emulator.token_for("release-bot"))
        code, report = doctor(str(tmp_path), "--stack", "prod")
        assert code == 0 and report["target"].startswith(emulator.base_url)
        assert main(["doctor", str(tmp_path), "--stack", "nope"]) == 2


@pytest.mark.parametrize(
    "runtime", ["nodejs", "go", "yaml", "{name: nodejs, options: {typescript: true}}"]
)
def test_a_project_of_any_runtime_is_read(
    runtime: str, tmp_path: Path, doctor: Doctor, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The gotham provider plugin serves every Pulumi language: the doctor runs no program, so
    # it reads the stack of a TypeScript, Go or YAML project as it reads a Python one's.
    with running_emulator() as emulator:
        (tmp_path / "Pulumi.yaml").write_text(f"name: proj\nruntime: {runtime}\n")
        (tmp_path / "Pulumi.prod.yaml").write_text(
            f"config:\n  gotham:hostname: {emulator.base_url}\n  gotham:sourceIDs: send\n"
        )
        monkeypatch.setenv("GOTHAM_TOKEN", emulator.token_for("release-bot"))
        code, report = doctor(str(tmp_path), "--stack", "prod")
        assert report["target"].startswith(emulator.base_url), report
        found = statuses(report)
        assert found["validation"] == "ok" and found["config"] == "fail", found
        assert code == 1 and emulator.messages() == []


def test_text_output_says_what_each_finding_means_and_what_to_do(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    with running_emulator(source_ids="ignore") as emulator:
        monkeypatch.setenv("GOTHAM_TOKEN", emulator.token_for("release-bot"))
        assert main(["doctor", "--hostname", emulator.base_url]) == 0
    text = capsys.readouterr().out
    assert "verdict: a deploy would work (sourceIds: accepted)" in text
    assert "cannot be told without sending" in text
    assert "means:" in text and "do:" in text
    # The emulator is plain http: the connection finding must not claim TLS worked.
    assert "the network path works (plain http: no TLS)" in text and "TLS and the" not in text


def test_a_plain_http_host_given_without_scheme_is_told_to_give_the_scheme_not_a_ca(
    doctor: Doctor, monkeypatch: pytest.MonkeyPatch
) -> None:
    with running_emulator() as emulator:  # plain http: the TLS handshake fails
        monkeypatch.setenv("GOTHAM_TOKEN", emulator.token_for("release-bot"))
        code, report = doctor("--hostname", emulator.hostname)  # no scheme: https
        assert code == 1
        (finding,) = [f for f in report["findings"] if f["check"] == "connection"]
        assert finding["status"] == "fail"
        assert "speaks plain HTTP, not TLS" in finding["summary"]
        # The scheme is the problem, not the CA (a host with an untrusted certificate still
        # gets the --ca-bundle advice: tests/foundation/test_client_tls.py).
        assert f"--hostname {emulator.base_url}" in finding["action"]
        assert "--ca-bundle" not in finding["action"]
        assert emulator.messages() == []


def test_a_host_without_the_inbox_api_would_not_work(
    doctor: Doctor, monkeypatch: pytest.MonkeyPatch
) -> None:
    with running_emulator() as emulator:
        monkeypatch.setenv("GOTHAM_TOKEN", emulator.token_for("release-bot"))
        code, report = doctor(
            "--hostname", emulator.base_url + "/elsewhere", "--send-test-message", "--to-group", "g"
        )
        assert code == 1
        assert statuses(report)["api"] == "fail"
        assert statuses(report)["test message"] == "info"  # not sent: the checks failed
        assert emulator.messages() == []


# -- the doctor probes through the deploy's own client ----------------------------------------

ISSUED_ACCESS_TOKEN = "issued-access-token-0123456789"


def _hostile_gotham(request: Any) -> Any:
    """Issues an access token, then refuses the caller and echoes the header it was sent."""
    import httpx

    if request.url.path.endswith("/oauth2/token"):
        return httpx.Response(200, json={"access_token": ISSUED_ACCESS_TOKEN, "expires_in": 3600})
    return httpx.Response(
        403,
        json={
            "errorCode": "PERMISSION_DENIED",
            "errorName": "ApiUsageDenied",
            "errorInstanceId": "x",
            "parameters": {"youSent": request.headers.get("Authorization", "")},
        },
    )


def test_no_finding_shows_an_access_token_the_server_echoes() -> None:
    import httpx

    from gotham_inbox._auth import ClientCredentialsAuth
    from gotham_inbox.client import InboxClient
    from gotham_inbox.doctor import Doctor as DoctorRun

    auth = ClientCredentialsAuth("pipeline", "client-secret-value-42")
    with InboxClient(
        "gotham.example.com", auth=auth, transport=httpx.MockTransport(_hostile_gotham)
    ) as client:
        diagnosis = DoctorRun(client).run()
    shown = json.dumps(diagnosis.to_json())
    assert {f.check: f.status for f in diagnosis.findings}["producer"] == "fail"
    assert ISSUED_ACCESS_TOKEN not in shown and "client-secret-value-42" not in shown
    assert "ApiUsageDenied" in shown  # the finding still says why


def test_the_probe_answer_is_read_within_the_client_s_size_limit() -> None:
    import httpx

    from gotham_inbox._auth import TokenAuth
    from gotham_inbox.client import InboxClient
    from gotham_inbox.doctor import Doctor as DoctorRun

    chunk = b" " * 65536
    served = 0

    def endless_refusal() -> Iterator[bytes]:
        nonlocal served
        yield b'{"errorCode": "INVALID_ARGUMENT", "errorName": "UnknownRecipients"'
        for _ in range(1024):  # 64 MiB of whitespace, produced only as far as it is read
            served += 1
            yield chunk

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(400, content=endless_refusal())

    with InboxClient(
        "gotham.example.com",
        auth=TokenAuth("some-token-value"),
        transport=httpx.MockTransport(handler),
        max_answer_bytes=1024 * 1024,
    ) as client:
        diagnosis = DoctorRun(client).run()
    assert diagnosis.findings  # the doctor finished with findings
    # Three probes, each cut at 1 MiB (17 chunks) by the client's limit, not read to the end.
    assert served <= 3 * 17, served


def test_a_token_with_a_line_break_is_refused_without_showing_it(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GOTHAM_TOKEN", "s3cr3t-token-value\nline2")
    assert main(["doctor", "--hostname", "gotham.example.com"]) == 2
    captured = capsys.readouterr()
    assert "s3cr3t-token-value" not in captured.out + captured.err
    assert "control character" in captured.err and captured.err.count("\n") == 1


def test_the_deploy_s_proxy_setting_is_used(
    doctor: Doctor, monkeypatch: pytest.MonkeyPatch
) -> None:
    import socket

    with socket.socket() as closed:  # a port nothing listens on: the proxy is unreachable
        closed.bind(("127.0.0.1", 0))
        proxy = f"http://127.0.0.1:{closed.getsockname()[1]}"
    with running_emulator() as emulator:
        monkeypatch.setenv("GOTHAM_TOKEN", emulator.token_for("release-bot"))
        assert doctor("--hostname", emulator.base_url)[0] == 0
        monkeypatch.setenv("GOTHAM_PROXY", proxy)
        code, report = doctor("--hostname", emulator.base_url)
        assert code == 1 and statuses(report)["connection"] == "fail"
        assert "nothing was sent" in report["findings"][-1]["summary"]


def test_the_ca_environment_variables_are_the_deploy_s(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GOTHAM_TOKEN", "some-token-value")
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)  # it would win over SSL_CERT_FILE
    monkeypatch.setenv("SSL_CERT_FILE", "/no/such/ca.pem")
    assert main(["doctor", "--hostname", "gotham.example.com"]) == 2
    assert "SSL_CERT_FILE" in capsys.readouterr().err


def test_the_stack_s_proxy_setting_is_used(
    tmp_path: Path, doctor: Doctor, monkeypatch: pytest.MonkeyPatch
) -> None:
    import socket

    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        proxy = f"http://127.0.0.1:{closed.getsockname()[1]}"
    with running_emulator() as emulator:
        (tmp_path / "Pulumi.yaml").write_text("name: proj\nruntime: python\n")
        (tmp_path / "__main__.py").write_text("")
        (tmp_path / "Pulumi.prod.yaml").write_text(
            f"config:\n  gotham:hostname: {emulator.base_url}\n  gotham:proxy: {proxy}\n"
        )
        monkeypatch.setenv("GOTHAM_TOKEN", emulator.token_for("release-bot"))
        code, report = doctor(str(tmp_path), "--stack", "prod")
        assert code == 1 and statuses(report)["connection"] == "fail"
        assert "proxy" in json.dumps(report).lower() and emulator.messages() == []


def test_a_misspelt_gotham_key_in_the_stack_is_a_failing_finding(
    tmp_path: Path, doctor: Doctor, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    with running_emulator() as emulator:
        (tmp_path / "Pulumi.yaml").write_text("name: proj\nruntime: python\n")
        (tmp_path / "__main__.py").write_text("")
        stack = tmp_path / "Pulumi.prod.yaml"
        stack.write_text(
            f"config:\n  gotham:hostname: {emulator.base_url}\n  gotham:sourceIDs: send\n"
        )
        monkeypatch.setenv("GOTHAM_TOKEN", emulator.token_for("release-bot"))
        code, report = doctor(str(tmp_path), "--stack", "prod")
        # The host works, but the provider would fail every check on the key.
        assert code == 1 and statuses(report)["config"] == "fail"
        (finding,) = [item for item in report["findings"] if item["check"] == "config"]
        assert (
            "Pulumi.prod.yaml: stack config gotham:sourceIDs is not a gotham-inbox setting"
            in (finding["summary"])
        )
        assert "did you mean 'gotham:sourceIds'?" in finding["summary"]
        # gotham:hostnme: no host to diagnose, and the error says why.
        stack.write_text(f"config:\n  gotham:hostnme: {emulator.base_url}\n")
        assert main(["doctor", str(tmp_path), "--stack", "prod"]) == 2
        error = capsys.readouterr().err
        assert "the stack has no gotham:hostname" in error
        assert "did you mean 'gotham:hostname'?" in error
        assert emulator.messages() == []


def test_the_gotham_namespace_in_another_case_is_named_when_the_hostname_is_missing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "Pulumi.yaml").write_text("name: proj\nruntime: nodejs\n")
    (tmp_path / "Pulumi.prod.yaml").write_text("config:\n  Gotham:hostname: http://127.0.0.1:9\n")
    assert main(["doctor", str(tmp_path), "--stack", "prod"]) == 2
    error = capsys.readouterr().err
    assert "the stack has no gotham:hostname" in error
    assert "Pulumi.prod.yaml: stack config Gotham:hostname is in namespace 'Gotham'" in error
    assert "did you mean 'gotham:hostname'?" in error
