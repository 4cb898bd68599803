"""``InboxClient.deliver``: the answer matched to the request under honour, ignore and reject."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from typing import Any

import httpx
import pytest

from gotham_inbox import BadRequestError, OutcomeUnknownError
from gotham_inbox._delivery import HostMemory, SourceIdPolicy, match_answer
from gotham_inbox.models import SendMessagesResponse
from tests.foundation.client_support import MESSAGE, Recorder, envelope, make_client, with_ids

HOST = "https://gotham.example.com"


def answer(responses: list[str], failures: Sequence[tuple[str, str]] = ()) -> httpx.Response:
    return httpx.Response(
        200,
        json={
            "responses": [{"sourceId": i} for i in responses],
            "failures": [{"sourceId": i, "reason": r} for i, r in failures],
        },
    )


def wire(request: httpx.Request) -> list[dict[str, Any]]:
    messages: list[dict[str, Any]] = json.loads(request.content)["messages"]
    return messages


def test_honoured_ids_are_matched_by_id_and_conflicts_by_their_id() -> None:
    messages = with_ids(3)
    ids = [m["sourceId"] for m in messages]
    # Listed out of request order: every id is ours, so ids decide.
    recorder = Recorder(answer([ids[2], ids[0]], [(ids[1], "CONFLICTING_SOURCE_ID")]))
    client = make_client(recorder)
    delivery = client.deliver(messages)
    assert [r.status for r in delivery.results] == ["sent", "conflict", "sent"]
    assert [r.server_id for r in delivery.results] == ids
    assert all(r.honoured for r in delivery.results)
    assert not delivery.idempotent  # nothing proved it before this request
    assert client.memory.behaviour(HOST) == "honours"


def test_once_ids_were_seen_honoured_a_request_with_ids_is_idempotent() -> None:
    first, second = with_ids(), with_ids()
    recorder = Recorder(answer([first[0]["sourceId"]]), answer([second[0]["sourceId"]]))
    client = make_client(recorder)
    assert client.deliver(first).idempotent is False
    assert client.deliver(second).idempotent is True
    assert client.deliver([MESSAGE], source_ids="omit").idempotent is False


def test_ignored_ids_are_matched_by_position_and_reported_not_honoured() -> None:
    messages = with_ids(3)
    server = [str(uuid.uuid4()) for _ in range(3)]
    client = make_client(Recorder(answer(server)))
    delivery = client.deliver(messages)
    assert [r.server_id for r in delivery.results] == server
    assert [r.requested_id for r in delivery.results] == [m["sourceId"] for m in messages]
    assert [r.honoured for r in delivery.results] == [False, False, False]
    assert all(r.delivered_now for r in delivery.results)
    assert client.memory.behaviour(HOST) == "ignores"


def test_omit_sends_no_ids_and_matches_by_position() -> None:
    messages = with_ids(2)
    server = [str(uuid.uuid4()) for _ in range(2)]
    recorder = Recorder(answer(server))
    delivery = make_client(recorder).deliver(messages, source_ids="omit")
    assert all("sourceId" not in item for item in wire(recorder.send_requests[0]))
    assert [(r.server_id, r.sent_id, r.honoured) for r in delivery.results] == [
        (server[0], None, None),
        (server[1], None, None),
    ]
    assert delivery.ids_sent is False and delivery.idempotent is False


@pytest.mark.parametrize(
    ("responses", "failures", "why"),
    [
        (1, [], "1 sent and 0 failed message"),
        (3, [], "3 sent and 0 failed message"),
        (2, [("foreign", "CONFLICTING_SOURCE_ID")], "not one this request sent"),
        (2, [("foreign", "UNKNOWN")], "not one this request sent"),
    ],
)
def test_an_answer_that_cannot_be_matched_is_an_unknown_outcome(
    responses: int, failures: list[tuple[str, str]], why: str
) -> None:
    server = [str(uuid.uuid4()) for _ in range(responses)]
    named = [(str(uuid.uuid4()), reason) for _, reason in failures]
    recorder = Recorder(answer(server, named))
    with pytest.raises(OutcomeUnknownError, match=why) as caught:
        make_client(recorder).deliver(with_ids(2))
    assert "may have been delivered" in str(caught.value)
    assert "nothing is retried" in str(caught.value)
    assert len(recorder.send_requests) == 1


@pytest.mark.parametrize("mode", ["honour", "ignore", "reject"])
def test_a_200_naming_all_but_the_last_message_never_says_the_last_was_not_sent(
    mode: str,
) -> None:
    # The documented answer accounts for every message (sent or failed): one it leaves out may
    # or may not have been sent, in deliver() as in send(), whatever the host does with ids.
    messages = with_ids(3)
    ids = [m["sourceId"] for m in messages]
    named = {
        "honour": ids[:2],  # our ids: matched by id, the third is unaccounted for
        "ignore": [str(uuid.uuid4()), str(uuid.uuid4())],  # the host's own ids: by position
        "reject": [str(uuid.uuid4()), str(uuid.uuid4())],  # sent without ids: by position
    }[mode]
    client = make_client(Recorder(answer(named)))
    with pytest.raises(OutcomeUnknownError, match="may or may not have been sent"):
        client.send(messages)
    source_ids: SourceIdPolicy = "omit" if mode == "reject" else "send"
    client = make_client(Recorder(answer(named)))
    if mode != "honour":
        with pytest.raises(OutcomeUnknownError, match="may have been delivered"):
            client.deliver(messages, source_ids=source_ids)
        return
    results = client.deliver(messages, source_ids=source_ids).results
    assert [r.status for r in results] == ["sent", "sent", "unknown"]
    assert results[2].outcome_unknown and not results[2].delivered_now
    assert results[2].sent_id == ids[2]  # it went out with its id: a re-send is refused


@pytest.mark.parametrize(
    ("responses", "failures", "why"),
    [
        # One id named twice as sent: without the check, the other message would be "missing".
        ([0, 0], [], "names the same sourceId for two sent messages"),
        ([0, 0, 1], [], "names the same sourceId for two sent messages"),
        ([0], [(1, "CONFLICTING_SOURCE_ID")] * 2, "or is reported twice"),
        ([1], [(0, "UNKNOWN")] * 2, "or is reported twice"),
    ],
)
def test_an_answer_naming_one_source_id_twice_makes_the_outcome_unknown(
    responses: list[int], failures: list[tuple[int, str]], why: str
) -> None:
    messages = with_ids(2)
    ids = [m["sourceId"] for m in messages]
    recorder = Recorder(
        answer([ids[i] for i in responses], [(ids[i], reason) for i, reason in failures])
    )
    with pytest.raises(OutcomeUnknownError, match=why) as caught:
        make_client(recorder).deliver(messages)
    assert "may have been delivered" in str(caught.value)
    assert len(recorder.send_requests) == 1


def test_a_response_naming_another_messages_id_in_a_mixed_answer_is_ambiguous() -> None:
    ids = [str(uuid.uuid4()) for _ in range(2)]
    response = SendMessagesResponse.model_validate(
        {"responses": [{"sourceId": ids[1]}, {"sourceId": str(uuid.uuid4())}]}
    )
    with pytest.raises(OutcomeUnknownError, match="names the sourceId of message 1"):
        match_answer(ids, ids, response)


def test_auto_falls_back_once_when_the_field_is_refused_and_remembers_it() -> None:
    refused = envelope(
        400, "INVALID_ARGUMENT", "Default:InvalidArgument", path="messages[0].sourceId"
    )
    recorder = Recorder(refused, answer([str(uuid.uuid4())]), answer([str(uuid.uuid4())]))
    memory = HostMemory()
    client = make_client(recorder)
    client.memory = memory
    first = client.deliver(with_ids(), source_ids="auto")
    assert [("sourceId" in wire(r)[0]) for r in recorder.send_requests] == [True, False]
    assert first.ids_sent is False and first.results[0].honoured is None
    assert memory.behaviour(HOST) == "refuses"
    client.deliver(with_ids(), source_ids="auto")  # known now: sent without ids at once
    assert len(recorder.send_requests) == 3
    assert "sourceId" not in wire(recorder.send_requests[2])[0]


def test_send_never_falls_back_and_auto_does_not_for_other_refusals() -> None:
    refused = envelope(400, "INVALID_ARGUMENT", "Default:InvalidArgument", field="sourceId")
    recorder = Recorder(refused)
    with pytest.raises(BadRequestError):
        make_client(recorder).deliver(with_ids(), source_ids="send")
    assert len(recorder.send_requests) == 1
    other = Recorder(envelope(400, "INVALID_ARGUMENT", "InvalidMessagePortionMarkings"))
    with pytest.raises(BadRequestError):
        make_client(other).deliver(with_ids(), source_ids="auto")
    assert len(other.send_requests) == 1


def test_messages_without_ids_are_matched_by_position() -> None:
    server = [str(uuid.uuid4()) for _ in range(2)]
    delivery = make_client(Recorder(answer(server))).deliver([MESSAGE, MESSAGE])
    assert [(r.server_id, r.honoured) for r in delivery.results] == [
        (server[0], None),
        (server[1], None),
    ]
