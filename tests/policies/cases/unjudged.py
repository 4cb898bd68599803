"""Cases of what the policy config does not know: no directory, no clearance, nothing to judge.

A policy that needs the directory says so once, at its own level, unless the config says
``missingDirectory: ignore``."""

from __future__ import annotations

from gotham_inbox.unknowns import UNKNOWN_STRING
from tests.policies.builders import (
    EXAMPLE,
    POLICY_NAMES,
    REALM,
    batch,
    marked,
    message,
    single,
    to,
    without_directory,
)
from tests.policies.cases.case import Case, Expect, advice

UNJUDGED = single(
    "restricted",
    message(groupRecipients=to("partner-ops", "no-such-group"), security=marked("RESTRICTED")),
)
"""What only the directory can judge: a group in another realm without its realm, a group that
does not exist, a marking."""

CASES: list[Case] = [
    Case(
        "no-directory-in-the-config-is-a-finding-at-each-policys-level",
        [
            UNJUDGED,
            batch("later", [message("a"), message("b")]),
        ],
        stack_config={"gotham:realm": REALM},
        expect=[
            Expect(
                "inbox-realm-requirements",
                "",
                "the policy config gives no groups, so 4 recipient(s) of 3 message(s) "
                "could not be judged; write the config from the directory with "
                "`gotham-inbox policy-config --directory FILE --caller USER` (or set "
                "missingDirectory to ignore if this stack has no directory on purpose)",
            ),
            Expect(
                "inbox-markings",
                "",
                "the policy config gives no allowedMarkings and no callerClearance, so 3 "
                "marking(s) of 3 message(s) could not be judged",
            ),
            advice(
                "inbox-recipients-can-read",
                "",
                "the policy config gives no groups, so 4 recipient(s) of 3 message(s) "
                "could not be judged",
            ),
        ],
    ),
    Case(
        "a-missing-clearance-alone-is-a-finding",
        [single("fine", message(security=marked("UNCLASSIFIED")))],
        config={
            **EXAMPLE,
            "inbox-markings": {"allowedMarkings": ["UNCLASSIFIED", "SENSITIVE"]},
        },
        expect=[
            Expect(
                "inbox-markings",
                "",
                "the policy config gives no callerClearance, so 1 marking(s) of 1 message(s)",
            )
        ],
        clean=["inbox-realm-requirements", "inbox-recipients-can-read"],
    ),
    Case(
        "no-directory-said-explicitly-is-clean",
        [UNJUDGED],
        config=without_directory(),
        stack_config={"gotham:realm": REALM},
        clean=POLICY_NAMES,
    ),
    Case(
        "nothing-to-judge-is-no-finding",
        [single("unknown", UNKNOWN_STRING), batch("empty", [])],
        clean=["inbox-realm-requirements", "inbox-markings", "inbox-recipients-can-read"],
    ),
]
