"""Properties of the send endpoint over random batches and random bodies.

Example counts come from the hypothesis profile (tests/conftest.py), not from here.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from emulator_helpers import RELEASE_BOT, SEND, app_client, message
from hypothesis import given
from hypothesis import strategies as st

# A small pool, so that random batches collide with each other and with stored messages.
SOURCE_IDS = [str(uuid.UUID(int=n)) for n in range(1, 6)]

RECIPIENTS = [
    {"name": "platform-team"},
    {"name": "sre-oncall", "realm": "palantir-internal-realm"},
    {"name": "Everyone"},
    {"name": "partner-ops", "realm": "partner-realm"},
]

text = st.text(max_size=20)
json_scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | text
json_values = st.recursive(
    json_scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(text, children, max_size=4),
    max_leaves=12,
)


@st.composite
def valid_messages(draw: st.DrawFn, source_ids: st.SearchStrategy[str | None]) -> dict[str, Any]:
    """A message release-bot may send under the example directory."""
    changes: dict[str, Any] = {
        "groupRecipients": draw(st.lists(st.sampled_from(RECIPIENTS), min_size=1, max_size=3)),
        "sender": {"displayName": draw(text)},
        "title": {"value": draw(text)},
        "security": {
            "portionMarkings": draw(
                st.lists(st.sampled_from(["UNCLASSIFIED", "SENSITIVE"]), min_size=1, max_size=2)
            )
        },
    }
    if draw(st.booleans()):
        style = draw(st.sampled_from(["UNFORMATTED", "PREFORMATTED", "MARKDOWN"]))
        changes["body"] = {"value": draw(text), "formatStyle": style}
    source_id = draw(source_ids)
    if source_id is not None:
        changes["sourceId"] = source_id
    return message(**changes)


def _without(key: str) -> Any:
    return lambda m: {k: v for k, v in m.items() if k != key}


BREAKAGES: dict[str, Any] = {
    "no-title": _without("title"),
    "no-security": _without("security"),
    "no-recipients": lambda m: {**m, "groupRecipients": []},
    "no-markings": lambda m: {**m, "security": {"portionMarkings": []}},
    "unknown-marking": lambda m: {**m, "security": {"portionMarkings": ["TOP-SECRET"]}},
    "above-clearance": lambda m: {**m, "security": {"portionMarkings": ["SECRET"]}},
    "unknown-group": lambda m: {**m, "groupRecipients": [{"name": "nobody"}]},
    "wrong-realm": lambda m: {**m, "groupRecipients": [{"name": "partner-ops"}]},
    "bad-source-id": lambda m: {**m, "sourceId": "not-a-uuid"},
    "title-not-object": lambda m: {**m, "title": 5},
    "unknown-field": lambda m: {**m, "groupRecipient": m["groupRecipients"]},
}

# The error each breakage leads to, in the order the emulator lets them win (docs/errors.md).
ERROR_PRECEDENCE = [
    (422, "Conjure:UnprocessableEntity", {"bad-source-id", "title-not-object", "unknown-field"}),
    (400, "Default:InvalidArgument", {"no-title", "no-security"}),
    (400, "InvalidMessageRequests", {"no-recipients"}),
    (400, "UnknownRecipients", {"unknown-group", "wrong-realm"}),
    (400, "InvalidMessagePortionMarkings", {"no-markings", "unknown-marking", "above-clearance"}),
]


def expected_error(broken: list[str]) -> tuple[int, str]:
    """The status and errorName of a batch with these breakages."""
    return next((status, name) for status, name, kinds in ERROR_PRECEDENCE if kinds & set(broken))


@st.composite
def batches(draw: st.DrawFn) -> tuple[list[dict[str, Any]], list[str]]:
    """A batch of messages, some possibly broken, and the names of the breakages applied."""
    source_ids = st.none() | st.sampled_from(SOURCE_IDS)
    messages = draw(st.lists(valid_messages(source_ids), min_size=1, max_size=6))
    broken: list[str] = []
    for index in range(len(messages)):
        if draw(st.integers(0, 3)) == 0:
            name = draw(st.sampled_from(sorted(BREAKAGES)))
            messages[index] = BREAKAGES[name](messages[index])
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
    messages=st.lists(
        valid_messages(st.none() | st.sampled_from(SOURCE_IDS)), min_size=1, max_size=8
    ),
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
    expected_sent, expected_failed, expected_bodies = [], [], []
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
