"""``match_answer`` and ``refuses_source_id_field``: what each message's result records, what an
unmatchable answer tells the user, and which refusals mean the ``sourceId`` field was refused.

``tests/foundation/test_delivery.py`` drives the same code through ``InboxClient.deliver``;
these look at the fields a caller (the provider, ``announce``) reads from each result.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from typing import Any

import pytest

from gotham_inbox import OutcomeUnknownError
from gotham_inbox._delivery import (
    CONFLICT,
    SENT,
    UNKNOWN,
    HostMemory,
    MessageResult,
    match_answer,
    refuses_source_id_field,
)
from gotham_inbox.errors import GothamAPIError
from gotham_inbox.models import SendMessagesResponse


def _ids(count: int) -> list[str]:
    return [str(uuid.uuid4()) for _ in range(count)]


def _response(
    responses: list[str], failures: Sequence[tuple[str, str]] = ()
) -> SendMessagesResponse:
    return SendMessagesResponse.model_validate(
        {
            "responses": [{"sourceId": i} for i in responses],
            "failures": [{"sourceId": i, "reason": r} for i, r in failures],
        }
    )


@pytest.mark.parametrize(
    ("reason", "honoured"), [("CONFLICTING_SOURCE_ID", True), ("UNKNOWN", None)]
)
def test_a_failure_is_a_conflict_of_that_message_and_only_an_id_conflict_proves_ids_honoured(
    reason: str, honoured: bool | None
) -> None:
    sent = _ids(2)
    declared = [sent_id.upper() for sent_id in sent]  # as the program spelled them
    results = match_answer(declared, sent, _response([sent[0]], [(sent[1], reason)]))
    assert results == (
        MessageResult(0, SENT, sent[0], declared[0], sent[0], True),
        MessageResult(1, CONFLICT, sent[1], declared[1], sent[1], honoured, reason),
    )
    assert not results[1].delivered_now


def test_a_message_the_answer_leaves_out_is_unknown_with_the_ids_it_went_out_with() -> None:
    ids = _ids(2)
    sent: list[str | None] = [*ids, None]
    declared = [ids[0].upper(), ids[1].upper(), None]
    results = match_answer(declared, sent, _response([ids[0]]))
    assert results[1:] == (
        MessageResult(1, UNKNOWN, None, declared[1], sent[1], None),
        MessageResult(2, UNKNOWN, None, None, None, None),
    )
    assert all(result.outcome_unknown for result in results[1:])


def _duplicate(ids: list[str]) -> SendMessagesResponse:
    return _response([ids[0], ids[0]])


def _foreign_failure(ids: list[str]) -> SendMessagesResponse:
    return _response([ids[0]], [(str(uuid.uuid4()), "CONFLICTING_SOURCE_ID")])


def _too_many(ids: list[str]) -> SendMessagesResponse:
    return _response(_ids(len(ids) + 1))


def _out_of_order(ids: list[str]) -> SendMessagesResponse:
    return _response([str(uuid.uuid4()), ids[0], str(uuid.uuid4())])


@pytest.mark.parametrize("answer", [_duplicate, _foreign_failure, _too_many, _out_of_order])
def test_an_unmatchable_answer_says_how_many_messages_may_be_out_and_what_to_do(
    answer: Callable[[list[str]], SendMessagesResponse],
) -> None:
    ids = _ids(3)
    with pytest.raises(OutcomeUnknownError) as caught:
        match_answer(ids, ids, answer(ids))
    text = str(caught.value)
    assert "cannot be matched to the 3 message(s) sent" in text
    assert "Check the recipients' inboxes (or ask the Gotham administrators)" in text
    assert "before sending them again" in text


@pytest.mark.parametrize(
    ("status", "parameters", "refused"),
    [
        (400, {"field": "messages[0].sourceId"}, True),
        (422, {"field": "sourceId"}, True),
        (422, {}, True),  # Conjure's answer to a body with a field it does not know
        (422, {"field": "title"}, False),
        (400, {}, False),
        (403, {"field": "sourceId"}, False),
        (500, {}, False),
    ],
)
def test_only_a_validation_refusal_naming_source_id_or_an_unreadable_body_refuses_the_field(
    status: int, parameters: dict[str, Any], refused: bool
) -> None:
    error = GothamAPIError(status, "INVALID_ARGUMENT", "Default:InvalidArgument", "", parameters)
    assert refuses_source_id_field(error) is refused


def test_forgetting_one_host_keeps_what_was_seen_of_the_others() -> None:
    memory = HostMemory()
    memory.record("https://a.example.com", "honours")
    memory.record("https://b.example.com", "ignores")
    memory.forget("https://a.example.com")
    memory.forget("https://never-seen.example.com")
    assert memory.behaviour("https://a.example.com") is None
    assert memory.behaviour("https://b.example.com") == "ignores"
