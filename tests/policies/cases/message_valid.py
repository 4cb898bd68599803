"""Cases of ``inbox-message-valid``: the message as the server validates it, and the
resource shapes (a missing input, an empty or non-list batch, values unknown in preview)."""

from __future__ import annotations

from gotham_inbox.unknowns import UNKNOWN_STRING
from tests.policies.builders import POLICY_NAMES, batch, message, single, to, without_directory
from tests.policies.cases.case import Case, Expect

CASES: list[Case] = [
    Case(
        "valid-message-is-clean",
        [single("ok", message())],
        config=without_directory(),
        clean=[
            "inbox-message-valid",
            "inbox-batch-atomicity",
            "inbox-markings",
            "inbox-recipients-can-read",
        ],
    ),
    Case(
        "message-missing-sender",
        [single("no-sender", message(sender=None))],
        expect=[
            Expect("inbox-message-valid", "message.sender", "required field 'sender'"),
        ],
    ),
    Case(
        "message-without-recipients",
        [single("nobody", message(groupRecipients=[]))],
        expect=[Expect("inbox-message-valid", "message.groupRecipients", "no recipients")],
    ),
    Case(
        "batch-message-with-typo-field",
        [
            batch(
                "typo",
                [
                    message("a"),
                    {**message("b", groupRecipients=None), "groupRecipient": to("sre-oncall")},
                ],
            )
        ],
        expect=[
            Expect(
                "inbox-message-valid",
                "messages[1].groupRecipient",
                "did you mean 'groupRecipients'",
            ),
            Expect(
                "inbox-message-valid",
                "messages[1].groupRecipients",
                "required field 'groupRecipients'",
            ),
        ],
    ),
    Case(
        "resource-shapes",
        [single("no-input", ...), batch("empty", []), batch("not-a-list", message())],
        expect=[
            Expect("inbox-message-valid", "message", "has no 'message' input"),
            Expect("inbox-message-valid", "messages", "the batch has no messages"),
            Expect("inbox-message-valid", "messages", "must be a list"),
        ],
    ),
    Case(
        "unknown-values-during-preview-are-skipped",
        [
            single(
                "preview",
                message(
                    title={"value": UNKNOWN_STRING},
                    groupRecipients=UNKNOWN_STRING,
                    sourceId=UNKNOWN_STRING,
                ),
            ),
            batch("whole-list-unknown", UNKNOWN_STRING),
            single("whole-message-unknown", UNKNOWN_STRING),
        ],
        config=without_directory(),
        clean=POLICY_NAMES,
    ),
]
