"""Cases of ``inbox-content``: titles, senders, sizes, credentials, broadcast groups."""

from __future__ import annotations

from tests.policies.builders import batch, message, single, to
from tests.policies.cases.case import Case, Expect, advice

CASES: list[Case] = [
    Case(
        "blank-title-and-sender",
        [single("blank", message(title={"value": "  "}, sender={"displayName": ""}))],
        expect=[
            advice("inbox-content", "message.title.value", "title is empty"),
            advice("inbox-content", "message.sender.displayName", "sender display name is empty"),
        ],
    ),
    Case(
        "title-and-body-limits",
        [
            batch(
                "long",
                [
                    message(
                        title={"value": "x" * 11},
                        body={"value": "é" * 6, "formatStyle": "UNFORMATTED"},
                    ),
                    # At the limits exactly: no finding (the counts below are of message 0).
                    message(
                        "at",
                        title={"value": "x" * 10},
                        body={"value": "é" * 5, "formatStyle": "UNFORMATTED"},
                    ),
                ],
            )
        ],
        config={"inbox-content": {"maxTitleLength": 10, "maxBodyBytes": 10}},
        expect=[
            advice(
                "inbox-content",
                "messages[0].title.value",
                "11 characters, more than maxTitleLength 10",
            ),
            advice(
                "inbox-content", "messages[0].body.value", "12 bytes, more than maxBodyBytes 10"
            ),
        ],
    ),
    Case(
        "credential-in-body",
        [
            single(
                "leak",
                message(
                    body={
                        "value": "use password: hunter2-hunter2, key AKIAABCDEFGHIJKLMNOP",
                        "formatStyle": "UNFORMATTED",
                    }
                ),
            )
        ],
        config={"inbox-content": "mandatory"},
        expect=[
            Expect(
                "inbox-content",
                "message.body.value",
                "matches aws-access-key-id, credential-assignment",
            )
        ],
    ),
    Case(
        "broadcast-needs-allow",
        [single("all", message(groupRecipients=to("Everyone")))],
        expect=[
            advice(
                "inbox-content",
                "message.groupRecipients[0].name",
                "'Everyone' is a broadcast group",
            )
        ],
    ),
    Case(
        "broadcast-allowed",
        [single("all", message(groupRecipients=to("Everyone")))],
        config={"inbox-content": {"allowBroadcast": True}},
        clean=["inbox-content"],
    ),
    Case(
        "ordinary-message-has-good-content",
        [single("fine", message())],
        clean=["inbox-content"],
    ),
]
