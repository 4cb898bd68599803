"""``check_messages`` over a batch: one entry per message, and each problem at its own index.

A batch with a malformed message is checked message by message; the other messages keep their
parsed models and their problems keep their index, so a user is sent to the right message.
"""

from __future__ import annotations

from gotham_inbox.models import SendMessageRequest, parse_message
from gotham_inbox.validation import Problem, check_message, check_messages
from tests.support import RELEASE_MESSAGE, changed

NO_RECIPIENTS = "no recipients; add at least one group recipient"


def test_a_batch_with_a_malformed_message_keeps_the_others_and_their_indexes() -> None:
    malformed = changed(RELEASE_MESSAGE, {"title": 5})
    without_recipients = changed(RELEASE_MESSAGE, {"groupRecipients": []})
    parsed, problems = check_messages([RELEASE_MESSAGE, malformed, without_recipients])
    assert isinstance(parsed[0], SendMessageRequest)
    assert parsed[0].title.value == RELEASE_MESSAGE["title"]["value"]
    assert parsed[1] is None
    assert isinstance(parsed[2], SendMessageRequest)
    assert problems == [
        Problem(1, "title", "must be an object; got int"),
        Problem(2, "groupRecipients", NO_RECIPIENTS),
    ]


def test_a_parsed_message_is_checked_for_what_the_server_refuses_at_its_index() -> None:
    message = parse_message(changed(RELEASE_MESSAGE, {"groupRecipients": []}))
    assert check_message(message, 2) == (message, [Problem(2, "groupRecipients", NO_RECIPIENTS)])


def test_a_batch_that_is_not_a_list_is_one_problem_of_the_messages_field() -> None:
    parsed, problems = check_messages("not a list")
    assert parsed == []
    (problem,) = problems
    assert str(problem) == "messages: messages must be a list of message objects"
    # As the emulator answers it: no message index, and the field is the messages list itself.
    assert problem.to_parameters() == {
        "messageIndex": None,
        "field": "",
        "reason": "messages must be a list of message objects",
    }
