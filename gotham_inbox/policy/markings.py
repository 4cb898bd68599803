"""``inbox-markings``: markings present, allowed, within the caller's clearance, under the ceiling.

The server validates markings against its CBAC rules and refuses a marking the caller does not
hold. This policy checks that against what the config knows: the allowed markings (ordered
lowest to highest), the caller's clearance, and an optional ceiling (for every stack, or per
stack: e.g. nothing above SENSITIVE from ``dev``). Whether each recipient group can read a
message is not a refusal (the server delivers it), so it is a policy of its own, the advisory
``inbox-recipients-can-read``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Self

from pydantic import Field, model_validator

from gotham_inbox.policy.inbox_resource import InboxResource, MessageRef, StackContext
from gotham_inbox.policy.messages import UNKNOWN, known_markings
from gotham_inbox.policy.properties import PolicyProperties
from gotham_inbox.policy.spec import PolicySpec, Severity
from gotham_inbox.policy.unjudged import (
    MissingDirectory,
    missing_directory_field,
    unjudged_finding,
)
from gotham_inbox.policy.violation import EnforcementLevel, Finding, message_finding
from gotham_inbox.suggestions import did_you_mean

NAME = "inbox-markings"
DEFAULT_LEVEL = EnforcementLevel.MANDATORY
DESCRIPTION = (
    "Every message must carry portion markings that are allowed, that the caller is cleared "
    "for, and that stay under the stack's ceiling. Change the markings as each finding says, "
    "send as a caller cleared for them, or update the policy config if the directory changed."
)
DISPLAY_NAME = "Markings are allowed, cleared and under the ceiling"
SEVERITY = Severity.CRITICAL
REMEDIATION_STEPS = (
    "Use a marking from allowedMarkings that the caller is cleared for and that is at or "
    "below the stack's ceiling (stackMaxMarkings, else maxMarking), or send from a stack or "
    "as a caller allowed to; regenerate the policy config if the directory changed."
)
TAGS = ("security", "classification")

_MARKINGS_FIELD = "security.portionMarkings"


class MarkingsProperties(PolicyProperties):
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
    max_marking: str | None = Field(
        default=None,
        description="The highest marking any stack may send (one of allowedMarkings).",
    )
    stack_max_markings: dict[str, str] = Field(
        default={},
        description="The highest marking per stack name, overriding maxMarking "
        '(e.g. {"dev": "SENSITIVE"}).',
    )
    missing_directory: MissingDirectory = missing_directory_field(
        "allowedMarkings or callerClearance"
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

    def ceiling_for(self, stack: str | None) -> str | None:
        """The highest marking the given stack may send, if any."""
        if stack is not None and stack in self.stack_max_markings:
            return self.stack_max_markings[stack]
        return self.max_marking


def _listing(markings: list[str]) -> str:
    return ", ".join(markings) if markings else "none"


def _marking_problem(
    marking: str, config: MarkingsProperties, ceiling: str | None, stack: str | None
) -> str | None:
    allowed = config.allowed_markings
    if allowed and marking not in allowed:
        hint = did_you_mean(marking, allowed)
        return (
            f"marking '{marking}' is not an allowed marking (Gotham refuses it: 400 "
            f"InvalidMessagePortionMarkings); {hint}use one of {_listing(allowed)}"
        )
    clearance = config.caller_clearance
    if clearance is not None and marking not in clearance:
        return (
            f"the caller is not cleared for marking '{marking}' (caller clearance: "
            f"{_listing(clearance)}) and the server refuses it (400 "
            "InvalidMessagePortionMarkings); use a marking the caller holds "
            "or send as a caller cleared for it"
        )
    if ceiling is not None and allowed.index(marking) > allowed.index(ceiling):
        scope = f"stack '{stack}'" if stack in config.stack_max_markings else "this stack"
        return (
            f"marking '{marking}' is above the ceiling '{ceiling}' of {scope}; lower the "
            "marking or send it from a stack whose ceiling allows it"
        )
    return None


def refusal(
    ref: MessageRef, config: MarkingsProperties, context: StackContext
) -> tuple[str, str] | None:
    """The first marking the server would refuse: not an allowed marking
    (``InvalidMessagePortionMarkings``) or one the caller is not cleared for. A ceiling is
    this project's rule, not the server's, so a marking above it is not a refusal."""
    raw = ref.markings
    if raw is UNKNOWN or not isinstance(raw, list):
        return None
    allowed, clearance = config.allowed_markings, config.caller_clearance
    for position, marking in known_markings(raw):
        field = f"{_MARKINGS_FIELD}[{position}]"
        if allowed and marking not in allowed:
            return field, f"marking '{marking}' is not an allowed marking"
        if clearance is not None and marking not in clearance:
            return field, f"the caller is not cleared for marking '{marking}'"
    return None


def check_message(
    resource: InboxResource, ref: MessageRef, config: MarkingsProperties, context: StackContext
) -> list[Finding]:
    """Marking problems of one message.

    Missing, empty or malformed markings are not reported here: the server's validation
    refuses them, and ``inbox-message-valid`` says so (one mistake, one finding).
    """
    raw = ref.markings
    if raw is UNKNOWN or not isinstance(raw, list):
        return []
    findings = []
    ceiling = config.ceiling_for(context.stack)
    for position, marking in known_markings(raw):
        problem = _marking_problem(marking, config, ceiling, context.stack)
        if problem is not None:
            field = f"{_MARKINGS_FIELD}[{position}]"
            findings.append(message_finding(resource, ref, field, problem))
    return findings


def _known_marking_count(ref: MessageRef) -> int:
    raw = ref.markings
    return len(known_markings(raw)) if isinstance(raw, list) else 0


def check_stack(
    resources: Sequence[InboxResource], config: MarkingsProperties, context: StackContext
) -> list[Finding]:
    """Says so when the allowed markings or the caller's clearance are not known, so the
    markings were not judged against them."""
    lacks = []
    if config.missing_directory == "flag":
        if not config.allowed_markings:
            lacks.append("allowedMarkings")
        if config.caller_clearance is None:
            lacks.append("callerClearance")
    return unjudged_finding(resources, lacks, _known_marking_count, "marking(s)")


SPEC = PolicySpec(
    name=NAME,
    description=DESCRIPTION,
    default_level=DEFAULT_LEVEL,
    properties_model=MarkingsProperties,
    check_message=check_message,
    check_stack=check_stack,
    display_name=DISPLAY_NAME,
    severity=SEVERITY,
    remediation_steps=REMEDIATION_STEPS,
    tags=TAGS,
)
"""The policy as the registry lists it: what the pack and ``check`` run."""
