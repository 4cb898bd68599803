"""Parity corpus, stack 3: messages the server's validation refuses, in one batch.

Under the CLI the provider's own check refuses them too, with the same wording, and the
preview fails; the engine still analyzes the resource, so the pack reports the same findings
as check. (One resource: after a failed step the engine analyzes no further resources.)
"""

from gotham_inbox.providers import InboxMessageBatch

InboxMessageBatch(
    "invalid-batch",
    messages=[
        {
            "groupRecipient": [{"name": "sre-oncall"}],
            "sender": {"displayName": "Release Bot"},
            "title": {"value": "a typo"},
            "security": {"portionMarkings": ["UNCLASSIFIED"]},
        },
        {
            "groupRecipients": [{"name": "sre-oncall"}],
            "title": {"value": "who sent this?"},
            "security": {"portionMarkings": ["UNCLASSIFIED"]},
        },
    ],
)
