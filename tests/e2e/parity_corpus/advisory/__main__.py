"""Parity corpus, stack 2: the other config options, every policy advisory (the preview passes).

callerRealm set in the policy config (it wins over the stack's gotham:realm), unknownGroups:
ignore, a ceiling for every stack (maxMarking), allowBroadcast, custom secret patterns, a
disabled policy; clean messages, a batch, a component and Outputs beside the findings.
"""

from typing import Any

import pulumi

from gotham_inbox.providers import InboxMessage, InboxMessageBatch, ReleaseAnnouncement

SENDER = {"displayName": "Release Bot"}


def msg(
    title: pulumi.Input[str],
    *groups: str | tuple[str, str],
    markings: tuple[str, ...] = ("UNCLASSIFIED",),
    **extra: Any,
) -> dict[str, Any]:
    """A message that the server's validation accepts."""
    recipients = [
        {"name": group} if isinstance(group, str) else {"name": group[0], "realm": group[1]}
        for group in groups
    ]
    return {
        "groupRecipients": recipients,
        "sender": SENDER,
        "title": {"value": title},
        "security": {"portionMarkings": list(markings)},
        **extra,
    }


# callerRealm is partner-realm: partner-ops needs no realm, platform-team now does.
InboxMessage("partner-implicit", message=msg("clean: partner notice", "partner-ops"))
InboxMessage("internal-implicit", message=msg("internal notice", "platform-team"))
# unknownGroups: ignore.
InboxMessage(
    "unlisted-group", message=msg("clean: to a group not listed", ("ad-hoc", "partner-realm"))
)
# maxMarking UNCLASSIFIED for every stack.
InboxMessage(
    "over-max",
    message=msg("over the ceiling", ("partner-ops", "partner-realm"), markings=("SENSITIVE",)),
)
# allowBroadcast: Everyone is fine; a custom secret pattern replaces the built-in ones.
InboxMessage("everyone", message=msg("clean: all hands", ("Everyone", "palantir-internal-realm")))
InboxMessage(
    "ticket-leak",
    message=msg(
        "ticket",
        "partner-ops",
        body={"value": "use INTERNAL-TICKET-4242", "formatStyle": "UNFORMATTED"},
    ),
)
InboxMessage(
    "builtin-not-used",
    message=msg(
        "clean: built-in patterns replaced",
        "partner-ops",
        body={"value": "AKIAABCDEFGHIJKLMNOP", "formatStyle": "UNFORMATTED"},
    ),
)
# A batch: clean, and one with a refused message (unknown marking).
InboxMessageBatch(
    "clean-batch",
    messages=[
        msg("clean: one", "partner-ops"),
        msg(pulumi.Output.from_input("clean: two"), "partner-ops"),
    ],
)
InboxMessageBatch(
    "refused-batch",
    messages=[
        msg("fine", "partner-ops"),
        msg("typo marking", "partner-ops", markings=("UNCLASIFIED",)),
    ],
)
# A component with Outputs for its inputs.
ReleaseAnnouncement(
    "announce",
    service=pulumi.Output.from_input("parity"),
    version=pulumi.Output.secret("2.0.0"),
    changelog="- clean",
    recipients=[{"name": "partner-ops", "realm": "partner-realm"}],
    markings=["UNCLASSIFIED"],
    sender="Release Bot",
)
