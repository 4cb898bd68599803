"""TLS verification that works: a loopback https host with a certificate from a private CA.

The host's certificate is signed by a CA made for the test (``trustme``), which no system
trust store holds. Trusting that CA through ``gotham:caBundle`` (a file or a CA directory),
``SSL_CERT_FILE`` or ``SSL_CERT_DIR`` makes a send and the doctor work; without it, the
handshake fails and nothing is sent.
"""

from __future__ import annotations

import json
import ssl
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import trustme

from gotham_inbox._retry import NO_RETRIES
from gotham_inbox.cli import main
from gotham_inbox.errors import RequestNotSentError
from gotham_inbox.providers.settings import ProviderSettings

TOKEN = "tls-test-token-value"
MESSAGE = {
    "groupRecipients": [{"name": "release-watchers"}],
    "sender": {"displayName": "release-bot"},
    "title": {"value": "release 4.2 is live"},
    "security": {"portionMarkings": ["UNCLASSIFIED"]},
    "sourceId": "6d1f0a52-3f7e-4b43-9d8c-0c8a4f6b1a01",
}
CA_VARIABLES = ("REQUESTS_CA_BUNDLE", "SSL_CERT_FILE", "SSL_CERT_DIR", "GOTHAM_CA_BUNDLE")


class _InboxHandler(BaseHTTPRequestHandler):
    """The send endpoint, just enough: doctor probes are refused, other messages are sent."""

    received: list[dict[str, Any]]

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.received.append(body)
        messages = body["messages"]
        answer: dict[str, Any]
        if any(
            recipient["name"].startswith("gotham-inbox-doctor-")
            for message in messages
            for recipient in message["groupRecipients"]
        ):
            status, answer = (
                400,
                {
                    "errorCode": "INVALID_ARGUMENT",
                    "errorName": "UnknownRecipients",
                    "errorInstanceId": "tls-1",
                    "parameters": {},
                },
            )
        else:
            status = 200
            answer = {"responses": [{"sourceId": m["sourceId"]} for m in messages], "failures": []}
        data = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: Any) -> None:
        pass


class TlsHost:
    def __init__(self, base_url: str, ca_file: Path, ca_dir: Path, received: list[Any]) -> None:
        self.base_url = base_url
        self.ca_file = ca_file
        self.ca_dir = ca_dir
        self.received = received


@pytest.fixture
def tls_host(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[TlsHost]:
    for variable in CA_VARIABLES:  # this machine's trust settings must not decide the test
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.delenv("GOTHAM_TOKEN", raising=False)
    ca = trustme.CA()
    certificate = ca.issue_cert("127.0.0.1", "localhost")
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    # A CA directory in OpenSSL's c_rehash layout: <subject hash>.0
    subject_hash = subprocess.run(
        ["openssl", "x509", "-hash", "-noout", "-in", str(ca_file)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    ca_dir = tmp_path / "ca-dir"
    ca_dir.mkdir()
    ca.cert_pem.write_to_path(str(ca_dir / f"{subject_hash}.0"))

    received: list[Any] = []
    handler = type("Handler", (_InboxHandler,), {"received": received})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    certificate.configure_cert(context)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield TlsHost(f"https://127.0.0.1:{server.server_address[1]}", ca_file, ca_dir, received)
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def send_with(config: dict[str, str], environ: dict[str, str]) -> Any:
    settings = ProviderSettings.resolve(config, environ)
    with settings.client() as client:
        client.retry = NO_RETRIES
        return client.deliver([MESSAGE])


@pytest.mark.parametrize("trust", ["file", "directory"])
def test_gotham_ca_bundle_makes_a_private_ca_s_host_trusted(tls_host: TlsHost, trust: str) -> None:
    ca = tls_host.ca_file if trust == "file" else tls_host.ca_dir
    config = {
        "gotham:hostname": tls_host.base_url,
        "gotham:token": TOKEN,
        "gotham:caBundle": str(ca),
    }
    delivery = send_with(config, {})
    assert [result.status for result in delivery.results] == ["sent"]
    assert len(tls_host.received) == 1


def test_without_the_ca_the_handshake_fails_and_nothing_is_sent(tls_host: TlsHost) -> None:
    config = {"gotham:hostname": tls_host.base_url, "gotham:token": TOKEN}
    with pytest.raises(RequestNotSentError, match="CERTIFICATE_VERIFY_FAILED"):
        send_with(config, {})
    assert tls_host.received == []


@pytest.mark.parametrize("variable", ["SSL_CERT_FILE", "SSL_CERT_DIR", "REQUESTS_CA_BUNDLE"])
def test_the_ca_environment_variables_make_the_host_trusted(
    tls_host: TlsHost, variable: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    location = tls_host.ca_dir if variable == "SSL_CERT_DIR" else tls_host.ca_file
    monkeypatch.setenv(variable, str(location))
    config = {"gotham:hostname": tls_host.base_url, "gotham:token": TOKEN}
    assert [result.status for result in send_with(config, {}).results] == ["sent"]


def test_the_doctor_trusts_the_ca_it_is_given_and_says_what_to_do_without_it(
    tls_host: TlsHost, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("GOTHAM_TOKEN", TOKEN)
    arguments = ["doctor", "--hostname", tls_host.base_url, "--format", "json"]
    assert main([*arguments, "--ca-bundle", str(tls_host.ca_file)]) == 0
    findings = {f["check"]: f for f in json.loads(capsys.readouterr().out)["findings"]}
    assert findings["connection"]["status"] == "ok"
    assert findings["validation"]["status"] == "ok"
    assert main(arguments) == 1
    findings = {f["check"]: f for f in json.loads(capsys.readouterr().out)["findings"]}
    assert findings["connection"]["status"] == "fail"
    assert "--ca-bundle" in findings["connection"]["action"]
    # Every request that reached the host was a probe it refused: nothing was delivered.
    assert all(
        r["groupRecipients"][0]["name"].startswith("gotham-inbox-doctor-")
        for body in tls_host.received
        for r in body["messages"]
    )


def test_the_doctor_reads_gotham_ca_bundle_from_the_stack(
    tls_host: TlsHost, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = tmp_path / "project"
    project.mkdir()
    (project / "Pulumi.yaml").write_text("name: proj\nruntime: python\n")
    (project / "__main__.py").write_text("")
    stack = project / "Pulumi.prod.yaml"
    stack.write_text(f"config:\n  gotham:hostname: {tls_host.base_url}\n")
    monkeypatch.setenv("GOTHAM_TOKEN", TOKEN)
    assert main(["doctor", str(project), "--stack", "prod"]) == 1  # the CA is not trusted
    stack.write_text(
        f"config:\n  gotham:hostname: {tls_host.base_url}\n  gotham:caBundle: {tls_host.ca_dir}\n"
    )
    assert main(["doctor", str(project), "--stack", "prod"]) == 0
