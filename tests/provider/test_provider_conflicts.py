"""Answers the emulator never gives, from a scripted Gotham: how each is reported.

An ``UNKNOWN`` conflict and an answer that names our ids but leaves a message out mean a
message was not sent; the error says, message by message, what was sent and what was not. An
answer about a sourceId this request did not carry cannot be placed: the outcome is unknown.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from gotham_inbox._auth import TokenAuth
from gotham_inbox._delivery import Delivery, HostMemory, match_answer
from gotham_inbox.client import InboxClient
from gotham_inbox.models import SendMessagesResponse
from gotham_inbox.providers.outcome import PartialSendError, require_all_delivered, status_of
from gotham_inbox.providers.provider import (
    InboxMessageBatchProvider,
    InboxMessageProvider,
    InboxProviderError,
)
from tests.provider.provider_support import ScriptedGotham, with_id


def answering(responses: list[str], failures: list[tuple[str, str]]) -> ScriptedGotham:
    def answer(_messages: list[dict[str, Any]]) -> httpx.Response:
        return httpx.Response(
            200,
            json={
                "responses": [{"sourceId": s} for s in responses],
                "failures": [{"sourceId": s, "reason": r} for s, r in failures],
            },
        )

    return ScriptedGotham(answer)


def create_batch(gotham: ScriptedGotham, messages: list[dict[str, Any]]) -> Any:
    provider = InboxMessageBatchProvider()
    provider.use_settings(gotham.settings())
    return provider.create({"messages": messages})


def delivered_by_a_fresh_client(gotham: ScriptedGotham, messages: list[dict[str, Any]]) -> Delivery:
    """What a client that knows nothing yet about the host delivers to ``gotham``."""
    with InboxClient(
        "gotham.example.com",
        auth=TokenAuth("t"),
        transport=httpx.MockTransport(gotham),
        memory=HostMemory(),
    ) as client:
        return client.deliver(messages)


def test_an_unknown_conflict_in_a_batch_is_reported_message_by_message() -> None:
    messages = [with_id(), with_id(), with_id()]
    ids = [m["sourceId"] for m in messages]
    gotham = answering([ids[0]], [(ids[1], "UNKNOWN"), (ids[2], "CONFLICTING_SOURCE_ID")])
    with pytest.raises(InboxProviderError) as caught:
        create_batch(gotham, messages)
    text = str(caught.value)
    assert "1 of 3 message(s) were not sent" in text
    assert f"messages[0] (sourceId {ids[0]}): sent" in text
    assert (
        f"messages[1] (sourceId {ids[1]}): not sent: the server reported an UNKNOWN conflict"
    ) in text
    assert f"messages[2] (sourceId {ids[2]}): already in Gotham from an earlier attempt" in text
    assert "Running the deploy again is safe" in text
    assert len(gotham.requests) == 1


def test_a_conflict_on_a_source_id_that_is_not_ours_is_an_error() -> None:
    sent = with_id()
    stranger = with_id()["sourceId"]
    gotham = answering([sent["sourceId"]], [(stranger, "CONFLICTING_SOURCE_ID")])
    provider = InboxMessageProvider()
    provider.use_settings(gotham.settings())
    with pytest.raises(InboxProviderError) as caught:
        provider.create({"message": sent})
    text = str(caught.value)
    assert "OutcomeUnknownError" in text
    assert f"sourceId {stranger}, which is not one this request sent" in text
    assert "Before running the deploy again, check whether the recipients received" in text


def test_a_message_the_answer_does_not_mention_may_or_may_not_have_been_sent() -> None:
    # A 200 naming all but the last of our sourceIds: the documented answer accounts for every
    # message, so the last one's fate is unknown, never "not sent" (send() says the same).
    messages = [with_id(), with_id(), with_id()]
    gotham = answering([messages[0]["sourceId"], messages[1]["sourceId"]], [])
    with pytest.raises(InboxProviderError) as caught:
        create_batch(gotham, messages)
    text = str(caught.value)
    assert text.startswith("PartialSendError: 1 of 3 message(s) may or may not have been sent:")
    assert (
        f"messages[2] (sourceId {messages[2]['sourceId']}): may or may not have been sent: the "
        "server's answer does not mention it"
    ) in text
    assert "not sent" not in text.replace("may or may not", "")
    assert f"messages[0] (sourceId {messages[0]['sourceId']}): sent" in text


def test_ids_are_matched_whatever_their_letter_case() -> None:
    source_id = with_id()["sourceId"]
    response = SendMessagesResponse.model_validate({"responses": [{"sourceId": source_id.upper()}]})
    (result,) = match_answer([source_id.upper()], [source_id.upper()], response)
    assert (status_of(result), result.server_id, result.honoured) == ("sent", source_id, True)


def test_a_scripted_gotham_remembering_ids_makes_a_repeat_an_adoption(
    scripted_gotham: ScriptedGotham,
) -> None:
    messages = [with_id(), with_id()]
    first = create_batch(scripted_gotham, messages)
    second = create_batch(scripted_gotham, messages)
    assert first.outs["statuses"] == ["sent", "sent"]
    assert second.outs["statuses"] == ["adopted", "adopted"]
    assert second.outs.get("sentAt") is None
    assert len(scripted_gotham.stored) == 2


def test_a_message_without_a_source_id_is_refused_before_anything_is_sent(
    scripted_gotham: ScriptedGotham,
) -> None:
    provider = InboxMessageProvider()
    provider.use_settings(scripted_gotham.settings())
    unidentified = {k: v for k, v in with_id().items() if k != "sourceId"}
    with pytest.raises(InboxProviderError, match="message: no sourceId"):
        provider.create({"message": unidentified})
    assert scripted_gotham.requests == []


def test_partial_send_error_keeps_the_results_for_callers() -> None:
    messages = [with_id(), with_id()]
    ids = [m["sourceId"] for m in messages]
    gotham = answering([ids[0]], [(ids[1], "UNKNOWN")])
    delivery = delivered_by_a_fresh_client(gotham, messages)
    with pytest.raises(PartialSendError) as caught:
        require_all_delivered("messages", delivery)
    results = [(r.index, r.delivered, r.status, r.reason) for r in caught.value.results]
    assert results == [(0, True, "sent", None), (1, False, "conflict", "UNKNOWN")]


# --- transient failures ---------------------------------------------------------------------


class InTurn:
    """Answers from a list, one per request; the last one repeats."""

    def __init__(self, *answers: httpx.Response) -> None:
        self.answers = list(answers)

    def __call__(self, _messages: list[dict[str, Any]]) -> httpx.Response:
        return self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]


def unavailable() -> httpx.Response:
    return httpx.Response(
        503, json={"errorCode": "INTERNAL", "errorName": "Unavailable", "parameters": {}}
    )


def broken() -> httpx.Response:
    return httpx.Response(
        500, json={"errorCode": "INTERNAL", "errorName": "Default", "parameters": {}}
    )


def rate_limited() -> httpx.Response:
    return httpx.Response(
        429, json={"errorCode": "RATE_LIMITED", "errorName": "Throttled", "parameters": {}}
    )


def test_a_transient_failure_is_retried_by_the_client_and_the_message_sent() -> None:
    sent = with_id()
    ok = httpx.Response(200, json={"responses": [{"sourceId": sent["sourceId"]}]})
    gotham = ScriptedGotham(InTurn(rate_limited(), ok))
    provider = InboxMessageProvider()
    provider.use_settings(gotham.settings())
    result = provider.create({"message": sent})
    assert result.outs is not None
    assert result.outs["status"] == "sent"
    assert len(gotham.requests) == 2


@pytest.mark.parametrize(
    ("answer", "expected", "attempts"),
    [
        (rate_limited, "Nothing was sent.", 4),  # the client's default policy: four attempts
        # A 5xx (a 503 too: a proxy may send it after Gotham processed the request) is not
        # retried while the host has not been seen to honour sourceIds.
        (unavailable, "may or may not have been delivered", 1),
        (broken, "may or may not have been delivered", 1),
    ],
)
def test_the_final_error_after_retries_says_what_happened(
    answer: Any, expected: str, attempts: int
) -> None:
    gotham = ScriptedGotham(InTurn(answer()))
    provider = InboxMessageProvider()
    provider.use_settings(gotham.settings(memory=HostMemory()))
    with pytest.raises(InboxProviderError) as caught:
        provider.create({"message": with_id()})
    assert expected in str(caught.value)
    assert len(gotham.requests) == attempts


@pytest.mark.parametrize("answer", [unavailable, broken])
def test_a_5xx_is_retried_once_the_host_was_seen_to_honour_ids(answer: Any) -> None:
    first, second = with_id(), with_id()
    ok = [
        httpx.Response(200, json={"responses": [{"sourceId": m["sourceId"]}]})
        for m in (first, second)
    ]
    gotham = ScriptedGotham(InTurn(ok[0], answer(), ok[1]))
    provider = InboxMessageProvider()
    provider.use_settings(gotham.settings(memory=HostMemory()))
    warm_up = provider.create({"message": first})
    assert warm_up.outs is not None
    assert warm_up.outs["idempotent"] is True
    result = provider.create({"message": second})
    assert result.outs is not None
    assert result.outs["status"] == "sent" and result.outs["idempotent"] is True
    assert len(gotham.requests) == 3


def test_a_partial_send_says_a_rerun_is_not_safe_when_a_sent_message_s_id_was_not_used() -> None:
    # A host that reports a failure by our id but gave the sent message its own id: a re-run
    # would deliver that message again, and the error must not call the re-run safe.
    messages = [with_id(), with_id()]
    ids = [m["sourceId"] for m in messages]
    assigned = "0b7e3f0e-5c1a-4d8e-9a4b-6f1de0c0a001"
    gotham = answering([assigned], [(ids[1], "UNKNOWN")])
    delivery = delivered_by_a_fresh_client(gotham, messages)
    with pytest.raises(PartialSendError) as caught:
        require_all_delivered("messages", delivery)
    text = str(caught.value)
    assert "NOT safe" in text and f"messages[0] (sourceId {assigned})" in text
    assert "Running the deploy again is safe" not in text


def test_a_partial_send_of_honoured_ids_says_a_rerun_is_safe() -> None:
    messages = [with_id(), with_id()]
    ids = [m["sourceId"] for m in messages]
    gotham = answering([ids[0]], [(ids[1], "UNKNOWN")])
    delivery = delivered_by_a_fresh_client(gotham, messages)
    with pytest.raises(PartialSendError, match="Running the deploy again is safe"):
        require_all_delivered("messages", delivery)


def test_a_redirect_is_not_reported_as_nothing_sent(scripted_gotham: ScriptedGotham) -> None:
    # A 303 is how a web server answers a POST it has processed: the outcome is unknown.
    scripted_gotham.answer = lambda _messages: httpx.Response(
        303, headers={"Location": "/elsewhere"}
    )
    provider = InboxMessageProvider()
    provider.use_settings(scripted_gotham.settings())
    with pytest.raises(InboxProviderError) as caught:
        provider.create({"message": with_id()})
    text = str(caught.value)
    assert "Nothing was sent" not in text
    assert "may or may not have been delivered" in text


def test_a_lost_answer_after_the_fallback_says_the_messages_went_without_ids(
    scripted_gotham: ScriptedGotham,
) -> None:
    calls: list[int] = []

    def refuse_then_lose(_messages: list[dict[str, Any]]) -> httpx.Response:
        calls.append(1)
        if len(calls) == 1:
            return httpx.Response(
                400,
                json={
                    "errorCode": "INVALID_ARGUMENT",
                    "errorName": "InvalidMessageRequests",
                    "errorInstanceId": "e",
                    "parameters": {"path": "messages[0].sourceId"},
                },
            )
        raise httpx.ReadTimeout("lost")

    scripted_gotham.answer = refuse_then_lose
    provider = InboxMessageProvider()
    provider.use_settings(scripted_gotham.settings(memory=HostMemory()))
    with pytest.raises(InboxProviderError) as caught:
        provider.create({"message": with_id()})
    text = str(caught.value)
    assert len(calls) == 2  # the fallback went out once, and its lost answer was not retried
    assert "this host refuses sourceIds, so they were not sent" in text
    assert "Running the deploy again is safe" not in text
