"""Hostile callers, each tried as a new user would: the emulator bounds its work and its
answers, keeps serving others, and leaks nothing. Measured numbers: docs/errors.md ("Hostile
callers") and ``python -m bench.hostile``."""

from __future__ import annotations

import logging
import socket
import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import yaml

from gotham_inbox.cli import main as cli_main
from gotham_inbox.directory import DirectoryError, load_directory, parse_directory
from gotham_inbox.emulator import app as emulator_app
from gotham_inbox.emulator.envelope import MAX_LISTED_PROBLEMS
from gotham_inbox.emulator.oauth import TokenIssuer
from gotham_inbox.emulator.rules import review_batch
from gotham_inbox.emulator.testing import RunningEmulator, running_emulator
from tests.emulator.emulator_helpers import ADMIN, RELEASE_BOT, SEND, app_client, message
from tests.support import FakeClock

JSON = {**RELEASE_BOT, "Content-Type": "application/json"}


def empty_messages(count: int) -> bytes:
    return b'{"messages":[' + b",".join([b"{}"] * count) + b"]}"


# -- bounded work and answers ----------------------------------------------------------------


def test_a_megabyte_of_empty_messages_is_refused_early_with_a_small_answer() -> None:
    body = empty_messages(349_000)
    assert len(body) < 1024 * 1024  # under the default body limit
    with app_client() as (client, store):
        response = client.post(SEND, content=body, headers=JSON)
        assert store.messages() == []
    assert response.status_code == 400
    answer = response.json()
    assert answer["errorName"] == "InvalidMessageRequests"
    assert "349000 messages in one request" in answer["parameters"]["inboxErrorMessage"]
    assert len(response.content) < 4096  # was 188 MB: one problem per missing field


def test_a_batch_under_the_message_limit_lists_a_bounded_number_of_problems() -> None:
    with app_client() as (client, _):
        response = client.post(SEND, content=empty_messages(5000), headers=JSON)
    parameters = response.json()["parameters"]
    assert response.status_code == 400
    assert len(parameters["problems"]) == MAX_LISTED_PROBLEMS
    assert parameters["problemsTruncated"] is True
    assert len(response.content) < 64 * 1024


def test_without_the_message_limit_a_megabyte_of_empty_messages_still_gets_a_small_answer() -> None:
    data = {**load_directory_data(), "limits": {"max_messages_per_request": 1_000_000}}
    with app_client(parse_directory(data)) as (client, store):
        response = client.post(SEND, content=empty_messages(349_000), headers=JSON)
        assert store.messages() == []
    assert response.status_code == 400
    parameters = response.json()["parameters"]
    assert len(parameters["problems"]) == MAX_LISTED_PROBLEMS
    assert parameters["problemsTruncated"] is True
    assert len(response.content) < 64 * 1024


def load_directory_data() -> dict[str, Any]:
    from gotham_inbox.directory import example_directory_path

    loaded: dict[str, Any] = yaml.safe_load(example_directory_path().read_text())
    return loaded


def test_a_long_review_does_not_stall_other_requests(monkeypatch: pytest.MonkeyPatch) -> None:
    # Reviewing is CPU work; if it ran on the event loop, nothing else would be answered until
    # it finished. Hold a review open and ask for health meanwhile.
    started, release = threading.Event(), threading.Event()

    def slow_review(*args: Any, **kwargs: Any) -> Any:
        started.set()
        release.wait(30)
        return review_batch(*args, **kwargs)

    monkeypatch.setattr(emulator_app, "review_batch", slow_review)
    with running_emulator() as emulator:
        sending = threading.Thread(
            target=httpx.post,
            args=(emulator.base_url + SEND,),
            kwargs={"json": {"messages": [message()]}, "headers": RELEASE_BOT, "timeout": 60},
        )
        sending.start()
        try:
            assert started.wait(30)
            assert httpx.get(emulator.base_url + "/emulator/health", timeout=10).is_success
        finally:
            release.set()
            sending.join(60)
        assert len(emulator.messages()) == 1


def test_directory_limits_are_configurable_and_refused_as_invalid_message_requests() -> None:
    data: dict[str, Any] = {
        "markings": ["UNCLASSIFIED"],
        "groups": [
            {"name": "a", "realm": "r"},
            {"name": "b", "realm": "r"},
            {"name": "External Inbox Alert Producers", "realm": "r"},
        ],
        "users": [
            {
                "name": "bot",
                "realm": "r",
                "token": "t",
                "groups": ["External Inbox Alert Producers"],
            }
        ],
        "limits": {"max_recipients_per_message": 1, "max_title_length": 5, "max_body_length": 3},
    }
    directory = parse_directory(data)
    batch = [
        message(groupRecipients=[{"name": "a"}, {"name": "b"}], title={"value": "hello!"}),
        message(groupRecipients=[{"name": "a"}], title={"value": "ok"}, body=None),
    ]
    batch[1]["body"] = {"value": "long", "formatStyle": "UNFORMATTED"}
    for item in batch:
        item["security"] = {"portionMarkings": ["UNCLASSIFIED"]}
    with app_client(directory) as (client, store):
        response = client.post(
            SEND, json={"messages": batch}, headers={"Authorization": "Bearer t"}
        )
        assert store.messages() == []
    assert response.status_code == 400
    parameters = response.json()["parameters"]
    assert response.json()["errorName"] == "InvalidMessageRequests"
    assert [p["path"] for p in parameters["problems"]] == [
        "messages[0].groupRecipients",
        "messages[0].title.value",
        "messages[1].body.value",
    ]
    assert "2 recipients; Inbox allows at most 1" in parameters["inboxErrorMessage"]
    assert load_directory().limits.max_recipients_per_message == 100  # the default


# -- OAuth2: RFC 7009 and token purging ------------------------------------------------------

TWO_CLIENTS: dict[str, Any] = {
    "markings": ["UNCLASSIFIED"],
    "groups": [{"name": "External Inbox Alert Producers", "realm": "r"}],
    "users": [
        {"name": "one", "realm": "r", "groups": ["External Inbox Alert Producers"]},
        {"name": "two", "realm": "r", "groups": ["External Inbox Alert Producers"]},
    ],
    "clients": [
        {"client_id": "one", "client_secret": "secret-one", "user": "one"},
        {"client_id": "two", "client_secret": "secret-two", "user": "two"},
    ],
}
REVOKE = "/multipass/api/oauth2/revoke_token"
TOKEN = "/multipass/api/oauth2/token"


def _token(client: httpx.Client, who: str) -> str:
    form = {"grant_type": "client_credentials", "client_id": who, "client_secret": f"secret-{who}"}
    access: str = client.post(TOKEN, data=form).json()["access_token"]
    return access


def test_a_client_may_revoke_only_its_own_tokens() -> None:
    with app_client(parse_directory(TWO_CLIENTS)) as (client, _):
        victim = _token(client, "one")
        stolen = client.post(
            REVOKE, data={"client_id": "two", "client_secret": "secret-two", "token": victim}
        )
        assert stolen.status_code == 400
        assert stolen.json()["error"] == "unauthorized_client"
        still = client.post(
            SEND, json={"messages": []}, headers={"Authorization": f"Bearer {victim}"}
        )
        assert still.status_code != 401, "the token survived another client's revoke"
        own = client.post(
            REVOKE, data={"client_id": "one", "client_secret": "secret-one", "token": victim}
        )
        assert own.status_code == 200
        gone = client.post(
            SEND, json={"messages": []}, headers={"Authorization": f"Bearer {victim}"}
        )
        assert gone.status_code == 401
        # RFC 7009 2.2: revoking an unknown or already revoked token is a 200.
        again = client.post(
            REVOKE, data={"client_id": "one", "client_secret": "secret-one", "token": victim}
        )
        assert again.status_code == 200


def test_expired_tokens_are_purged_and_each_client_holds_a_bounded_number() -> None:
    clock = FakeClock()
    issuer = TokenIssuer(60, clock=clock, max_live_per_client=3)
    tokens = [issuer.issue("release-bot", "ci").access_token for _ in range(3)]
    assert len(issuer) == 3
    clock.now += 61
    issuer.issue("release-bot", "ci")
    assert len(issuer) == 1, "the expired tokens were forgotten"
    assert issuer.user_for(tokens[0]) == (None, False)
    newest = [issuer.issue("release-bot", "ci").access_token for _ in range(5)]
    assert len(issuer) == 3
    assert issuer.user_for(newest[0]) == (None, False)  # the oldest made room
    assert issuer.user_for(newest[-1]) == ("release-bot", False)


# -- the CLI and the routes ------------------------------------------------------------------


@pytest.mark.parametrize("port", ["99999", "-1", "65536", "http"])
def test_an_out_of_range_port_is_refused_with_exit_2(
    port: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        cli_main(["emulator", "--port", port])
    assert exited.value.code == 2
    assert "--port" in capsys.readouterr().err


def test_a_trailing_slash_is_a_404_not_a_redirect_built_from_the_host_header() -> None:
    with app_client() as (client, _):
        response = client.post(
            SEND.replace("?", "/?"),
            json={"messages": [message()]},
            headers={**RELEASE_BOT, "Host": "evil.example"},
        )
    assert response.status_code == 404
    assert response.content == b""
    assert "location" not in response.headers


@pytest.fixture
def served() -> Iterator[RunningEmulator]:
    with running_emulator() as emulator:
        yield emulator


def test_the_emulator_store_needs_the_admin_token(served: RunningEmulator) -> None:
    httpx.post(served.base_url + SEND, json={"messages": [message()]}, headers=RELEASE_BOT)
    url = served.base_url + "/emulator/messages"
    for headers in ({}, RELEASE_BOT, {"Authorization": "Bearer not-the-admin"}):
        assert httpx.get(url, headers=headers).status_code == 401
        assert httpx.delete(url, headers=headers).status_code == 401
    assert len(served.messages()) == 1, "nothing was wiped"
    assert httpx.get(url, headers=served.admin_headers).json()["messages"]
    served.clear()
    assert served.messages() == []


def test_the_in_process_test_helpers_use_the_admin_token_too() -> None:
    with app_client() as (client, _):
        assert client.get("/emulator/messages").status_code == 401
        assert client.get("/emulator/messages", headers=ADMIN).json() == {"messages": []}


def test_a_client_that_hangs_up_mid_body_is_logged_without_a_traceback(
    served: RunningEmulator, caplog: pytest.LogCaptureFixture
) -> None:
    host, port = served.hostname.split(":")
    with caplog.at_level(logging.INFO):
        with socket.create_connection((host, int(port))) as raw:
            raw.sendall(
                b"POST /api/gotham/v1/inbox/messages?preview=true HTTP/1.1\r\n"
                b"Host: x\r\nAuthorization: Bearer emu-7c41e9a3f05b2d86\r\n"
                b"Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n"
                b'{"messages": ['
            )
        # The next request is answered only after the hung-up one was handled (one loop).
        for _ in range(50):
            if any("499" in record.getMessage() for record in caplog.records):
                break
            httpx.get(served.base_url + "/emulator/health")
    lines = [record.getMessage() for record in caplog.records]
    assert any("POST /api/gotham/v1/inbox/messages 499" in line for line in lines), lines
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info], lines


# -- directory errors never echo secrets -----------------------------------------------------


@pytest.mark.parametrize(
    "clients",
    [
        [{"client_id": "ci", "client_secret": 918273645, "user": "bot"}],
        ["ci:hunter2-secret", {"client_id": "x", "client_secret": "s", "user": "bot"}],
        [{"client_id": "ci", "client_secret": ["hunter2-secret"], "user": "bot"}],
    ],
    ids=["secret-not-a-string", "entry-not-a-mapping", "secret-a-list"],
)
def test_directory_errors_never_show_a_client_secret(clients: list[Any]) -> None:
    data = {
        "markings": ["U"],
        "groups": [{"name": "g", "realm": "r"}],
        "users": [{"name": "bot", "realm": "r", "token": 4815162342}],
        "clients": clients,
    }
    with pytest.raises(DirectoryError) as refused:
        parse_directory(data, "directory.yaml")
    text = str(refused.value)
    assert "clients[" in text and "users[0].token" in text
    for secret in ("918273645", "hunter2", "4815162342"):
        assert secret not in text
