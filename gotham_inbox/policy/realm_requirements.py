"""``inbox-realm-requirements``: every recipient resolves to a group in the intended realm.

A recipient's realm defaults to the caller's realm; a group in another realm is only reached
with an explicit realm. With the caller's realm (``callerRealm``, else the stack config
``gotham:realm``) and the known groups (``groups``), a recipient is flagged when it omits its
realm while the group lives elsewhere, names a realm where the group does not exist, or names an
unknown group. With no caller realm known, every recipient must give its realm.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Sequence
from typing import Literal

from pydantic import Field

from gotham_inbox.policy.inbox_resource import (
    CALLER_REALM_KEY,
    InboxResource,
    MessageRef,
    StackContext,
)
from gotham_inbox.policy.messages import Recipient
from gotham_inbox.policy.properties import PolicyProperties, caller_realm_field
from gotham_inbox.policy.spec import PolicySpec, Severity
from gotham_inbox.policy.unjudged import (
    MissingDirectory,
    missing_directory_field,
    unjudged_finding,
)
from gotham_inbox.policy.violation import EnforcementLevel, Finding, message_finding
from gotham_inbox.realms import resolved_realm
from gotham_inbox.suggestions import did_you_mean

NAME = "inbox-realm-requirements"
DEFAULT_LEVEL = EnforcementLevel.MANDATORY
DESCRIPTION = (
    "Every group recipient must resolve to an existing group in the intended realm. A recipient "
    "without a realm is looked up in the caller's realm, so a group in another realm needs an "
    "explicit realm. Set the realm each finding names, fix the group name, or tell the policy "
    "the caller's realm (callerRealm, or stack config gotham:realm) and the known groups."
)
DISPLAY_NAME = "Recipients resolve in the intended realm"
SEVERITY = Severity.HIGH
REMEDIATION_STEPS = (
    "Give a recipient in another realm its realm explicitly, fix a misspelt group name, or "
    "tell the policy the caller's realm (callerRealm, or stack config gotham:realm) and the "
    "groups that exist (regenerate the policy config with `gotham-inbox policy-config`)."
)
TAGS = ("security", "realms")


class KnownGroup(PolicyProperties):
    """A group that exists, and the realm it lives in."""

    name: str = Field(min_length=1, description="The group's name.")
    realm: str = Field(min_length=1, description="The realm the group lives in.")


class RealmRequirementsProperties(PolicyProperties):
    """Properties of ``inbox-realm-requirements``."""

    caller_realm: str | None = caller_realm_field(
        "The realm of the user or client that sends the messages."
    )
    groups: list[KnownGroup] = Field(
        default=[],
        description="Every group that exists, with its realm (a name may exist in several "
        "realms). Empty: group names and realms are not checked.",
    )
    unknown_groups: Literal["flag", "ignore"] = Field(
        default="flag",
        description="What to do with a recipient group that is not in groups: flag it, or "
        "ignore it. Only applies when groups is not empty.",
    )
    missing_directory: MissingDirectory = missing_directory_field("groups")

    @functools.cached_property
    def realms_by_group(self) -> dict[str, set[str]]:
        """The realms each known group lives in, by group name (callers only read it)."""
        # Built once per config rather than once per message.
        realms: dict[str, set[str]] = defaultdict(set)
        for group in self.groups:
            realms[group.name].add(group.realm)
        return dict(realms)


def _listing(realms: set[str]) -> str:
    return " or ".join(f"'{realm}'" for realm in sorted(realms))


def _check_recipient(
    recipient: Recipient,
    caller_realm: str | None,
    known: dict[str, set[str]],
    config: RealmRequirementsProperties,
) -> tuple[str, str] | None:
    """The (field, message) of what is wrong with one recipient, if anything."""
    name = recipient.name
    if recipient.realm is None and caller_realm is None:
        suggestion = f" (e.g. realm: {_listing(known[name])})" if known.get(name) else ""
        return f"{recipient.field}.realm", (
            f"group '{name}' has no realm and the caller's realm is unknown, so it is not "
            f"known which realm the server looks in; give the realm explicitly{suggestion}, or "
            f"set callerRealm in the policy config or {CALLER_REALM_KEY} in the stack config"
        )
    if not known:
        return None
    realm = resolved_realm(recipient.realm, caller_realm)
    realms = known.get(name)
    if realms is None:
        if config.unknown_groups == "ignore":
            return None
        hint = did_you_mean(name, known)
        return f"{recipient.field}.name", (
            f"group '{name}' is not a known group (Gotham refuses it: 400 UnknownRecipients); "
            f"{hint}fix the name, or add the group to this policy's groups (or set "
            "unknownGroups to ignore)"
        )
    if realm in realms:
        return None
    if recipient.realm is None:
        return f"{recipient.field}.realm", (
            f"group '{name}' lives in realm {_listing(realms)}, not in the caller's realm "
            f"'{caller_realm}', and a recipient without a realm is looked up in the caller's "
            f"realm (Gotham refuses it: 400 UnknownRecipients); set realm: {_listing(realms)}"
        )
    return f"{recipient.field}.realm", (
        f"group '{name}' does not exist in realm '{recipient.realm}' (Gotham refuses it: 400 "
        f"UnknownRecipients); it lives in realm {_listing(realms)}; set realm to that"
    )


def refusal(
    ref: MessageRef, config: RealmRequirementsProperties, context: StackContext
) -> tuple[str, str] | None:
    """The first recipient the server would refuse (``UnknownRecipients``), if any.

    Only what the config knows for certain: a group that does not exist (when unknown groups
    are flagged) or that does not live in the realm the server looks in. A recipient whose
    realm cannot be told (no realm and no caller realm) may well be sent, so it is not one.
    """
    caller_realm = context.caller_realm(config.caller_realm)
    known = config.realms_by_group
    if not known:
        return None
    for recipient in ref.recipients:
        realm = resolved_realm(recipient.realm, caller_realm)
        if realm is None:
            continue
        realms = known.get(recipient.name)
        if realms is not None and realm in realms:  # the usual case, without building text
            continue
        problem = _check_recipient(recipient, caller_realm, known, config)
        if problem is not None:
            field, message = problem
            return field, message.split("; ", 1)[0]
    return None


def check_message(
    resource: InboxResource,
    ref: MessageRef,
    config: RealmRequirementsProperties,
    context: StackContext,
) -> list[Finding]:
    """Realm problems of every recipient of one message."""
    caller_realm = context.caller_realm(config.caller_realm)
    known = config.realms_by_group
    findings = []
    for recipient in ref.recipients:
        problem = _check_recipient(recipient, caller_realm, known, config)
        if problem is not None:
            field, message = problem
            findings.append(message_finding(resource, ref, field, message))
    return findings


def check_stack(
    resources: Sequence[InboxResource],
    config: RealmRequirementsProperties,
    context: StackContext,
) -> list[Finding]:
    """Says so when no groups are known, so no recipient's group or realm was judged."""
    lacks = ["groups"] if not config.groups and config.missing_directory == "flag" else []
    return unjudged_finding(resources, lacks, lambda ref: len(ref.recipients), "recipient(s)")


SPEC = PolicySpec(
    name=NAME,
    description=DESCRIPTION,
    default_level=DEFAULT_LEVEL,
    properties_model=RealmRequirementsProperties,
    check_message=check_message,
    check_stack=check_stack,
    display_name=DISPLAY_NAME,
    severity=SEVERITY,
    remediation_steps=REMEDIATION_STEPS,
    tags=TAGS,
)
"""The policy as the registry lists it: what the pack and ``check`` run."""
