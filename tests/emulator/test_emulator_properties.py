"""Properties of the send endpoint over random batches and random bodies.

Batches come from the shipped strategies (gotham_inbox.strategies) for release-bot under the
example directory, broken with every shipped breakage.

Example counts come from the hypothesis profile (tests/conftest.py), not from here.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from hypothesis import find, given
from hypothesis import strategies as st

from gotham_inbox import strategies as gs
from tests.emulator.emulator_helpers import RELEASE_BOT, SEND, app_client, message

# A small pool, so that random batches collide with each other and with stored messages.
SOURCE_IDS = [str(uuid.UUID(int=n)) for n in range(1, 6)]

text = st.text(max_size=20)
json_values = gs.json_values(max_leaves=12)

EXAMPLE = gs.example_directory()
CALLER = "release-bot"

# What release-bot may send under the example directory.
valid_messages = gs.valid_messages_for(
    EXAMPLE, CALLER, source_id_values=st.sampled_from(SOURCE_IDS)
)

# The error each shipped breakage leads to, in the order the emulator lets them win
# (docs/errors.md): malformed JSON for the wire model first, then what the server checks.
ERROR_PRECEDENCE: list[tuple[int, str, set[str]]] = [
    (
        422,
        "Conjure:UnprocessableEntity",
        {
            "title.value not a string",
            "groupRecipients not a list",
            "recipient name not a string",
            "marking not a string",
            "sourceId not a UUID",
            "sourceId without hyphens",
            "unknown field groupRecipient",
            "unknown field in sender",
            "body formatStyle unknown",
        },
    ),
    (
        400,
        "Default:InvalidArgument",
        {
            "missing groupRecipients",
            "missing sender",
            "missing title",
            "missing security",
            "missing title.value",
            "missing sender.displayName",
            "missing security.portionMarkings",
            "body without formatStyle",
        },
    ),
    (400, "InvalidMessageRequests", {"no recipients"}),
    (400, "UnknownRecipients", set(gs.breakage_names(gs.BreakageKind.REALM))),
    (
        400,
        "InvalidMessagePortionMarkings",
        {"no markings", *gs.breakage_names(gs.BreakageKind.MARKING)},
    ),
]

# Every breakage the example directory allows (a caller with a clearance, a group reachable
# only with its realm: all of them).
BREAKAGES = [
    *gs.breakage_names(gs.BreakageKind.FIELD, gs.BreakageKind.EMPTY_LIST),
    *gs.directory_breakages_for(EXAMPLE, CALLER),
]


def expected_error(broken: list[str]) -> tuple[int, str]:
    """The status and errorName of a batch with these breakages."""
    return next((status, name) for status, name, kinds in ERROR_PRECEDENCE if kinds & set(broken))


def test_every_shipped_breakage_has_one_expected_error() -> None:
    listed = [name for _, _, names in ERROR_PRECEDENCE for name in names]
    assert sorted(listed) == sorted(gs.breakage_names())
    assert sorted(BREAKAGES) == sorted(gs.breakage_names())


def break_one(draw: st.DrawFn, message: dict[str, Any], name: str) -> dict[str, Any]:
    """``message`` with the shipped breakage ``name`` applied."""
    if gs.kind_of(name).needs_directory:
        return draw(gs.break_directory_rule(EXAMPLE, name, message, CALLER))
    return gs.break_field(message, name)


@pytest.mark.parametrize("breakage", BREAKAGES)
def test_each_breakage_alone_gets_its_error(breakage: str) -> None:
    # The simplest message with the breakage (hypothesis' find shrinks to it): one request each.
    broken = find(st.composite(lambda draw: break_one(draw, message(), breakage))(), bool)
    with app_client() as (client, store):
        response = client.post(SEND, json={"messages": [broken]}, headers=RELEASE_BOT)
        assert store.messages() == []
    assert (response.status_code, response.json()["errorName"]) == expected_error([breakage])


@st.composite
def batches(draw: st.DrawFn) -> tuple[list[dict[str, Any]], list[str]]:
    """A batch of messages, some possibly broken, and the names of the breakages applied."""
    messages = draw(st.lists(valid_messages, min_size=1, max_size=6))
    broken: list[str] = []
    for index in range(len(messages)):
        if draw(st.integers(0, 3)) == 0:
            name = draw(st.sampled_from(BREAKAGES))
            messages[index] = break_one(draw, messages[index], name)
            broken.append(name)
    return messages, broken


def sent_source_ids(answer: dict[str, Any]) -> list[str]:
    return [item["sourceId"] for item in answer["responses"]]


@given(
    already_stored=st.lists(st.sampled_from(SOURCE_IDS), unique=True, max_size=3),
    batch=batches(),
)
def test_a_batch_is_stored_entirely_or_not_at_all(
    already_stored: list[str], batch: tuple[list[dict[str, Any]], list[str]]
) -> None:
    messages, broken = batch
    with app_client() as (client, store):
        setup = [message(sourceId=source_id) for source_id in already_stored]
        assert client.post(SEND, json={"messages": setup}, headers=RELEASE_BOT).is_success
        before = [record.source_id for record in store.messages()]

        response = client.post(SEND, json={"messages": messages}, headers=RELEASE_BOT)
        after = [record.source_id for record in store.messages()]

    if broken:
        status, name = expected_error(broken)
        assert response.status_code == status, response.text
        assert response.json()["errorName"] == name, response.text
        assert after == before, "nothing may be stored when any message is refused"
        problems = response.json()["parameters"]["problems"]
        assert len({problem["messageIndex"] for problem in problems}) == len(broken)
    else:
        assert response.status_code == 200, response.text
        assert after == before + sent_source_ids(response.json())


@given(
    already_stored=st.lists(st.sampled_from(SOURCE_IDS), unique=True, max_size=4),
    messages=st.lists(valid_messages, min_size=1, max_size=8),
)
def test_conflicts_store_exactly_the_non_conflicting_messages_in_order(
    already_stored: list[str], messages: list[dict[str, Any]]
) -> None:
    with app_client() as (client, store):
        setup = [message(sourceId=source_id) for source_id in already_stored]
        client.post(SEND, json={"messages": setup}, headers=RELEASE_BOT)
        response = client.post(SEND, json={"messages": messages}, headers=RELEASE_BOT)
        records = store.messages()

    assert response.status_code == 200, response.text
    answer = response.json()
    seen = set(already_stored)
    expected_sent: list[dict[str, str]] = []
    expected_failed: list[dict[str, str]] = []
    expected_bodies: list[dict[str, Any]] = []
    for index, item in enumerate(messages):
        source_id = item.get("sourceId")
        if source_id is None:
            # A generated id: the answer's next response, in request order.
            source_id = answer["responses"][len(expected_sent)]["sourceId"]
            assert source_id not in SOURCE_IDS
        if source_id in seen:
            expected_failed.append({"sourceId": source_id, "reason": "CONFLICTING_SOURCE_ID"})
        else:
            expected_sent.append({"sourceId": source_id})
            expected_bodies.append(messages[index])
            seen.add(source_id)
    assert answer == {"responses": expected_sent, "failures": expected_failed}
    new_records = records[len(already_stored) :]
    assert [record.source_id for record in new_records] == sent_source_ids(answer)
    assert [record.message for record in new_records] == expected_bodies


MESSAGE_KEYS = ["groupRecipients", "sender", "title", "body", "security", "sourceId"]

near_miss_messages = st.dictionaries(
    st.sampled_from(MESSAGE_KEYS) | text,
    json_values
    | st.lists(st.dictionaries(st.sampled_from(["name", "realm"]), json_values), max_size=2)
    | st.dictionaries(
        st.sampled_from(["value", "formatStyle", "displayName", "portionMarkings"]), json_values
    ),
    max_size=7,
)

bodies = st.one_of(
    st.binary(max_size=200),
    # Python's json reads these, though JSON has no such numbers.
    st.sampled_from(
        [b"Infinity", b'{"messages": [-Infinity]}', b'{"messages": [{"title": 1e999}]}']
    ),
    json_values.map(lambda value: json.dumps(value).encode()),
    st.lists(near_miss_messages, max_size=4).map(
        lambda messages: json.dumps({"messages": messages}).encode()
    ),
    st.lists(st.one_of(json_values, near_miss_messages), max_size=3).map(
        lambda messages: json.dumps({"messages": messages}).encode()
    ),
)


@given(body=bodies)
def test_no_request_body_makes_the_endpoint_answer_5xx(body: bytes) -> None:
    with app_client() as (client, store):
        response = client.post(
            SEND, content=body, headers={**RELEASE_BOT, "Content-Type": "application/json"}
        )
        stored = store.messages()
    assert response.status_code in {200, 400, 422}, response.text
    answer = response.json()
    if response.status_code == 200:
        assert set(answer) == {"responses", "failures"}
        assert len(stored) == len(answer["responses"])
    else:
        assert set(answer) == {"errorCode", "errorName", "errorInstanceId", "parameters"}
        assert answer["parameters"]["reason"]
        assert stored == []


@given(body=st.binary(max_size=200) | st.dictionaries(text, text))
def test_no_token_request_makes_the_token_endpoint_answer_5xx(body: Any) -> None:
    with app_client() as (client, _):
        if isinstance(body, dict):
            response = client.post("/multipass/api/oauth2/token", data=body)
        else:
            response = client.post("/multipass/api/oauth2/token", content=body)
    assert response.status_code in {200, 400, 401}, response.text
    # RFC 6749: an error is {"error", "error_description"}.
    assert "error" in response.json() or "access_token" in response.json()
