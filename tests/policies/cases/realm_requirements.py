"""Cases of ``inbox-realm-requirements``: every group named with the realm it lives in, the
caller's realm taken from the policy config, else the stack."""

from __future__ import annotations

from tests.policies.builders import EXAMPLE, REALM, batch, message, single, to, without_directory
from tests.policies.cases.case import Case, Expect

CASES: list[Case] = [
    Case(
        "policy-caller-realm-wins-over-stack-realm",
        [single("implicit", message(groupRecipients=to("platform-team")))],
        config={
            "inbox-realm-requirements": {
                "callerRealm": REALM,
                "groups": [{"name": "platform-team", "realm": REALM}],
            }
        },
        stack_config={"gotham:realm": "partner-realm"},
        clean=["inbox-realm-requirements"],
    ),
    Case(
        "stack-realm-is-the-fallback-of-caller-realm",
        [single("implicit", message(groupRecipients=to("platform-team")))],
        config={
            "inbox-realm-requirements": {
                "groups": [{"name": "platform-team", "realm": REALM}],
            }
        },
        stack_config={"gotham:realm": "partner-realm"},
        expect=[
            Expect(
                "inbox-realm-requirements",
                "message.groupRecipients[0].realm",
                "not in the caller's realm 'partner-realm'",
            )
        ],
    ),
    Case(
        "empty-realm-is-not-an-omitted-realm",
        [single("empty", message(groupRecipients=[{"name": "platform-team", "realm": ""}]))],
        config=EXAMPLE,
        expect=[
            Expect(
                "inbox-realm-requirements",
                "message.groupRecipients[0].realm",
                "group 'platform-team' does not exist in realm ''",
            )
        ],
    ),
    Case(
        "no-caller-realm-requires-explicit-realm",
        [single("implicit", message(groupRecipients=to("platform-team", ("sre-oncall", REALM))))],
        config=without_directory(),
        expect=[
            Expect(
                "inbox-realm-requirements",
                "message.groupRecipients[0].realm",
                "caller's realm is unknown",
            )
        ],
    ),
    Case(
        "stack-realm-is-the-fallback-caller-realm",
        [single("implicit", message(groupRecipients=to("platform-team")))],
        config=without_directory(),
        stack_config={"gotham:realm": REALM},
        clean=["inbox-realm-requirements"],
    ),
    Case(
        "group-in-other-realm-needs-explicit-realm",
        [single("partner", message(groupRecipients=to("partner-ops")))],
        config=EXAMPLE,
        expect=[
            Expect(
                "inbox-realm-requirements",
                "message.groupRecipients[0].realm",
                "set realm: 'partner-realm'",
            )
        ],
    ),
    Case(
        "stack-realm-used-with-known-groups",
        [batch("partner", [message(groupRecipients=to("partner-ops"))])],
        config={
            "inbox-realm-requirements": {"groups": EXAMPLE["inbox-realm-requirements"]["groups"]}
        },
        stack_config={"gotham:realm": REALM},
        expect=[
            Expect(
                "inbox-realm-requirements",
                "messages[0].groupRecipients[0].realm",
                f"not in the caller's realm '{REALM}'",
            )
        ],
    ),
    Case(
        "explicit-realm-where-group-does-not-exist",
        [single("wrong", message(groupRecipients=to(("platform-team", "partner-realm"))))],
        config=EXAMPLE,
        expect=[
            Expect(
                "inbox-realm-requirements",
                "message.groupRecipients[0].realm",
                "does not exist in realm 'partner-realm'",
            )
        ],
    ),
    Case(
        "unknown-group-is-flagged",
        [single("typo", message(groupRecipients=to("platfrom-team")))],
        config=EXAMPLE,
        expect=[
            Expect(
                "inbox-realm-requirements",
                "message.groupRecipients[0].name",
                "did you mean 'platform-team'",
            )
        ],
    ),
    Case(
        "unknown-group-ignored-when-configured",
        [single("typo", message(groupRecipients=to("new-team")))],
        config={
            "inbox-realm-requirements": {
                **EXAMPLE["inbox-realm-requirements"],
                "unknownGroups": "ignore",
            }
        },
        clean=["inbox-realm-requirements"],
    ),
    Case(
        "right-realms-are-clean",
        [
            single(
                "fine",
                message(groupRecipients=to("platform-team", ("partner-ops", "partner-realm"))),
            )
        ],
        config=EXAMPLE,
        clean=["inbox-realm-requirements"],
    ),
]
