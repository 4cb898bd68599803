"""The official ``gotham-platform-python`` client, unchanged, against a running emulator."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import gotham
import httpx
import pytest
from gotham._core.api_client import ApiClient, RequestInfo
from gotham.v1.gotham.models import SendMessagesResponse

from gotham_inbox.directory import Directory
from gotham_inbox.emulator.testing import RunningEmulator, running_emulator
from tests.emulator.emulator_helpers import SEED_MESSAGE, error_parameters, message


def official(emulator: RunningEmulator, token: str) -> Any:
    return gotham.GothamClient(
        auth=gotham.UserTokenAuth(token),
        hostname=emulator.hostname,
        config=gotham.Config(scheme="http"),
    )


@pytest.fixture
def release_bot(gotham_emulator: RunningEmulator) -> Any:
    return official(gotham_emulator, gotham_emulator.token_for("release-bot"))


def test_the_documentation_example_is_sent_and_parsed(seed_directory: Directory) -> None:
    with running_emulator(seed_directory) as emulator:
        client = official(emulator, emulator.token_for("docs-bot"))
        answer = client.inbox.Messages.send(messages=[SEED_MESSAGE], preview=True)
        assert isinstance(answer, SendMessagesResponse)
        assert answer.failures == []
        (sent,) = answer.responses
        (record,) = emulator.messages()
        assert record["sourceId"] == str(sent.source_id)
        assert record["message"] == SEED_MESSAGE
        assert record["recipients"] == [{"name": "my-example-group", "realm": "example-realm"}]
        assert record["caller"] == "docs-bot"


def test_conflicting_source_ids_come_back_as_typed_failures(
    release_bot: Any, gotham_emulator: RunningEmulator
) -> None:
    source_id = str(uuid.uuid4())
    first = release_bot.inbox.Messages.send(messages=[message(sourceId=source_id)], preview=True)
    assert [str(sent.source_id) for sent in first.responses] == [source_id]
    again = release_bot.inbox.Messages.send(
        messages=[message(sourceId=source_id), message()], preview=True
    )
    assert [(str(f.source_id), f.reason) for f in again.failures] == [
        (source_id, "CONFLICTING_SOURCE_ID")
    ]
    assert len(again.responses) == 1
    assert len(gotham_emulator.messages()) == 2


def test_confidential_client_auth_gets_a_token_and_sends(gotham_emulator: RunningEmulator) -> None:
    client = gotham.GothamClient(
        auth=gotham.ConfidentialClientAuth("release-pipeline", "emu-secret-5a3e8c19d07f42b6"),
        hostname=gotham_emulator.hostname,
        config=gotham.Config(scheme="http"),
    )
    answer = client.inbox.Messages.send(messages=[message()], preview=True)
    assert len(answer.responses) == 1
    assert gotham_emulator.messages()[0]["caller"] == "release-bot"


def test_confidential_client_with_a_wrong_secret_is_refused(
    gotham_emulator: RunningEmulator,
) -> None:
    client = gotham.GothamClient(
        auth=gotham.ConfidentialClientAuth("release-pipeline", "wrong"),
        hostname=gotham_emulator.hostname,
        config=gotham.Config(scheme="http"),
    )
    # The official client wraps token-endpoint failures (an httpx error) in SDKInternalError.
    with pytest.raises(gotham.SDKInternalError) as caught:
        client.inbox.Messages.send(messages=[message()], preview=True)
    cause = caught.value.__cause__
    assert isinstance(cause, httpx.HTTPStatusError)
    assert cause.response.status_code == 401
    assert cause.response.json()["error"] == "invalid_client"  # RFC 6749 section 5.2
    assert gotham_emulator.messages() == []


ERROR_CASES: list[tuple[str, str, dict[str, Any], type[Exception], str]] = [
    ("unknown-token", "no-such-token", {}, gotham.UnauthorizedError, "Default:Unauthorized"),
    ("not-a-producer", "intern", {}, gotham.PermissionDeniedError, "ApiUsageDenied"),
    (
        "preview-false",
        "release-bot",
        {"preview": False},
        gotham.BadRequestError,
        "ApiFeaturePreviewUsageOnly",
    ),
    (
        "preview-omitted",
        "release-bot",
        {"preview": None},
        gotham.BadRequestError,
        "ApiFeaturePreviewUsageOnly",
    ),
    (
        "no-recipients",
        "release-bot",
        {"messages": [message(groupRecipients=[])]},
        gotham.BadRequestError,
        "InvalidMessageRequests",
    ),
    (
        "no-markings",
        "release-bot",
        {"messages": [message(security={"portionMarkings": []})]},
        gotham.BadRequestError,
        "InvalidMessagePortionMarkings",
    ),
    (
        "unknown-marking",
        "release-bot",
        {"messages": [message(security={"portionMarkings": ["TOP-SECRET"]})]},
        gotham.BadRequestError,
        "InvalidMessagePortionMarkings",
    ),
    (
        "group-not-in-callers-realm",
        "release-bot",
        {"messages": [message(groupRecipients=[{"name": "partner-ops"}])]},
        gotham.BadRequestError,
        "UnknownRecipients",
    ),
    (
        # The official models accept unknown fields; ours do not (a typo would drop data).
        "misspelt-field",
        "release-bot",
        {"messages": [message(sourceID=str(uuid.uuid4()))]},
        gotham.UnprocessableEntityError,
        "Conjure:UnprocessableEntity",
    ),
    (
        "invalid-source-id",
        "release-bot",
        {"messages": [message(sourceId="not-a-uuid")]},
        gotham.UnprocessableEntityError,
        "Conjure:UnprocessableEntity",
    ),
    (
        "marking-above-clearance",
        "partner-bot",
        {
            "messages": [
                message(
                    groupRecipients=[{"name": "partner-ops"}],
                    security={"portionMarkings": ["SENSITIVE"]},
                )
            ]
        },
        gotham.BadRequestError,
        "InvalidMessagePortionMarkings",
    ),
]


@pytest.mark.parametrize(
    ("caller", "call", "error_class", "error_name"),
    [case[1:] for case in ERROR_CASES],
    ids=[case[0] for case in ERROR_CASES],
)
def test_each_refusal_raises_the_official_typed_error(
    gotham_emulator: RunningEmulator,
    caller: str,
    call: dict[str, Any],
    error_class: type[Exception],
    error_name: str,
) -> None:
    users = {user.name for user in gotham_emulator.directory.users}
    token = gotham_emulator.token_for(caller) if caller in users else caller
    client = official(gotham_emulator, token)
    arguments = {"messages": [message()], "preview": True, **call}
    with pytest.raises(error_class) as caught:
        client.inbox.Messages.send(**arguments)
    assert type(caught.value) is error_class  # the send endpoint declares no throwable errors
    error: Any = caught.value
    assert error.name == error_name
    assert uuid.UUID(error.error_instance_id)
    assert error.parameters["reason"]
    if "problems" in error.parameters:
        assert error.parameters["messageIndex"] == 0
        assert error.parameters["field"]
    assert gotham_emulator.messages() == []


def test_oversized_request_is_the_official_413_error() -> None:
    with running_emulator(max_body_bytes=4096) as emulator:
        client = official(emulator, emulator.token_for("release-bot"))
        batch = [message(title={"value": "x" * 1000}) for _ in range(200)]  # ~200 KB
        with pytest.raises(gotham.RequestEntityTooLargeError) as caught:
            client.inbox.Messages.send(messages=batch, preview=True)
        assert caught.value.name == "Default:RequestEntityTooLarge"
        assert error_parameters(caught.value)["maxBytes"] == 4096
        assert emulator.messages() == []
        # The connection survives the refusal: the next request works.
        assert client.inbox.Messages.send(messages=[message()], preview=True).responses


def test_unknown_api_path_is_the_official_api_not_found_error(
    gotham_emulator: RunningEmulator,
) -> None:
    client = ApiClient(
        auth=gotham.UserTokenAuth("emu-7c41e9a3f05b2d86"),
        hostname=gotham_emulator.hostname,
        config=gotham.Config(scheme="http"),
    )
    request = RequestInfo.with_defaults("GET", "/gotham/v2/not-here", response_type=None)
    with pytest.raises(gotham.ApiNotFoundError):
        client.call_api(request)


def test_messages_in_a_file_database_survive_a_restart(tmp_path: Path) -> None:
    restarted_db = tmp_path / "inbox.db"
    source_id = str(uuid.uuid4())
    with running_emulator(db_path=restarted_db) as emulator:
        client = official(emulator, emulator.token_for("release-bot"))
        client.inbox.Messages.send(messages=[message(sourceId=source_id)], preview=True)
    with running_emulator(db_path=restarted_db) as emulator:
        assert [record["sourceId"] for record in emulator.messages()] == [source_id]
        client = official(emulator, emulator.token_for("release-bot"))
        again = client.inbox.Messages.send(messages=[message(sourceId=source_id)], preview=True)
        assert [str(failure.source_id) for failure in again.failures] == [source_id]
