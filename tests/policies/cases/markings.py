"""Cases of ``inbox-markings``: allowed markings, the caller's clearance, a stack's ceiling."""

from __future__ import annotations

from tests.policies.builders import (
    EXAMPLE,
    batch,
    ceiling,
    marked,
    message,
    single,
    to,
    without_directory,
)
from tests.policies.cases.case import Case, Expect

CASES: list[Case] = [
    Case(
        "unknown-marking",
        [single("typo", message(security=marked("SECERT")))],
        config=EXAMPLE,
        expect=[
            Expect(
                "inbox-markings",
                "message.security.portionMarkings[0]",
                "did you mean 'SECRET'",
            )
        ],
    ),
    Case(
        "marking-beyond-caller-clearance",
        [single("secret", message(security=marked("UNCLASSIFIED", "SECRET")))],
        config=EXAMPLE,
        expect=[
            Expect(
                "inbox-markings",
                "message.security.portionMarkings[1]",
                "caller is not cleared for marking 'SECRET'",
            )
        ],
    ),
    Case(
        "stack-ceiling",
        [batch("dev-alerts", [message(security=marked("SENSITIVE"))])],
        config=without_directory(ceiling(stackMaxMarkings={"dev": "UNCLASSIFIED"})),
        expect=[
            Expect(
                "inbox-markings",
                "messages[0].security.portionMarkings[0]",
                "above the ceiling 'UNCLASSIFIED' of stack 'dev'",
            )
        ],
    ),
    Case(
        "ceiling-of-another-stack-does-not-apply",
        [batch("dev-alerts", [message(security=marked("SENSITIVE"))])],
        config=without_directory(ceiling(stackMaxMarkings={"prod": "UNCLASSIFIED"})),
        clean=["inbox-markings"],
    ),
    Case(
        "no-markings",
        [single("bare", message(security=marked()))],
        config=EXAMPLE,
        # One mistake, one finding: the server's validation owns it, not inbox-markings.
        expect=[
            Expect(
                "inbox-message-valid", "message.security.portionMarkings", "no portion markings"
            ),
        ],
        clean=["inbox-markings", "inbox-batch-atomicity"],
    ),
    Case(
        "no-markings-in-a-batch",
        [batch("bare", [message("a"), message("b", security=marked())])],
        config=EXAMPLE,
        expect=[
            Expect(
                "inbox-message-valid",
                "messages[1].security.portionMarkings",
                "no portion markings",
            ),
            Expect(
                "inbox-batch-atomicity",
                "messages[1].security.portionMarkings",
                "message 1 is invalid (no portion markings",
            ),
        ],
        clean=["inbox-markings"],
    ),
    Case(
        "marking-at-the-ceiling-is-clean",
        [single("at", message(security=marked("SENSITIVE")))],
        config=without_directory(ceiling(maxMarking="SENSITIVE")),
        clean=["inbox-markings"],
    ),
    Case(
        "marking-just-above-the-ceiling",
        [single("above", message(security=marked("SECRET")))],
        config=without_directory(ceiling(maxMarking="SENSITIVE")),
        expect=[
            Expect(
                "inbox-markings",
                "message.security.portionMarkings[0]",
                "above the ceiling 'SENSITIVE' of this stack",
            )
        ],
    ),
    Case(
        "empty-caller-clearance-clears-nothing",
        [single("none", message(security=marked("UNCLASSIFIED")))],
        config=without_directory({"inbox-markings": {"callerClearance": []}}),
        expect=[
            Expect(
                "inbox-markings",
                "message.security.portionMarkings[0]",
                "the caller is not cleared for marking 'UNCLASSIFIED' (caller clearance: none)",
            )
        ],
    ),
    Case(
        "allowed-readable-markings-are-clean",
        [single("fine", message(groupRecipients=to("Everyone"), security=marked("SENSITIVE")))],
        config=EXAMPLE,
        clean=["inbox-markings", "inbox-recipients-can-read"],
    ),
]
