"""Cases of ``inbox-batch-atomicity``: a batch is sent whole or not at all, so one refused
message refuses all of it; and the server's own limits on a request."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tests.policies.builders import (
    EXAMPLE,
    batch,
    ceiling,
    marked,
    message,
    numbered_messages,
    single,
    source_id,
    to,
    without_directory,
)
from tests.policies.cases.case import Case, Expect, advice

SHARED_SOURCE_ID = source_id("shared")
"""A sourceId two resources both use."""


def refused_batch_cases(config: Mapping[str, Any]) -> list[Case]:
    """A batch of two whose second message the server would refuse, for each reason."""
    reasons: list[tuple[str, dict[str, Any], str, str, str]] = [
        (
            "unknown-group",
            {"groupRecipients": to("nope-team")},
            "groupRecipients[0].name",
            "group 'nope-team' is not a known group (Gotham refuses it: 400 UnknownRecipients)",
            "inbox-realm-requirements",
        ),
        (
            "wrong-realm",
            {"groupRecipients": to(("platform-team", "partner-realm"))},
            "groupRecipients[0].realm",
            "group 'platform-team' does not exist in realm 'partner-realm' (Gotham refuses it: "
            "400 UnknownRecipients)",
            "inbox-realm-requirements",
        ),
        (
            "invalid-marking",
            {"security": marked("SECERT")},
            "security.portionMarkings[0]",
            "marking 'SECERT' is not an allowed marking",
            "inbox-markings",
        ),
        (
            "beyond-clearance",
            {"security": marked("SECRET")},
            "security.portionMarkings[0]",
            "the caller is not cleared for marking 'SECRET'",
            "inbox-markings",
        ),
        (
            "over-a-server-limit",
            {"title": {"value": "x" * 1001}},
            "title.value",
            "the title is 1001 characters, more than the server's maxTitleLength 1000",
            "inbox-message-valid",
        ),
    ]
    cases = []
    for name, change, field_path, reason, owner in reasons:
        verdict = "is invalid" if owner == "inbox-message-valid" else "would be refused"
        cases.append(
            Case(
                f"batch-refused-whole-for-{name}",
                [batch("team", [message("a"), message("b", **change)])],
                config=config,
                expect=[
                    Expect(
                        "inbox-batch-atomicity",
                        f"messages[1].{field_path}",
                        f"message 1 {verdict} ({reason}), so the server refuses the whole "
                        f"batch and sends none of its 2 messages; fix message 1 (see {owner})",
                    ),
                    Expect(owner, f"messages[1].{field_path}", reason),
                ],
            )
        )
    return cases


CASES: list[Case] = [
    Case(
        "valid-batch-is-all-or-nothing",
        [batch("release", [message("a"), message("b")]), single("other", message("c"))],
        clean=["inbox-batch-atomicity"],
    ),
    Case(
        "invalid-message-refuses-whole-batch",
        [batch("release", [message("a"), message("b", title=None), message("c")])],
        expect=[
            Expect(
                "inbox-batch-atomicity",
                "messages[1].title",
                "server refuses the whole batch and sends none of its 3 messages",
            )
        ],
    ),
    Case(
        "duplicate-source-id-in-batch-is-a-partial-send",
        [batch("release", [message("a"), message("b", sourceId=source_id("a").upper())])],
        expect=[
            Expect(
                "inbox-batch-atomicity",
                "messages[1].sourceId",
                f"sourceId {source_id('a')} is also used by messages[0]",
            )
        ],
    ),
    Case(
        "batch-over-max-size",
        [batch("big", numbered_messages(3))],
        config={"inbox-batch-atomicity": {"maxBatchSize": 2}},
        expect=[
            Expect(
                "inbox-batch-atomicity",
                "messages",
                "3 messages, more than maxBatchSize 2; split it",
            )
        ],
    ),
    Case(
        "same-source-id-in-two-resources",
        [
            single("first", message(sourceId=SHARED_SOURCE_ID)),
            batch("second", [message("x", sourceId=SHARED_SOURCE_ID)]),
        ],
        expect=[
            Expect("inbox-batch-atomicity", "message.sourceId", "also used by second"),
            Expect("inbox-batch-atomicity", "messages[0].sourceId", "also used by first"),
        ],
    ),
    Case(
        "batch-at-max-size-is-clean",
        [batch("full", numbered_messages(2))],
        config={"inbox-batch-atomicity": {"maxBatchSize": 2}},
        clean=["inbox-batch-atomicity"],
    ),
    Case(
        "batch-over-the-servers-messages-per-request-is-refused-whole",
        [batch("big", numbered_messages(3))],
        config={"inbox-batch-atomicity": {"maxBatchSize": 2, "maxMessagesPerRequest": 2}},
        expect=[
            Expect(
                "inbox-batch-atomicity",
                "messages",
                "the batch has 3 messages, more than the server's maxMessagesPerRequest 2, "
                "so the server refuses the whole request and sends none of them",
            )
        ],
    ),
    Case(
        "batch-at-the-servers-messages-per-request-is-clean",
        [batch("full", numbered_messages(2))],
        config={"inbox-batch-atomicity": {"maxMessagesPerRequest": 2}},
        clean=["inbox-batch-atomicity"],
    ),
    *refused_batch_cases(EXAMPLE),
    Case(
        "house-style-title-limit-is-not-a-server-refusal",
        [batch("team", [message("a"), message("b", title={"value": "x" * 201})])],
        config=EXAMPLE,
        expect=[
            advice(
                "inbox-content",
                "messages[1].title.value",
                "the title is 201 characters, more than maxTitleLength 200",
            )
        ],
        clean=["inbox-batch-atomicity", "inbox-message-valid"],
    ),
    Case(
        "recipients-past-the-servers-limit",
        [single("crowd", message(groupRecipients=to("platform-team", "platform-team")))],
        config={"inbox-message-valid": {"maxRecipientsPerMessage": 1}},
        expect=[
            Expect(
                "inbox-message-valid",
                "message.groupRecipients",
                "the message has 2 recipients, more than the server's "
                "maxRecipientsPerMessage 1; the server refuses it (400 "
                "InvalidMessageRequests): split it",
            )
        ],
    ),
    Case(
        "body-at-the-servers-limit-is-clean",
        [single("exact", message(body={"value": "é" * 3, "formatStyle": "MARKDOWN"}))],
        config={"inbox-message-valid": {"maxBodyLength": 3}},
        clean=["inbox-message-valid"],
    ),
    Case(
        "ceiling-is-not-a-server-refusal",
        [batch("dev-alerts", [message("a"), message("b", security=marked("SENSITIVE"))])],
        config=without_directory(
            {
                **ceiling(stackMaxMarkings={"dev": "UNCLASSIFIED"}),
                "inbox-realm-requirements": "disabled",
            }
        ),
        expect=[
            Expect("inbox-markings", "messages[1].security.portionMarkings[0]", "above the ceiling")
        ],
        clean=["inbox-batch-atomicity"],
    ),
    Case(
        "disabled-policy-knowledge-is-not-used-for-atomicity",
        [batch("team", [message("a"), message("b", groupRecipients=to("nope-team"))])],
        config={**EXAMPLE, "inbox-realm-requirements": "disabled"},
        clean=["inbox-batch-atomicity", "inbox-realm-requirements"],
    ),
]
