"""The policy verdict and the server verdict on one batch, message by message."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from gotham_inbox.verdicts._policy_verdict import PolicyVerdict
from gotham_inbox.verdicts._server_verdict import ServerVerdict


def _shown(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def side_by_side(
    messages: Sequence[Any],
    policy: PolicyVerdict,
    server: ServerVerdict,
    *,
    labels: Sequence[str] | None = None,
    directory: Mapping[str, Any] | None = None,
) -> str:
    """A report for a failing property: each message, then what the policies and the server
    said about it; then what they said about the batch as a whole.

    ``labels`` (one per message, e.g. the breakage a strategy applied) and ``directory`` (the
    emulator directory data) are shown when given.
    """
    lines = []
    if directory is not None:
        lines.append(f"directory: {_shown(directory)}")
    status = "accepted" if server.accepted else "refused"
    lines.append(
        f"batch of {len(messages)}: policies {len(policy.mandatory)} mandatory, "
        f"{len(policy.advisory)} advisory; server {server.status_code} ({status})"
    )
    for index, message in enumerate(messages):
        label = f" [{labels[index]}]" if labels is not None else ""
        lines.append(f"messages[{index}]{label}: {_shown(message)}")
        for violation in policy.about(index=index):
            lines.append(f"    policy: {violation.level.value} {violation.policy} {violation.text}")
        for problem in server.problems:
            if problem.get("messageIndex") == index:
                lines.append(f"    server: {problem.get('field')}: {problem.get('reason')}")
    whole = [v for v in policy.violations if v.message_index is None]
    for violation in whole:
        lines.append(f"batch policy: {violation.level.value} {violation.policy} {violation.text}")
    lines.append("server: " + "\n        ".join(server.lines()))
    return "\n".join(lines)
