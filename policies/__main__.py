"""The gotham-inbox policy pack: every inbox message is checked before a deploy sends it.

The rules live in ``gotham_inbox.policy`` (one module per policy) and are shared with
``gotham-inbox check``, which evaluates exactly these policies without the Pulumi CLI.
"""

from pulumi_policy import PolicyPack

from gotham_inbox.policy.pack import build_policies
from gotham_inbox.policy.registry import PACK_NAME

PolicyPack(
    name=PACK_NAME,
    policies=build_policies(),
    description="Checks every Gotham Global Inbox message before a deploy sends it.",
)
