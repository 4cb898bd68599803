"""The policies name the error Gotham (the emulator) answers for the message they flag."""

from __future__ import annotations

from typing import Any

import pytest

from gotham_inbox.verdicts import InProcessEmulator, PolicyChecker

BASE: dict[str, Any] = {
    "groupRecipients": [{"name": "platform-team"}],
    "sender": {"displayName": "release-bot"},
    "title": {"value": "hello"},
    "security": {"portionMarkings": ["UNCLASSIFIED"]},
}


@pytest.mark.parametrize(
    ("change", "error_name"),
    [
        ({"security": {"portionMarkings": ["TOP-SECRET"]}}, "InvalidMessagePortionMarkings"),
        ({"security": {"portionMarkings": ["SECRET"]}}, "InvalidMessagePortionMarkings"),
        ({"groupRecipients": [{"name": "partner-ops"}]}, "UnknownRecipients"),
        (
            {"groupRecipients": [{"name": "partner-ops", "realm": "palantir-internal-realm"}]},
            "UnknownRecipients",
        ),
        ({"groupRecipients": [{"name": "no-such-group"}]}, "UnknownRecipients"),
    ],
    ids=["unknown-marking", "over-clearance", "wrong-realm", "explicit-wrong-realm", "unknown"],
)
def test_the_policy_text_names_the_error_the_server_answers(
    change: dict[str, Any], error_name: str
) -> None:
    message = {**BASE, **change}
    verdict = PolicyChecker.for_directory(None, "release-bot").check_message(message)
    with InProcessEmulator(None, "release-bot") as emulator:
        server = emulator.send([message])
    assert server.error_name == error_name
    assert any(error_name in violation.reason for violation in verdict.mandatory), verdict.lines()


def test_a_violations_old_message_name_still_reads_its_reason_with_a_warning() -> None:
    verdict = PolicyChecker.for_directory(None, "release-bot").check_message({**BASE, "x": 1})
    violation = verdict.mandatory[0]
    with pytest.warns(DeprecationWarning, match=r"Violation\.reason"):
        assert violation.message == violation.reason
    assert violation.to_json()["message"] == violation.reason  # the report's key is unchanged
