"""The rules at their edges: a limit reached and one past it, a malformed resource, a sourceId
shared across resources, a recipient whose realm cannot be told, a credential in each field,
the markings to use instead, a value unknown during preview.

Each case was a gap the mutation run (`make mutation`) found: a rule changed there and no test
failed. The example directory's checker (``gotham_inbox.verdicts``) runs the whole pack, as
``gotham-inbox check`` does.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from gotham_inbox.policy.engine import evaluate
from gotham_inbox.policy.inbox_resource import (
    INBOX_MESSAGE_BATCH_TYPE,
    INBOX_MESSAGE_TYPE,
    InboxResource,
    StackContext,
    inbox_resource,
)
from gotham_inbox.policy.pack_config import resolve_pack_config
from gotham_inbox.policy.violation import Violation
from gotham_inbox.unknowns import UNKNOWN_STRING
from gotham_inbox.verdicts import PolicyChecker
from tests.support import RELEASE_MESSAGE, changed

CONTENT_LIMITS = {"maxTitleLength": 10, "maxSenderLength": 8, "maxBodyBytes": 12}


def _resource(resource_type: str, name: str, inputs: Mapping[str, Any]) -> InboxResource:
    resource = inbox_resource(
        resource_type, f"urn:pulumi:dev::inbox::{resource_type}::{name}", name, inputs
    )
    assert resource is not None
    return resource


def _texts(checker: PolicyChecker, message: Mapping[str, Any], policy: str) -> dict[str, str]:
    return {v.field: v.text for v in checker.check_message(message).about(policy=policy)}


def _content_findings(past: int) -> dict[str, str]:
    """inbox-content's findings on a title, sender and body ``past`` their CONTENT_LIMITS."""
    checker = PolicyChecker.for_directory(overrides={"inbox-content": CONTENT_LIMITS})
    # The body limit counts bytes of UTF-8: "ééé" is 6 of them.
    message = changed(
        RELEASE_MESSAGE,
        {
            "title": {"value": "t" * (10 + past)},
            "sender": {"displayName": "s" * (8 + past)},
            "body": {"value": "ééé" + "b" * (6 + past), "formatStyle": "MARKDOWN"},
        },
    )
    return _texts(checker, message, "inbox-content")


def test_content_limits_allow_a_text_at_the_limit() -> None:
    assert _content_findings(0) == {}


def test_content_limits_name_each_field_one_past_its_limit() -> None:
    found = _content_findings(1)
    assert set(found) == {"message.title.value", "message.sender.displayName", "message.body.value"}
    assert "11 characters, more than maxTitleLength 10" in found["message.title.value"]
    assert "9 characters, more than maxSenderLength 8" in found["message.sender.displayName"]
    assert "13 bytes, more than maxBodyBytes 12" in found["message.body.value"]


def test_server_limits_allow_a_message_at_each_limit_and_refuse_one_past() -> None:
    limits = {"maxRecipientsPerMessage": 2, "maxTitleLength": 10, "maxBodyLength": 5}
    checker = PolicyChecker.for_directory(
        overrides={"inbox-message-valid": limits, "inbox-content": "disabled"}
    )
    two = [{"name": "platform-team"}, {"name": "sre-oncall"}]
    at_limits = changed(
        RELEASE_MESSAGE,
        {
            "groupRecipients": two,
            "title": {"value": "t" * 10},
            "body": {"value": "b" * 5, "formatStyle": "MARKDOWN"},
        },
    )
    assert _texts(checker, at_limits, "inbox-message-valid") == {}

    one_past = changed(
        RELEASE_MESSAGE,
        {
            "groupRecipients": [*two, {"name": "Everyone"}],
            "title": {"value": "t" * 11},
            "body": {"value": "b" * 6, "formatStyle": "MARKDOWN"},
        },
    )
    found = _texts(checker, one_past, "inbox-message-valid")
    assert set(found) == {"message.groupRecipients", "message.title.value", "message.body.value"}
    assert (
        "3 recipients, more than the server's maxRecipientsPerMessage 2"
        in found["message.groupRecipients"]
    )
    assert "11 characters, more than the server's maxTitleLength 10" in found["message.title.value"]
    assert "6 characters, more than the server's maxBodyLength 5" in found["message.body.value"]


@pytest.mark.parametrize(
    ("resource_type", "inputs", "field", "expected"),
    [
        (INBOX_MESSAGE_TYPE, {}, "message", "the InboxMessage has no 'message' input; pass it"),
        (INBOX_MESSAGE_BATCH_TYPE, {}, "messages", "the InboxMessageBatch has no 'messages'"),
        (
            INBOX_MESSAGE_BATCH_TYPE,
            {"messages": RELEASE_MESSAGE},
            "messages",
            "must be a list of message objects",
        ),
        (INBOX_MESSAGE_BATCH_TYPE, {"messages": []}, "messages", "the batch has no messages"),
    ],
)
def test_a_resource_without_messages_to_send_says_which_input_to_fix(
    resource_type: str, inputs: Mapping[str, Any], field: str, expected: str
) -> None:
    verdict = PolicyChecker.for_directory().check_resources([_resource(resource_type, "r", inputs)])
    (finding,) = verdict.about(policy="inbox-message-valid")
    assert finding.field == field
    assert expected in finding.text
    assert verdict.blocks


def test_a_message_that_is_not_an_object_is_reported_not_a_crash() -> None:
    verdict = PolicyChecker.for_directory().check_batch([RELEASE_MESSAGE, "not a message"])
    assert verdict.about(index=1, policy="inbox-message-valid")
    assert verdict.about(index=1, policy="inbox-batch-atomicity")
    assert not verdict.about(index=0, policy="inbox-message-valid")


def test_markings_that_are_not_a_list_are_reported_once_not_a_crash() -> None:
    # partner-ops is listed with a clearance, so inbox-recipients-can-read looks at the markings.
    message = changed(
        RELEASE_MESSAGE,
        {"groupRecipients": [{"name": "partner-ops", "realm": "partner-realm"}]},
    )
    message["security"] = {"portionMarkings": "SECRET"}
    verdict = PolicyChecker.for_directory().check_message(message)
    assert verdict.about(policy="inbox-message-valid", field="message.security.portionMarkings")
    assert not verdict.about(policy="inbox-recipients-can-read")
    assert not verdict.about(policy="inbox-markings")


def test_a_source_id_shared_by_three_resources_names_the_other_two_in_each_finding() -> None:
    shared = "5f0e2a51-7c55-4d8e-9a43-0d1c8b7f1a11"
    alone = "0b6bb3d1-4a0e-4c1f-8f3e-61b0e0a1c2d3"
    resources = [
        _resource(
            INBOX_MESSAGE_BATCH_TYPE,
            "first",
            {
                "messages": [
                    RELEASE_MESSAGE,  # no sourceId: nothing to share
                    {**RELEASE_MESSAGE, "sourceId": alone},
                    {**RELEASE_MESSAGE, "sourceId": shared},
                ]
            },
        ),
        _resource(
            INBOX_MESSAGE_TYPE, "second", {"message": {**RELEASE_MESSAGE, "sourceId": shared}}
        ),
        _resource(
            INBOX_MESSAGE_TYPE, "third", {"message": {**RELEASE_MESSAGE, "sourceId": shared}}
        ),
    ]
    verdict = PolicyChecker.for_directory().check_resources(resources)
    found = {
        v.urn.rsplit("::", 1)[1]: v.text
        for v in verdict.about(policy="inbox-batch-atomicity")
        if "is also used by" in v.text
    }
    assert set(found) == {"first", "second", "third"}
    assert "is also used by second (message.sourceId), third (message.sourceId);" in found["first"]
    assert (
        "is also used by first (messages[2].sourceId), third (message.sourceId);" in found["second"]
    )
    assert (
        "is also used by first (messages[2].sourceId), second (message.sourceId);" in found["third"]
    )


def test_a_batch_is_refused_for_an_unknown_group_after_a_known_one() -> None:
    bad = changed(
        RELEASE_MESSAGE, {"groupRecipients": [{"name": "platform-team"}, {"name": "no-such-team"}]}
    )
    verdict = PolicyChecker.for_directory().check_batch([RELEASE_MESSAGE, bad])
    (refused,) = verdict.about(policy="inbox-batch-atomicity")
    assert refused.message_index == 1
    assert "message 1 would be refused" in refused.text
    assert "group 'no-such-team' is not a known group" in refused.text


def _without_the_callers_realm(message: Mapping[str, Any]) -> list[Violation]:
    """The pack's verdict on a batch of ``message`` where neither the policy config nor the
    stack config gives the caller's realm."""
    raw = dict(PolicyChecker.for_directory().raw_config)
    raw["inbox-realm-requirements"] = {
        key: value for key, value in raw["inbox-realm-requirements"].items() if key != "callerRealm"
    }
    batch = _resource(INBOX_MESSAGE_BATCH_TYPE, "b", {"messages": [message]})
    return evaluate([batch], resolve_pack_config(raw), StackContext())


def test_without_the_callers_realm_a_recipient_without_one_is_told_which_realm_to_give() -> None:
    message = changed(
        RELEASE_MESSAGE, {"groupRecipients": [{"name": "partner-ops"}, {"name": "no-such-team"}]}
    )
    violations = _without_the_callers_realm(message)
    realm = {v.field: v.text for v in violations if v.policy == "inbox-realm-requirements"}
    assert (
        "give the realm explicitly (e.g. realm: 'partner-realm')"
        in realm["messages[0].groupRecipients[0].realm"]
    )
    assert "give the realm explicitly, or" in realm["messages[0].groupRecipients[1].realm"]
    # A recipient whose realm cannot be told may well be sent: the batch is not refused for it.
    assert not [v for v in violations if v.policy == "inbox-batch-atomicity"]


def test_without_the_callers_realm_a_later_recipient_in_a_wrong_realm_refuses_the_batch() -> None:
    recipients = [{"name": "partner-ops"}, {"name": "platform-team", "realm": "partner-realm"}]
    violations = _without_the_callers_realm(
        changed(RELEASE_MESSAGE, {"groupRecipients": recipients})
    )
    (refused,) = [v for v in violations if v.policy == "inbox-batch-atomicity"]
    assert refused.field == "messages[0].groupRecipients[1].realm"
    assert "group 'platform-team' does not exist in realm 'partner-realm'" in refused.text


def test_a_marking_finding_lists_the_markings_to_use_instead() -> None:
    checker = PolicyChecker.for_directory()
    unknown = _texts(checker, marked_message("SECRTE"), "inbox-markings")
    assert (
        "use one of UNCLASSIFIED, SENSITIVE, SECRET"
        in unknown["message.security.portionMarkings[0]"]
    )
    above = _texts(checker, marked_message("SECRET"), "inbox-markings")
    assert (
        "(caller clearance: UNCLASSIFIED, SENSITIVE)"
        in above["message.security.portionMarkings[0]"]
    )


def marked_message(*markings: str) -> dict[str, Any]:
    return changed(RELEASE_MESSAGE, {"security": {"portionMarkings": list(markings)}})


def test_a_credential_is_reported_in_the_field_it_is_in_whatever_else_is_missing() -> None:
    checker = PolicyChecker.for_directory()
    in_title_and_sender = changed(
        RELEASE_MESSAGE,
        {
            "title": {"value": "token: hunter2hunter2"},
            "sender": {"displayName": "AKIAABCDEFGHIJKLMNOP"},
        },
    )
    found = _texts(checker, in_title_and_sender, "inbox-content")
    assert set(found) == {"message.title.value", "message.sender.displayName"}
    assert all("looks like it contains a credential" in text for text in found.values())

    # No title (inbox-message-valid reports that): the body is still searched.
    untitled = changed(RELEASE_MESSAGE, {"title": None, "body": {"value": "password=hunter2!!"}})
    assert "message.body.value" in _texts(checker, untitled, "inbox-content")


def test_secret_patterns_of_ones_own_replace_the_built_in_ones() -> None:
    patterns = [{"name": "ticket", "pattern": "TICKET-[0-9]{4}"}]
    checker = PolicyChecker.for_directory(overrides={"inbox-content": {"secretPatterns": patterns}})
    leaks = changed(RELEASE_MESSAGE, {"body": {"value": "see TICKET-1234 or AKIAABCDEFGHIJKLMNOP"}})
    found = _texts(checker, leaks, "inbox-content")
    assert "(matches ticket)" in found["message.body.value"]


def test_a_batch_using_a_shared_source_id_twice_is_named_once_by_the_other_resources() -> None:
    shared = "5f0e2a51-7c55-4d8e-9a43-0d1c8b7f1a11"
    twice = {"messages": [{**RELEASE_MESSAGE, "sourceId": shared}] * 2}
    once = {"message": {**RELEASE_MESSAGE, "sourceId": shared}}
    resources = [
        _resource(INBOX_MESSAGE_TYPE, "alone", once),
        _resource(INBOX_MESSAGE_TYPE, "other", once),
        _resource(INBOX_MESSAGE_BATCH_TYPE, "pair", twice),  # the third to use it, twice
    ]
    verdict = PolicyChecker.for_directory().check_resources(resources)
    across = [
        (v.urn.rsplit("::", 1)[1], v.text.split(" is also used by ")[1].split(";")[0])
        for v in verdict.about(policy="inbox-batch-atomicity")
        if "of this batch" not in v.text
    ]
    assert across == [
        ("alone", "other (message.sourceId), pair (messages[0].sourceId)"),
        ("other", "alone (message.sourceId), pair (messages[0].sourceId)"),
        ("pair", "alone (message.sourceId), other (message.sourceId)"),
    ]


def test_a_value_unknown_during_preview_does_not_refuse_its_batch() -> None:
    later = changed(RELEASE_MESSAGE, {"title": UNKNOWN_STRING})
    assert PolicyChecker.for_directory().check_batch([RELEASE_MESSAGE, later]).violations == ()


def test_without_a_directory_each_policy_counts_only_what_it_would_have_judged() -> None:
    # Markings that are not a list, or none, are inbox-message-valid's to report: nothing of
    # them would have been judged, so they are not counted as unjudged.
    not_a_list = changed(RELEASE_MESSAGE, {"security": {"portionMarkings": "SECRET"}})
    none = changed(RELEASE_MESSAGE, {"security": {"portionMarkings": []}})
    batch = _resource(
        INBOX_MESSAGE_BATCH_TYPE, "b", {"messages": [RELEASE_MESSAGE, not_a_list, none]}
    )
    unjudged = {v.policy: v for v in evaluate([batch]) if "could not be judged" in v.text}
    counts = {policy: v.text.split(", so ")[1].split(" could")[0] for policy, v in unjudged.items()}
    assert counts == {
        "inbox-markings": "1 marking(s) of 1 message(s)",
        "inbox-realm-requirements": "3 recipient(s) of 3 message(s)",
        "inbox-recipients-can-read": "1 recipient(s) of 1 message(s)",
    }
    # About the resource as a whole, not one of its properties.
    assert all(v.field == "" and v.message_index is None for v in unjudged.values())
