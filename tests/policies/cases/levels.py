"""Cases of the enforcement levels: an entry's level, ``all``, and remediate."""

from __future__ import annotations

from gotham_inbox.policy import EnforcementLevel
from tests.policies.builders import EXAMPLE, REALM, message, single, to
from tests.policies.cases.case import Case, Expect, advice

CASES: list[Case] = [
    Case(
        "entry-without-level-keeps-policy-default",
        [single("partner", message(groupRecipients=to("partner-ops")))],
        config={
            "inbox-realm-requirements": {
                "callerRealm": REALM,
                "groups": EXAMPLE["inbox-realm-requirements"]["groups"],
            }
        },
        expect=[
            Expect(
                "inbox-realm-requirements",
                "message.groupRecipients[0].realm",
                "set realm: 'partner-realm'",
                EnforcementLevel.MANDATORY,
            )
        ],
    ),
    Case(
        "all-sets-every-level-and-entries-override",
        [single("bad", message(sender=None, groupRecipients=to("Everyone")))],
        config={"all": "advisory", "inbox-content": "disabled"},
        expect=[
            advice("inbox-message-valid", "message.sender", "required field 'sender'"),
            # What the config could not judge is reported at the level 'all' set.
            advice(
                "inbox-realm-requirements",
                "",
                "the policy config gives no groups, so 1 recipient(s)",
            ),
            advice(
                "inbox-realm-requirements",
                "message.groupRecipients[0].realm",
                "caller's realm is unknown",
            ),
        ],
        clean=["inbox-content"],
    ),
    Case(
        "remediate-reports-as-mandatory",
        [single("all", message(groupRecipients=to("Everyone")))],
        config={"inbox-content": "remediate"},
        expect=[Expect("inbox-content", "message.groupRecipients[0].name", "broadcast group")],
    ),
]
