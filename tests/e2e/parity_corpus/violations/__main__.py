"""Parity corpus, stack 1: a violation of every policy and of every config option it has.

Every message passes the provider's own validation (so the engine analyzes it): what is wrong
is only what the policies know. Run by tests/e2e/test_e2e_policy_parity.py both ways.
"""

from typing import Any

import pulumi

from gotham_inbox.providers import InboxMessage, InboxMessageBatch, ReleaseAnnouncement
from release_manifest import ReleaseManifest

SENDER = {"displayName": "Release Bot"}
SHARED_ID = "0b1e9c1c-8d55-4c55-9f1e-7a2f4b3f7d10"


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


# inbox-realm-requirements: callerRealm comes from gotham:realm (the policy config has none);
# groups with unknownGroups: flag.
InboxMessage("partner-without-realm", message=msg("partner notice", "partner-ops"))
InboxMessage("wrong-realm", message=msg("wrong realm", ("platform-team", "partner-realm")))
InboxMessage("unknown-group", message=msg("typo group", "platfrom-team"))
InboxMessage("empty-realm", message=msg("empty realm", ("sre-oncall", "")))

# inbox-markings: allowedMarkings, callerClearance, stackMaxMarkings (dev: SENSITIVE).
InboxMessage("unknown-marking", message=msg("typo marking", "platform-team", markings=("SECERT",)))
InboxMessage("beyond-clearance", message=msg("top", "platform-team", markings=("TOPSECRET",)))
InboxMessage("above-stack-ceiling", message=msg("secret", "platform-team", markings=("SECRET",)))

# inbox-recipients-can-read: groups (partner-ops reads UNCLASSIFIED only).
InboxMessage(
    "partner-cannot-read",
    message=msg("sensitive", ("partner-ops", "partner-realm"), markings=("SENSITIVE",)),
)

# inbox-content: maxTitleLength, maxSenderLength, maxBodyBytes, broadcastGroups/allowBroadcast,
# the built-in secret patterns; an empty title.
InboxMessage(
    "long-title", message=msg("a title that is longer than forty characters", "sre-oncall")
)
InboxMessage(
    "long-sender",
    message={**msg("sender", "sre-oncall"), "sender": {"displayName": "a sender name over twenty"}},
)
InboxMessage(
    "big-body",
    message=msg("body", "sre-oncall", body={"value": "x" * 101, "formatStyle": "UNFORMATTED"}),
)
InboxMessage("broadcast", message=msg("all hands", "all-staff"))
InboxMessage("empty-title", message=msg("   ", "sre-oncall"))
InboxMessage(
    "leaked-key",
    message=msg(
        "key", "sre-oncall", body={"value": "AKIAABCDEFGHIJKLMNOP", "formatStyle": "UNFORMATTED"}
    ),
)

# inbox-message-valid: the server's limits maxRecipientsPerMessage, maxTitleLength,
# maxBodyLength (characters); one past each.
InboxMessage(
    "too-many-recipients", message=msg("crowd", "sre-oncall", "platform-team", "sre-oncall")
)
InboxMessage("over-server-title", message=msg("t" * 61, "sre-oncall"))
InboxMessage(
    "over-server-body",
    message=msg("body", "sre-oncall", body={"value": "é" * 151, "formatStyle": "MARKDOWN"}),
)

# inbox-batch-atomicity: maxBatchSize 3, maxMessagesPerRequest 5, a sourceId used by two
# resources, and a batch refused whole because of one message the server would refuse (an
# unknown group, a marking beyond clearance, a title past the server's limit).
InboxMessageBatch("oversize", messages=[msg(f"step {i}", "sre-oncall") for i in range(4)])
InboxMessageBatch("over-request", messages=[msg(f"part {i}", "sre-oncall") for i in range(6)])
# (A sourceId twice in one batch is refused by the provider's own check, before any policy.)
InboxMessageBatch("has-the-id", messages=[msg("one", "sre-oncall", sourceId=SHARED_ID)])
InboxMessage("shares-an-id", message=msg("three", "sre-oncall", sourceId=SHARED_ID))
InboxMessageBatch(
    "one-refused",
    messages=[
        msg("fine", "sre-oncall"),
        msg("to nobody", "nobody-team"),
        msg("too high", "sre-oncall", markings=("TOPSECRET",)),
        msg("l" * 61, "sre-oncall"),
    ],
)

# Messages holding Outputs: a secret title, and a body built from another resource's output.
manifest = ReleaseManifest("manifest", path="build/parity.json", content={"release": "1"})
InboxMessage(
    "secret-output",
    message=msg(pulumi.Output.secret("password = hunter2hunter2"), "sre-oncall"),
)
InboxMessage(
    "output-body",
    message=msg(
        "manifest written",
        "partner-ops",
        body={"value": manifest.path.apply(lambda path: f"see {path}"), "formatStyle": "MARKDOWN"},
    ),
)

# A component: the announcement's own message, to a group in another realm without a realm.
ReleaseAnnouncement(
    "announce",
    service="parity",
    version="1.0.0",
    changelog="- nothing",
    recipients=["partner-ops"],
    markings=["UNCLASSIFIED"],
    sender="Release Bot",
)
