"""A malformed message's problem says what was given and what is wanted, field by field.

The emulator, the client's pre-flight check, the provider's ``check`` and the policies all
word a problem with ``gotham_inbox.validation``; these are the kinds of mistake its advice
distinguishes (a value outside a fixed set, a wrong type, a value a validator refuses).
"""

from __future__ import annotations

from typing import Any

import pytest

from gotham_inbox.validation import Problem, check_message, check_messages
from tests.support import RELEASE_MESSAGE, changed


@pytest.mark.parametrize(
    ("change", "field", "reason"),
    [
        (
            {"body": {"value": "x", "formatStyle": "HTML"}},
            "body.formatStyle",
            "must be one of 'UNFORMATTED', 'PREFORMATTED' or 'MARKDOWN'; got 'HTML'",
        ),
        ({"groupRecipients": "platform-team"}, "groupRecipients", "must be a list; got str"),
        ({"sender": ["release-bot"]}, "sender", "must be an object; got list"),
        ({"title": {"value": 5}}, "title.value", "must be a string; got int"),
        (
            {"sourceId": "not-a-uuid"},
            "sourceId",
            "Value error, must be a UUID in the form 8-4-4-4-12 hex digits; got 'not-a-uuid'",
        ),
    ],
)
def test_a_problem_names_the_field_what_is_wanted_and_what_was_given(
    change: dict[str, Any], field: str, reason: str
) -> None:
    message, problems = check_message(changed(RELEASE_MESSAGE, change), index=3)
    assert message is None
    assert problems == [Problem(3, field, reason)]


def test_an_unknown_field_lists_the_fields_allowed_where_it_is() -> None:
    bad = changed(RELEASE_MESSAGE, {"groupRecipients": [{"name": "platform-team", "relm": "x"}]})
    _, problems = check_messages([RELEASE_MESSAGE, bad])
    assert problems == [
        Problem(
            1,
            "groupRecipients[0].relm",
            "unknown field 'relm'; did you mean 'realm'? remove it (allowed here: name, realm)",
        )
    ]


def test_a_quoted_input_is_cut_short() -> None:
    _, problems = check_message(changed(RELEASE_MESSAGE, {"sourceId": "z" * 5000}))
    (problem,) = problems
    assert problem.reason.startswith("Value error, must be a UUID")
    assert "zzz...zzz" in problem.reason
    assert len(problem.reason) < 200
