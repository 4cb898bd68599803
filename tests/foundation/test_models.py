"""The wire models: names, optionals, unknown fields, and problem reports users read."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from gotham_inbox.models import (
    GroupRecipient,
    MessageSecurity,
    MessageSender,
    SecureTextBody,
    SecureTextTitle,
    SendMessageRequest,
    SendMessagesResponse,
    parse_message,
)
from gotham_inbox.validation import check_message, check_messages

SEED_EXAMPLE = {
    "sender": {"displayName": "My External Message Sender"},
    "title": {"value": "Hello from the sendMessages API!"},
    "security": {"portionMarkings": ["SENSITIVE"]},
    "groupRecipients": [{"name": "my-example-group"}],
    "body": {"value": "Some **styled** extra content for my message", "formatStyle": "MARKDOWN"},
}


def test_seed_example_round_trips_to_identical_wire_json() -> None:
    assert parse_message(SEED_EXAMPLE).to_wire() == SEED_EXAMPLE


def test_python_construction_uses_snake_case_and_serialises_camel_case() -> None:
    source_id = uuid.uuid4()
    message = SendMessageRequest(
        group_recipients=[GroupRecipient(name="ops", realm="r1")],
        sender=MessageSender(display_name="bot"),
        title=SecureTextTitle(value="t"),
        body=SecureTextBody(value="b", format_style="UNFORMATTED"),
        security=MessageSecurity(portion_markings=["UNCLASSIFIED"]),
        source_id=source_id,
    )
    assert message.to_wire() == {
        "groupRecipients": [{"name": "ops", "realm": "r1"}],
        "sender": {"displayName": "bot"},
        "title": {"value": "t"},
        "body": {"value": "b", "formatStyle": "UNFORMATTED"},
        "security": {"portionMarkings": ["UNCLASSIFIED"]},
        "sourceId": str(source_id),
    }


def test_absent_optionals_are_left_out_of_the_wire_form() -> None:
    wire = parse_message({**SEED_EXAMPLE, "body": None}).to_wire()
    assert "body" not in wire and "sourceId" not in wire
    assert wire["groupRecipients"] == [{"name": "my-example-group"}]


def test_a_typo_in_a_field_name_is_an_error_naming_the_field_and_the_fix() -> None:
    typo = {**SEED_EXAMPLE, "groupRecipient": [{"name": "x"}]}
    del typo["groupRecipients"]
    _, problems = check_messages([SEED_EXAMPLE, typo])
    paths = {problem.path: problem.reason for problem in problems}
    assert "messages[1].groupRecipient" in paths
    assert "did you mean 'groupRecipients'" in paths["messages[1].groupRecipient"]
    assert "messages[1].groupRecipients" in paths
    assert "missing" in paths["messages[1].groupRecipients"]
    assert all(problem.index == 1 for problem in problems)


def test_snake_case_keys_are_refused_on_the_wire() -> None:
    snake = {**SEED_EXAMPLE, "group_recipients": SEED_EXAMPLE["groupRecipients"]}
    del snake["groupRecipients"]
    _, problems = check_messages([snake])
    assert {problem.field for problem in problems} == {"groupRecipients", "group_recipients"}


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"groupRecipients": []}, "groupRecipients", "add at least one group"),
        ({"security": {"portionMarkings": []}}, "security.portionMarkings", "add at least one"),
        ({"body": {"value": "x", "formatStyle": "HTML"}}, "body.formatStyle", "MARKDOWN"),
        ({"sourceId": "{12345678-1234-1234-1234-123456789abc}"}, "sourceId", "8-4-4-4-12"),
        ({"title": {"value": 3}}, "title.value", "must be a string"),
    ],
)
def test_each_problem_names_field_and_index(change: dict[str, Any], field: str, words: str) -> None:
    _, problems = check_messages([SEED_EXAMPLE, {**SEED_EXAMPLE, **change}])
    assert [(problem.index, problem.field) for problem in problems] == [(1, field)]
    assert words in problems[0].reason


def test_a_batch_that_is_not_a_list_is_one_clear_problem() -> None:
    _, problems = check_messages("not a list")
    assert [problem.reason for problem in problems] == [
        "messages must be a list of message objects"
    ]


def test_responses_tolerate_fields_a_newer_server_adds() -> None:
    source_id = str(uuid.uuid4())
    response = SendMessagesResponse.model_validate(
        {
            "responses": [{"sourceId": source_id, "deliveredTo": 3}],
            "failures": [],
            "traceId": "abc",
        }
    )
    assert str(response.responses[0].source_id) == source_id
    assert response.model_extra == {"traceId": "abc"}


def test_a_problems_old_message_name_still_reads_its_reason_with_a_warning() -> None:
    problem = check_message({"title": {"value": "x"}}, 3)[1][0]
    with pytest.warns(DeprecationWarning, match="Problem.reason"):
        assert problem.message == problem.reason
