"""The endpoint's rules, checked in process: auth, preview, validation, storage, tokens."""

from __future__ import annotations

import json
import logging
import uuid
from typing import Any

import httpx
import pytest

from tests.emulator.emulator_helpers import (
    ADMIN,
    INTERN,
    PARTNER_BOT,
    RELEASE_BOT,
    SEND,
    app_client,
    assert_envelope,
    message,
)
from tests.support import FakeClock

TOKEN_FORM = {
    "grant_type": "client_credentials",
    "client_id": "release-pipeline",
    "client_secret": "emu-secret-5a3e8c19d07f42b6",
}


def stored(client: httpx.Client) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = client.get("/emulator/messages", headers=ADMIN).json()[
        "messages"
    ]
    return records


# -- authentication and permission -----------------------------------------------------------


def test_no_token_is_401_and_nothing_is_stored(client: httpx.Client) -> None:
    response = client.post(SEND, json={"messages": [message()]})
    parameters = assert_envelope(response, 401, "MissingCredentials")
    assert "Authorization: Bearer" in parameters["reason"]
    assert response.json()["errorCode"] == "UNAUTHORIZED"
    assert stored(client) == []


@pytest.mark.parametrize(
    ("header", "error_name"),
    [
        ("Bearer not-a-token", "Default:Unauthorized"),
        ("bearer emu-7c41e9a3f05b2d86-2", "Default:Unauthorized"),
        ("Basic ZGV2OmRldg==", "MissingCredentials"),
        ("Bearer ", "MissingCredentials"),
    ],
)
def test_unknown_token_or_other_scheme_is_401(
    client: httpx.Client, header: str, error_name: str
) -> None:
    response = client.post(SEND, json={"messages": [message()]}, headers={"Authorization": header})
    assert_envelope(response, 401, error_name)
    assert stored(client) == []


def test_caller_outside_the_producer_group_is_403(client: httpx.Client) -> None:
    response = client.post(SEND, json={"messages": [message()]}, headers=INTERN)
    parameters = assert_envelope(response, 403, "ApiUsageDenied")
    assert parameters["caller"] == "intern"
    assert "External Inbox Alert Producers" in parameters["reason"]
    assert stored(client) == []


@pytest.mark.parametrize(
    "query", ["", "?preview=false", "?preview=yes", "?preview="], ids=["absent", "f", "y", "e"]
)
def test_preview_must_be_true(client: httpx.Client, query: str) -> None:
    response = client.post(
        "/api/gotham/v1/inbox/messages" + query, json={"messages": [message()]}, headers=RELEASE_BOT
    )
    parameters = assert_envelope(response, 400, "ApiFeaturePreviewUsageOnly")
    assert "preview=true" in parameters["reason"]
    assert stored(client) == []


def test_preview_true_is_case_insensitive(client: httpx.Client) -> None:
    response = client.post(
        "/api/gotham/v1/inbox/messages?preview=True",
        json={"messages": [message()]},
        headers=RELEASE_BOT,
    )
    assert response.status_code == 200


# -- validation ------------------------------------------------------------------------------


def test_every_problem_of_the_batch_is_reported_with_index_and_field(
    client: httpx.Client,
) -> None:
    batch = [
        message(),
        message(groupRecipients=[]),
        message(security={"portionMarkings": []}),
        message(security={"portionMarkings": ["UNCLASSIFIED", "TOP-SECRET"]}),
        message(groupRecipient=[{"name": "platform-team"}]),
    ]
    response = client.post(SEND, json={"messages": batch}, headers=RELEASE_BOT)
    # An unknown field makes the body unreadable (Conjure's 422); every problem is listed.
    parameters = assert_envelope(response, 422, "Conjure:UnprocessableEntity")
    found = {(problem["messageIndex"], problem["field"]) for problem in parameters["problems"]}
    assert found == {
        (1, "groupRecipients"),
        (2, "security.portionMarkings"),
        (3, "security.portionMarkings[1]"),
        (4, "groupRecipient"),
    }
    assert parameters["messageIndex"] == 1
    assert parameters["path"] == "messages[1].groupRecipients"
    reasons = {problem["path"]: problem["reason"] for problem in parameters["problems"]}
    assert "unknown marking 'TOP-SECRET'" in reasons["messages[3].security.portionMarkings[1]"]
    assert "did you mean 'groupRecipients'?" in reasons["messages[4].groupRecipient"]
    assert stored(client) == [], "the valid first message must not be stored either"


def test_model_problems_use_the_shared_wording(client: httpx.Client) -> None:
    from gotham_inbox.validation import check_messages

    bad = message(body={"value": "x", "formatStyle": "HTML"})
    _, expected = check_messages([bad])
    response = client.post(SEND, json={"messages": [bad]}, headers=RELEASE_BOT)
    parameters = assert_envelope(response, 422, "Conjure:UnprocessableEntity")
    assert [p["reason"] for p in parameters["problems"]] == [p.reason for p in expected]


def test_recipient_without_realm_resolves_to_the_callers_realm(client: httpx.Client) -> None:
    # partner-ops lives in partner-realm: release-bot (internal realm) must name the realm.
    response = client.post(
        SEND,
        json={"messages": [message(groupRecipients=[{"name": "partner-ops"}])]},
        headers=RELEASE_BOT,
    )
    parameters = assert_envelope(response, 400, "UnknownRecipients")
    assert parameters["groupRecipients"] == [{"name": "partner-ops"}]
    assert parameters["field"] == "groupRecipients[0]"
    assert "no group 'partner-ops' in realm 'palantir-internal-realm'" in parameters["reason"]
    assert "exists in realm 'partner-realm': set \"realm\"" in parameters["reason"]

    explicit = message(groupRecipients=[{"name": "partner-ops", "realm": "partner-realm"}])
    assert client.post(SEND, json={"messages": [explicit]}, headers=RELEASE_BOT).is_success
    # partner-bot is itself in partner-realm, so it may leave the realm out.
    implicit = message(groupRecipients=[{"name": "partner-ops"}])
    assert client.post(SEND, json={"messages": [implicit]}, headers=PARTNER_BOT).is_success
    assert [record["recipients"] for record in stored(client)] == [
        [{"name": "partner-ops", "realm": "partner-realm"}],
        [{"name": "partner-ops", "realm": "partner-realm"}],
    ]


def test_an_empty_realm_is_an_explicit_realm_not_the_callers(client: httpx.Client) -> None:
    # Only an omitted realm defaults to the caller's; "" names a realm that has no groups.
    batch = [message(groupRecipients=[{"name": "platform-team", "realm": ""}])]
    response = client.post(SEND, json={"messages": batch}, headers=RELEASE_BOT)
    parameters = assert_envelope(response, 400, "UnknownRecipients")
    assert parameters["groupRecipients"] == [{"name": "platform-team", "realm": ""}]
    assert parameters["field"] == "groupRecipients[0]"
    assert "no group 'platform-team' in realm '' (its realm)" in parameters["reason"]
    assert stored(client) == []


def test_unknown_group_is_400(client: httpx.Client) -> None:
    batch = [message(groupRecipients=[{"name": "platform-team"}, {"name": "nobody"}])]
    response = client.post(SEND, json={"messages": batch}, headers=RELEASE_BOT)
    parameters = assert_envelope(response, 400, "UnknownRecipients")
    assert parameters["groupRecipients"] == [{"name": "nobody"}]
    assert parameters["field"] == "groupRecipients[1]"
    assert parameters["reason"].endswith("check the group name")


def test_marking_above_clearance_is_400_invalid_portion_markings(client: httpx.Client) -> None:
    to_partners = {"groupRecipients": [{"name": "partner-ops"}]}
    batch = [
        message(**to_partners),
        message(**to_partners, security={"portionMarkings": ["UNCLASSIFIED", "SENSITIVE"]}),
    ]
    response = client.post(SEND, json={"messages": batch}, headers=PARTNER_BOT)
    # Assumed: the SDK's only marking error (docs/errors.md).
    parameters = assert_envelope(response, 400, "InvalidMessagePortionMarkings")
    assert response.json()["errorCode"] == "INVALID_ARGUMENT"
    assert parameters["portionMarkings"] == ["SENSITIVE"]
    assert (parameters["messageIndex"], parameters["field"]) == (
        1,
        "security.portionMarkings[1]",
    )
    assert "'partner-bot' is not cleared for marking 'SENSITIVE'" in parameters["reason"]
    assert stored(client) == []


def test_a_bad_message_next_to_a_clearance_problem_gets_the_body_error_listing_both(
    client: httpx.Client,
) -> None:
    batch = [message(security={"portionMarkings": ["SECRET"]}), message(title={})]
    response = client.post(SEND, json={"messages": batch}, headers=RELEASE_BOT)
    # Reading the body comes before Inbox's checks: a missing field's 400 wins (assumed order).
    parameters = assert_envelope(response, 400, "Default:InvalidArgument")
    assert [(p["messageIndex"], p["field"]) for p in parameters["problems"]] == [
        (0, "security.portionMarkings[0]"),
        (1, "title.value"),
    ]


@pytest.mark.parametrize(
    ("body", "field", "reason"),
    [
        (b"", "", "the request body is empty"),
        (b"{not json", "", "not valid JSON"),
        (b'{"messages": [NaN]}', "", "NaN is not valid JSON"),
        (b"\xff\xfe\xfd", "", "not valid JSON"),
        (b"[1, 2]", "", "must be a JSON object"),
        (b"{}", "messages", "required field 'messages' is missing"),
        (b'{"messages": {}}', "messages", "must be a list of message objects; got dict"),
        (b'{"messages": [], "dryRun": true}', "dryRun", "unknown field 'dryRun'"),
        (b'{"messages": ' + b"[" * 100 + b"]" * 100 + b"}", "", "nested more than"),
        (b'{"messages": ' + b"[" * 100000 + b"]" * 100000 + b"}", "", "not valid JSON"),
    ],
    ids=[
        "empty",
        "not-json",
        "nan",
        "not-utf8",
        "array",
        "no-messages",
        "not-list",
        "extra",
        "deep",
        "deeper-than-parser",
    ],
)
def test_malformed_bodies_are_400_envelopes(
    client: httpx.Client, body: bytes, field: str, reason: str
) -> None:
    response = client.post(
        SEND, content=body, headers={**RELEASE_BOT, "Content-Type": "application/json"}
    )
    parameters = assert_envelope(response, 422, "Conjure:UnprocessableEntity")
    assert parameters["field"] == field
    assert reason in parameters["reason"]


def test_input_that_cannot_be_encoded_as_utf8_is_echoed_safely(client: httpx.Client) -> None:
    # A lone surrogate is valid JSON but not encodable as UTF-8; the error echoes the field name.
    body = b'{"messages": [], "\\ud800": 1}'
    response = client.post(SEND, content=body, headers=RELEASE_BOT)
    parameters = assert_envelope(response, 422, "Conjure:UnprocessableEntity")
    assert parameters["field"] == "\ud800"


def test_body_over_the_limit_is_413() -> None:
    with app_client(max_body_bytes=2000) as (client, store):
        big = message(title={"value": "x" * 3000})
        response = client.post(SEND, json={"messages": [big]}, headers=RELEASE_BOT)
        parameters = assert_envelope(response, 413, "Default:RequestEntityTooLarge")
        assert parameters["maxBytes"] == 2000
        assert store.messages() == []
        assert client.post(SEND, json={"messages": [message()]}, headers=RELEASE_BOT).is_success


def test_body_over_the_limit_without_content_length_is_413() -> None:
    def chunks() -> Any:
        yield b'{"messages": [' + b" " * 1500
        yield b" " * 1500 + b"]}"

    with app_client(max_body_bytes=2000) as (client, _):
        response = client.post(SEND, content=chunks(), headers=RELEASE_BOT)
        assert "content-length" not in response.request.headers
        assert_envelope(response, 413, "Default:RequestEntityTooLarge")


# -- storage and the answer ------------------------------------------------------------------


def test_valid_batch_is_stored_with_resolved_recipients_and_the_request_as_sent(
    client: httpx.Client,
) -> None:
    mine = str(uuid.uuid4())
    batch = [
        message(sourceId=mine),
        message(groupRecipients=[{"name": "Everyone", "realm": "palantir-internal-realm"}]),
    ]
    response = client.post(SEND, json={"messages": batch}, headers=RELEASE_BOT)
    assert response.status_code == 200
    answer = response.json()
    assert answer["failures"] == []
    assert answer["responses"][0] == {"sourceId": mine}
    generated = answer["responses"][1]["sourceId"]
    assert uuid.UUID(generated).version == 4
    records = stored(client)
    assert [record["sourceId"] for record in records] == [mine, generated]
    assert records[0]["message"] == batch[0]
    assert records[1]["message"] == batch[1], "a generated sourceId is not added to the message"
    assert records[0]["caller"] == "release-bot"
    assert records[0]["recipients"] == [
        {"name": "platform-team", "realm": "palantir-internal-realm"}
    ]
    assert records[0]["receivedAt"].endswith("Z")


def test_conflicts_are_reported_and_not_stored_and_order_is_kept(client: httpx.Client) -> None:
    existing, a, b = (str(uuid.uuid4()) for _ in range(3))
    first = client.post(SEND, json={"messages": [message(sourceId=existing)]}, headers=RELEASE_BOT)
    assert first.json() == {"responses": [{"sourceId": existing}], "failures": []}
    batch = [
        message(sourceId=a, title={"value": "first a"}),
        message(sourceId=existing),
        message(sourceId=b),
        message(sourceId=a, title={"value": "second a"}),
    ]
    response = client.post(SEND, json={"messages": batch}, headers=RELEASE_BOT)
    assert response.status_code == 200
    assert response.json() == {
        "responses": [{"sourceId": a}, {"sourceId": b}],
        "failures": [
            {"sourceId": existing, "reason": "CONFLICTING_SOURCE_ID"},
            {"sourceId": a, "reason": "CONFLICTING_SOURCE_ID"},
        ],
    }
    records = stored(client)
    assert [record["sourceId"] for record in records] == [existing, a, b]
    assert records[1]["message"]["title"] == {"value": "first a"}


def test_source_ids_are_case_insensitive_uuids(client: httpx.Client) -> None:
    source_id = str(uuid.uuid4())
    client.post(SEND, json={"messages": [message(sourceId=source_id)]}, headers=RELEASE_BOT)
    again = message(sourceId=source_id.upper())
    response = client.post(SEND, json={"messages": [again]}, headers=RELEASE_BOT)
    assert response.json()["failures"] == [
        {"sourceId": source_id, "reason": "CONFLICTING_SOURCE_ID"}
    ]


def test_an_empty_batch_sends_nothing(client: httpx.Client) -> None:
    response = client.post(SEND, json={"messages": []}, headers=RELEASE_BOT)
    assert response.json() == {"responses": [], "failures": []}


def test_delete_clears_the_messages(client: httpx.Client) -> None:
    client.post(SEND, json={"messages": [message(), message()]}, headers=RELEASE_BOT)
    assert client.delete("/emulator/messages", headers=ADMIN).json() == {"deleted": 2}
    assert stored(client) == []


def test_health(client: httpx.Client) -> None:
    assert client.get("/emulator/health").json() == {"status": "ok"}


def test_unknown_path_is_an_empty_404_like_an_unavailable_api(client: httpx.Client) -> None:
    response = client.post("/api/gotham/v2/inbox/messages", json={}, headers=RELEASE_BOT)
    assert response.status_code == 404
    assert response.content == b""


def test_wrong_method_is_a_405_envelope(client: httpx.Client) -> None:
    response = client.get(SEND, headers=RELEASE_BOT)
    parameters = assert_envelope(response, 405, "Conjure:MethodNotAllowed")
    assert parameters == {
        "method": "GET",
        "allowed": "POST",
        "reason": "GET is not served here; use POST",
    }
    assert response.headers["Allow"] == "POST"


# -- OAuth2 ----------------------------------------------------------------------------------


def test_client_credentials_token_acts_as_the_mapped_user(client: httpx.Client) -> None:
    answer = client.post("/multipass/api/oauth2/token", data={**TOKEN_FORM, "scope": "api:x"})
    assert answer.status_code == 200
    token = answer.json()
    assert token["token_type"] == "bearer"
    assert token["expires_in"] == 3600
    assert token["scope"] == "api:x"
    headers = {"Authorization": f"Bearer {token['access_token']}"}
    assert client.post(SEND, json={"messages": [message()]}, headers=headers).is_success
    assert stored(client)[0]["caller"] == "release-bot"


@pytest.mark.parametrize(
    "change",
    [{"client_secret": "wrong"}, {"client_id": "nobody"}, {"client_secret": ""}],
    ids=["wrong-secret", "unknown-client", "no-secret"],
)
def test_bad_client_credentials_are_401(client: httpx.Client, change: dict[str, str]) -> None:
    response = client.post("/multipass/api/oauth2/token", data={**TOKEN_FORM, **change})
    assert response.status_code == 401
    assert response.json() == {
        "error": "invalid_client",
        "error_description": "unknown client_id or wrong client_secret",
    }


def test_other_grant_types_are_400(client: httpx.Client) -> None:
    response = client.post(
        "/multipass/api/oauth2/token", data={**TOKEN_FORM, "grant_type": "password"}
    )
    assert response.status_code == 400
    assert response.json()["error"] == "unsupported_grant_type"


def test_a_token_body_that_is_not_a_form_is_400(client: httpx.Client) -> None:
    response = client.post("/multipass/api/oauth2/token", content=b"\xff&&=")
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


def test_tokens_expire_after_their_lifetime(clocked_client: httpx.Client, clock: FakeClock) -> None:
    token = clocked_client.post("/multipass/api/oauth2/token", data=TOKEN_FORM).json()
    assert token["expires_in"] == 60
    headers = {"Authorization": f"Bearer {token['access_token']}"}
    clock.now += 59
    assert clocked_client.post(SEND, json={"messages": [message()]}, headers=headers).is_success
    clock.now += 1
    response = clocked_client.post(SEND, json={"messages": [message()]}, headers=headers)
    parameters = assert_envelope(response, 401, "Default:Unauthorized")
    assert parameters["reason"] == "the token has expired; request a new one"


def test_revoked_tokens_stop_working(client: httpx.Client) -> None:
    token = client.post("/multipass/api/oauth2/token", data=TOKEN_FORM).json()["access_token"]
    revoke = client.post(
        "/multipass/api/oauth2/revoke_token",
        data={
            "client_id": "release-pipeline",
            "client_secret": TOKEN_FORM["client_secret"],
            "token": token,
        },
    )
    assert revoke.status_code == 200
    response = client.post(
        SEND, json={"messages": [message()]}, headers={"Authorization": f"Bearer {token}"}
    )
    assert_envelope(response, 401, "Default:Unauthorized")


# -- logging ---------------------------------------------------------------------------------


def test_one_log_line_per_request_without_secrets(
    client: httpx.Client, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="gotham_inbox.emulator")
    token = client.post("/multipass/api/oauth2/token", data=TOKEN_FORM).json()["access_token"]
    client.post(SEND, json={"messages": [message()]}, headers={"Authorization": f"Bearer {token}"})
    client.post(SEND, json={"messages": [message()]}, headers=INTERN)
    client.post(SEND + "&token=emu-7c41e9a3f05b2d86", json={"messages": []}, headers=RELEASE_BOT)
    lines = [record.getMessage() for record in caplog.records]
    assert len(lines) == 4
    assert lines[0].startswith(
        "POST /multipass/api/oauth2/token 200 caller=client:release-pipeline"
    )
    assert lines[1].startswith("POST /api/gotham/v1/inbox/messages 200 caller=release-bot ")
    assert lines[2].startswith("POST /api/gotham/v1/inbox/messages 403 caller=intern ")
    assert all(line.endswith("ms") for line in lines)
    text = json.dumps(lines)
    for secret in (
        token,
        "emu-7c41e9a3f05b2d86",
        "emu-0e9d35c7a1f84b62",
        "emu-secret-5a3e8c19d07f42b6",
    ):
        assert secret not in text
