"""``inbox-markings``: markings present, allowed, within clearance, readable, under the ceiling.

The server validates markings against its CBAC rules and a user must hold every marking of a
message to read it. This policy checks that against what the config knows: the allowed markings
(ordered lowest to highest), the caller's clearance, each group's clearance, and an optional
ceiling (for every stack, or per stack: e.g. nothing above SENSITIVE from ``dev``).
"""

from __future__ import annotations

import difflib
import functools
from typing import Self

from pydantic import Field, model_validator

from gotham_inbox.policy.levels import EnforcementLevel
from gotham_inbox.policy.messages import UNKNOWN, Recipient, known_markings
from gotham_inbox.policy.resources import (
    CALLER_REALM_KEY,
    InboxResource,
    MessageRef,
    StackContext,
)
from gotham_inbox.policy.settings import PolicyConfig
from gotham_inbox.policy.violation import Finding, message_finding

NAME = "inbox-markings"
DEFAULT_LEVEL = EnforcementLevel.MANDATORY
DESCRIPTION = (
    "Every message must carry portion markings that are allowed, that the caller is cleared "
    "for, that every recipient group can read, and that stay under the stack's ceiling. Change "
    "the markings or the recipients as each finding says, or update the policy config if the "
    "directory changed."
)

_MARKINGS_FIELD = "security.portionMarkings"


class GroupClearance(PolicyConfig):
    """The markings the members of a group can read."""

    name: str = Field(min_length=1, description="The group's name.")
    realm: str | None = Field(
        default=None, description="The group's realm; omitted: the entry applies in any realm."
    )
    clearance: list[str] = Field(description="The markings the group's members can read.")


class MarkingsConfig(PolicyConfig):
    """Properties of ``inbox-markings``."""

    allowed_markings: list[str] = Field(
        default=[],
        description="Every marking the server accepts, ordered from lowest to highest. "
        "Empty: any marking is allowed and no ceiling applies.",
    )
    caller_clearance: list[str] | None = Field(
        default=None,
        description="The markings the caller is cleared for. Omitted: not checked.",
    )
    caller_realm: str | None = Field(
        default=None,
        min_length=1,
        description="The caller's realm, used to find the group of a recipient without a "
        "realm. Defaults to the stack config gotham:realm.",
    )
    groups: list[GroupClearance] = Field(
        default=[],
        description="The clearance of each group; a group not listed is not checked.",
    )
    max_marking: str | None = Field(
        default=None,
        description="The highest marking any stack may send (one of allowedMarkings).",
    )
    stack_max_markings: dict[str, str] = Field(
        default={},
        description="The highest marking per stack name, overriding maxMarking "
        '(e.g. {"dev": "SENSITIVE"}).',
    )

    @model_validator(mode="after")
    def _ceilings_are_ordered_markings(self) -> Self:
        if len(set(self.allowed_markings)) != len(self.allowed_markings):
            raise ValueError("allowedMarkings lists a marking twice; list each marking once")
        ceilings = {"maxMarking": self.max_marking} if self.max_marking else {}
        ceilings.update(
            {f"stackMaxMarkings.{stack}": value for stack, value in self.stack_max_markings.items()}
        )
        for where, ceiling in ceilings.items():
            if ceiling not in self.allowed_markings:
                raise ValueError(
                    f"{where} is '{ceiling}', which is not in allowedMarkings; a ceiling needs "
                    "the ordered list of markings: add it to allowedMarkings (lowest first)"
                )
        return self

    @functools.cached_property
    def groups_by_name(self) -> dict[str, list[GroupClearance]]:
        """The ``groups`` entries by group name, in config order (callers only read it)."""
        # Built once per config: every recipient of every message is looked up.
        by_name: dict[str, list[GroupClearance]] = {}
        for group in self.groups:
            by_name.setdefault(group.name, []).append(group)
        return by_name

    def ceiling_for(self, stack: str | None) -> str | None:
        """The highest marking the given stack may send, if any."""
        if stack is not None and stack in self.stack_max_markings:
            return self.stack_max_markings[stack]
        return self.max_marking


def _listing(markings: list[str]) -> str:
    return ", ".join(markings) if markings else "none"


def _marking_problem(
    marking: str, config: MarkingsConfig, ceiling: str | None, stack: str | None
) -> str | None:
    allowed = config.allowed_markings
    if allowed and marking not in allowed:
        close = difflib.get_close_matches(marking, allowed, n=1)
        hint = f"did you mean '{close[0]}'? " if close else ""
        return (
            f"marking '{marking}' is not an allowed marking; {hint}use one of {_listing(allowed)}"
        )
    clearance = config.caller_clearance
    if clearance is not None and marking not in clearance:
        return (
            f"the caller is not cleared for marking '{marking}' (caller clearance: "
            f"{_listing(clearance)}) and the server refuses it; use a marking the caller holds "
            "or send as a caller cleared for it"
        )
    if ceiling is not None and allowed.index(marking) > allowed.index(ceiling):
        scope = f"stack '{stack}'" if stack in config.stack_max_markings else "this stack"
        return (
            f"marking '{marking}' is above the ceiling '{ceiling}' of {scope}; lower the "
            "marking or send it from a stack whose ceiling allows it"
        )
    return None


def _group_clearance(
    entries: list[GroupClearance], recipient: Recipient, caller_realm: str | None
) -> list[str] | None:
    """The clearance of the recipient's group among the config's entries of that name."""
    realm = recipient.realm if recipient.realm is not None else caller_realm
    if realm is not None:
        entries = [group for group in entries if group.realm in (None, realm)]
    # Without a realm to tell same-named groups apart, judge only an unambiguous entry.
    return entries[0].clearance if len(entries) == 1 else None


def check_message(
    resource: InboxResource, ref: MessageRef, config: MarkingsConfig, context: StackContext
) -> list[Finding]:
    """Marking problems of one message."""
    raw = ref.markings
    if raw is UNKNOWN:
        return []
    if not isinstance(raw, list) or not raw:
        return [
            message_finding(
                resource,
                ref,
                _MARKINGS_FIELD,
                "no portion markings; add at least one (allowed: "
                f"{_listing(config.allowed_markings) if config.allowed_markings else 'any'})",
            )
        ]
    markings = known_markings(raw)
    findings = []
    ceiling = config.ceiling_for(context.stack)
    for position, marking in markings:
        problem = _marking_problem(marking, config, ceiling, context.stack)
        if problem is not None:
            field = f"{_MARKINGS_FIELD}[{position}]"
            findings.append(message_finding(resource, ref, field, problem))
    for recipient in ref.recipients:
        entries = config.groups_by_name.get(recipient.name)
        if not entries:  # a group the config does not list is not checked
            continue
        caller_realm = config.caller_realm or context.get(CALLER_REALM_KEY)
        clearance = _group_clearance(entries, recipient, caller_realm)
        if clearance is None:
            continue
        wanted = dict.fromkeys(marking for _, marking in markings)
        missing = [marking for marking in wanted if marking not in clearance]
        if missing:
            findings.append(
                message_finding(
                    resource,
                    ref,
                    recipient.field,
                    f"group '{recipient.name}' cannot read this message: its clearance "
                    f"({_listing(clearance)}) lacks {_listing(missing)}; lower the markings, "
                    "remove the group, or send it a separate message it can read",
                )
            )
    return findings
