"""What a policy could not judge because its config lacks the directory's knowledge.

The rules that need to know the directory (which groups exist and where, which markings are
allowed, who is cleared for what) skip what their config does not know. Skipping silently would
report a stack as clean that was never judged, so each of them also has a stack rule that says
so, once per policy, at the policy's own level, with the command that writes the config. A
stack that has no directory on purpose says so with ``missingDirectory: ignore``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Literal

from pydantic import Field

from gotham_inbox.policy.inbox_resource import InboxResource, MessageRef
from gotham_inbox.policy.violation import Finding, resource_finding

MissingDirectory = Literal["flag", "ignore"]
"""The values of the ``missingDirectory`` property."""

MISSING_DIRECTORY_PROPERTY = "missingDirectory"
"""The property that says a stack has no directory on purpose (its name in the config)."""

POLICY_CONFIG_COMMAND = "gotham-inbox policy-config --directory FILE --caller USER"
"""The command that writes a policy config holding the directory's knowledge."""


def missing_directory_field(needs: str) -> Any:  # pragma: no mutate block (runs at import only)
    """The ``missingDirectory`` property of a policy whose rule ``needs`` (e.g. "groups")."""
    return Field(
        default="flag",
        description=f"What to do when the config lacks {needs}: flag it (a finding at this "
        "policy's level saying what could not be judged), or ignore it (this stack has no "
        "directory on purpose).",
    )


def unjudged_finding(
    resources: Sequence[InboxResource],
    lacks: Sequence[str],
    judged: Callable[[MessageRef], int],
    what: str,
) -> list[Finding]:
    """One finding when the config ``lacks`` something and a message needed it, else none.

    ``judged`` counts what of one message would have been judged (recipients, markings); the
    finding names how many of ``what`` went unjudged, on the resource with any whose URN sorts
    first: the engine hands the stack's resources over in an order of its own, and ``check``
    and the pack must name the same resource.
    """
    if not lacks:
        return []
    first: InboxResource | None = None
    count = messages = 0
    for resource in resources:
        for ref in resource.message_refs():
            found = judged(ref)
            if found:
                if first is None or resource.urn < first.urn:
                    first = resource
                count += found
                messages += 1
    if first is None:
        return []
    return [
        resource_finding(
            first,
            "",
            f"the policy config gives no {' and no '.join(lacks)}, so {count} {what} of "
            f"{messages} message(s) could not be judged; write the config from the directory "
            f"with `{POLICY_CONFIG_COMMAND}` (or set {MISSING_DIRECTORY_PROPERTY} to ignore if "
            "this stack has no directory on purpose)",
        )
    ]
