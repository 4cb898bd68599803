"""``inbox-recipients-can-read``: every recipient group can read the message it is sent.

A user must hold every marking of a message to read it, but the server does not check the
recipients' clearance when a message is sent: a message that a recipient group cannot read is
accepted and delivered, and that group's members cannot open it. So this is advice, not a
refusal, and the policy is advisory by default. It checks each recipient against the clearance
the config gives its group (``groups``), finding a group of a recipient without a realm in the
caller's realm (``callerRealm``, else the stack config ``gotham:realm``).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

from pydantic import Field

from gotham_inbox.policy.inbox_resource import (
    InboxResource,
    MessageRef,
    StackContext,
)
from gotham_inbox.policy.messages import UNKNOWN, Recipient, known_markings
from gotham_inbox.policy.properties import PolicyProperties, caller_realm_field
from gotham_inbox.policy.spec import PolicySpec, Severity
from gotham_inbox.policy.unjudged import (
    MissingDirectory,
    missing_directory_field,
    unjudged_finding,
)
from gotham_inbox.policy.violation import EnforcementLevel, Finding, message_finding
from gotham_inbox.realms import resolved_realm

NAME = "inbox-recipients-can-read"
DEFAULT_LEVEL = EnforcementLevel.ADVISORY
DESCRIPTION = (
    "Every recipient group should be able to read the message: a user must hold every marking "
    "of a message to read it, and the server delivers a message to a group that cannot. Lower "
    "the markings, remove the group, or send the group a separate message it can read; update "
    "the policy config's groups if a clearance changed."
)
DISPLAY_NAME = "Recipients can read what they are sent"
SEVERITY = Severity.MEDIUM
REMEDIATION_STEPS = (
    "Lower the message's markings to what every recipient group can read, remove the group, "
    "or send it a separate message it can read; update groups in the policy config if a "
    "clearance changed."
)
TAGS = ("security", "classification")


class GroupClearance(PolicyProperties):
    """The markings the members of a group can read."""

    name: str = Field(min_length=1, description="The group's name.")
    realm: str | None = Field(
        default=None, description="The group's realm; omitted: the entry applies in any realm."
    )
    clearance: list[str] = Field(description="The markings the group's members can read.")


class RecipientsCanReadProperties(PolicyProperties):
    """Properties of ``inbox-recipients-can-read``."""

    caller_realm: str | None = caller_realm_field(
        "The caller's realm, used to find the group of a recipient without a realm."
    )
    groups: list[GroupClearance] = Field(
        default=[],
        description="The clearance of each group; a group not listed is not checked. "
        "Empty: nothing is checked.",
    )
    missing_directory: MissingDirectory = missing_directory_field("groups")

    @functools.cached_property
    def groups_by_name(self) -> dict[str, list[GroupClearance]]:
        """The ``groups`` entries by group name, in config order (callers only read it)."""
        # Built once per config: every recipient of every message is looked up.
        by_name: dict[str, list[GroupClearance]] = {}
        for group in self.groups:
            by_name.setdefault(group.name, []).append(group)
        return by_name


def _listing(markings: list[str]) -> str:
    return ", ".join(markings) if markings else "none"


def _group_clearance(
    entries: list[GroupClearance], recipient: Recipient, caller_realm: str | None
) -> list[str] | None:
    """The clearance of the recipient's group among the config's entries of that name."""
    realm = resolved_realm(recipient.realm, caller_realm)
    if realm is not None:
        entries = [group for group in entries if group.realm in (None, realm)]
    # Without a realm to tell same-named groups apart, judge only an unambiguous entry.
    return entries[0].clearance if len(entries) == 1 else None


def check_message(
    resource: InboxResource,
    ref: MessageRef,
    config: RecipientsCanReadProperties,
    context: StackContext,
) -> list[Finding]:
    """The recipients of one message whose group's clearance lacks one of its markings."""
    by_name = config.groups_by_name
    # A group the config does not list is not checked; most messages stop here.
    listed = [recipient for recipient in ref.recipients if recipient.name in by_name]
    if not listed:
        return []
    raw = ref.markings
    # No markings (or not yet known): inbox-markings and inbox-message-valid report that.
    if raw is UNKNOWN or not isinstance(raw, list):
        return []
    wanted = list(dict.fromkeys(marking for _, marking in known_markings(raw)))
    caller_realm = context.caller_realm(config.caller_realm)
    findings = []
    for recipient in listed:
        clearance = _group_clearance(by_name[recipient.name], recipient, caller_realm)
        if clearance is None:
            continue
        missing = [marking for marking in wanted if marking not in clearance]
        if missing:
            findings.append(
                message_finding(
                    resource,
                    ref,
                    recipient.field,
                    f"group '{recipient.name}' cannot read this message: its clearance "
                    f"({_listing(clearance)}) lacks {_listing(missing)}, so its members cannot "
                    "open it (the server delivers it anyway); lower the markings, remove the "
                    "group, or send it a separate message it can read",
                )
            )
    return findings


def _readable_recipient_count(ref: MessageRef) -> int:
    # What this rule judges: the recipients of a message whose markings are known.
    raw = ref.markings
    if not isinstance(raw, list) or not known_markings(raw):
        return 0
    return len(ref.recipients)


def check_stack(
    resources: Sequence[InboxResource], config: RecipientsCanReadProperties, context: StackContext
) -> list[Finding]:
    """Says so when no group's clearance is known, so no recipient was judged."""
    lacks = ["groups"] if not config.groups and config.missing_directory == "flag" else []
    return unjudged_finding(resources, lacks, _readable_recipient_count, "recipient(s)")


SPEC = PolicySpec(
    name=NAME,
    description=DESCRIPTION,
    default_level=DEFAULT_LEVEL,
    properties_model=RecipientsCanReadProperties,
    check_message=check_message,
    check_stack=check_stack,
    display_name=DISPLAY_NAME,
    severity=SEVERITY,
    remediation_steps=REMEDIATION_STEPS,
    tags=TAGS,
)
"""The policy as the registry lists it: what the pack and ``check`` run."""
