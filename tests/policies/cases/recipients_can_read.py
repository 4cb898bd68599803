"""Cases of ``inbox-recipients-can-read``: a recipient group cleared for every marking of the
message (advice by default)."""

from __future__ import annotations

from typing import Any

from gotham_inbox.policy import EnforcementLevel, InboxResource
from gotham_inbox.unknowns import UNKNOWN_STRING
from tests.policies.builders import EXAMPLE, REALM, batch, marked, message, single, to
from tests.policies.cases.case import Case, Expect, advice

PARTNER_OPS = to(("partner-ops", "partner-realm"))
"""A group whose clearance (UNCLASSIFIED) lacks SENSITIVE."""


def sensitive_to_ops() -> InboxResource:
    """A SENSITIVE message to the group ``ops``, its realm left to the caller's."""
    return single("ops", message(groupRecipients=to("ops"), security=marked("SENSITIVE")))


def ops_in_two_realms(away_clearance: list[str], **properties: Any) -> dict[str, Any]:
    """A config with two groups named ``ops``: one in ``away-realm`` with ``away_clearance``,
    one in the caller's realm cleared for SENSITIVE; realms themselves not judged."""
    groups = [
        {"name": "ops", "realm": "away-realm", "clearance": away_clearance},
        {"name": "ops", "realm": REALM, "clearance": ["SENSITIVE"]},
    ]
    return {
        "inbox-recipients-can-read": {**properties, "groups": groups},
        "inbox-realm-requirements": "disabled",
    }


CASES: list[Case] = [
    Case(
        "recipient-cannot-read-message-is-advice",
        [
            single(
                "partner",
                message(
                    groupRecipients=to(("partner-ops", "partner-realm"), "platform-team"),
                    security=marked("SENSITIVE"),
                ),
            )
        ],
        config=EXAMPLE,
        expect=[
            advice(
                "inbox-recipients-can-read",
                "message.groupRecipients[0]",
                "'partner-ops' cannot read this message: its clearance (UNCLASSIFIED) "
                "lacks SENSITIVE, so its members cannot open it",
            )
        ],
        # The caller may apply SENSITIVE and the server delivers it: nothing mandatory.
        clean=["inbox-markings", "inbox-realm-requirements", "inbox-message-valid"],
    ),
    Case(
        "recipient-without-realm-is-looked-up-in-the-caller-realm",
        [
            batch(
                "all-hands",
                [
                    message("a"),
                    message(
                        "b",
                        groupRecipients=to("platform-team", "Everyone"),
                        security=marked("UNCLASSIFIED", "SECRET", "SECRET"),
                    ),
                ],
            )
        ],
        config=EXAMPLE,
        expect=[
            advice(
                "inbox-recipients-can-read",
                "messages[1].groupRecipients[1]",
                "'Everyone' cannot read this message: its clearance (UNCLASSIFIED, "
                "SENSITIVE) lacks SECRET, so",
            )
        ],
    ),
    Case(
        "stack-realm-picks-the-group-for-readability",
        [sensitive_to_ops()],
        config=ops_in_two_realms(away_clearance=["UNCLASSIFIED"]),
        stack_config={"gotham:realm": "away-realm"},
        expect=[
            advice(
                "inbox-recipients-can-read",
                "message.groupRecipients[0]",
                "'ops' cannot read this message: its clearance (UNCLASSIFIED) lacks SENSITIVE",
            )
        ],
    ),
    Case(
        "caller-realm-in-policy-config-overrides-the-stack-realm",
        [sensitive_to_ops()],
        config=ops_in_two_realms(away_clearance=["UNCLASSIFIED"], callerRealm=REALM),
        stack_config={"gotham:realm": "away-realm"},
        clean=["inbox-recipients-can-read"],
    ),
    Case(
        "same-named-groups-without-any-realm-are-not-judged",
        [sensitive_to_ops()],
        config=ops_in_two_realms(away_clearance=[]),
        clean=["inbox-recipients-can-read"],
    ),
    Case(
        "group-entry-without-realm-applies-in-every-realm",
        [
            single(
                "ops",
                message(
                    groupRecipients=to(("ops", "away-realm"), ("ops", REALM)),
                    security=marked("SENSITIVE"),
                ),
            )
        ],
        config={"inbox-recipients-can-read": {"groups": [{"name": "ops", "clearance": []}]}},
        expect=[
            advice(
                "inbox-recipients-can-read",
                f"message.groupRecipients[{position}]",
                "'ops' cannot read this message: its clearance (none) lacks SENSITIVE",
            )
            for position in (0, 1)
        ],
    ),
    Case(
        "readability-can-be-made-mandatory",
        [
            single(
                "partner",
                message(
                    groupRecipients=PARTNER_OPS,
                    security=marked("SENSITIVE"),
                ),
            )
        ],
        config={
            **EXAMPLE,
            "inbox-recipients-can-read": {
                **EXAMPLE["inbox-recipients-can-read"],
                "enforcementLevel": "mandatory",
            },
        },
        expect=[
            Expect(
                "inbox-recipients-can-read",
                "message.groupRecipients[0]",
                "'partner-ops' cannot read this message",
                EnforcementLevel.MANDATORY,
            )
        ],
    ),
    Case(
        "unknown-or-missing-markings-are-not-judged-for-readability",
        [
            batch(
                "partner",
                [
                    message(
                        "a",
                        groupRecipients=PARTNER_OPS,
                        security=marked(UNKNOWN_STRING, "UNCLASSIFIED"),
                    ),
                    message(
                        "b",
                        groupRecipients=PARTNER_OPS,
                        security={"portionMarkings": UNKNOWN_STRING},
                    ),
                    message(
                        "c",
                        groupRecipients=PARTNER_OPS,
                        security=marked(),
                    ),
                ],
            )
        ],
        config=EXAMPLE,
        clean=["inbox-recipients-can-read"],
    ),
]
