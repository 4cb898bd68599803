"""The provider's ``check``: every problem of every message as a Pulumi check failure.

Problems come from :mod:`gotham_inbox.validation`, so the wording is the one the client, the
emulator and the policies use. Property paths name the resource input: ``message.title.value``
for an InboxMessage, ``messages[2].groupRecipients[0].name`` for a batch.

During a preview some inputs are still unknown (they depend on resources not created yet); the
provider host hands them over as ``pulumi.output.Unknown`` objects (the SDK's in-process paths
use the ``rpc.UNKNOWN`` sentinel string, so both are recognised). An unknown value is not a
problem: problems under an unknown path (:mod:`gotham_inbox.unknowns`) are dropped, and a wholly
unknown input is not checked at all; the engine checks again once the values are known.
"""

from __future__ import annotations

from typing import Any

from pulumi.dynamic import CheckFailure
from pulumi.output import Unknown

from gotham_inbox.source_ids import SOURCE_ID_KEY, SourceIdUses
from gotham_inbox.unknowns import UNKNOWN_STRING, is_within, unknown_paths
from gotham_inbox.validation import Problem, check_message


def is_unknown(value: object) -> bool:
    """True for a value that is not known yet (during a preview)."""
    return isinstance(value, Unknown) or (isinstance(value, str) and value == UNKNOWN_STRING)


def contains_unknown(value: Any) -> bool:
    """True if any part of ``value`` is unknown."""
    return bool(unknown_paths(value, unknown=is_unknown))


def message_problems(data: Any, index: int | None) -> list[Problem]:
    """Problems of one message, skipping unknown parts, plus a missing ``sourceId``."""
    unknown = unknown_paths(data, unknown=is_unknown)
    if "" in unknown:
        return []
    _, problems = check_message(data, index)
    problems = [problem for problem in problems if not is_within(problem.field, unknown)]
    if isinstance(data, dict) and data.get(SOURCE_ID_KEY) is None:
        # The resource classes always add one; without it a retried create could send twice.
        problems.append(
            Problem(
                index,
                SOURCE_ID_KEY,
                "no sourceId; create the resource with gotham_inbox.providers.InboxMessage or "
                "InboxMessageBatch, which add a deterministic one, or set your own UUID",
            )
        )
    return problems


def _failure(prefix: str, problem: Problem) -> CheckFailure:
    path = f"{prefix}.{problem.field}" if problem.field else prefix
    return CheckFailure(path, problem.reason)


def check_single(inputs: dict[str, Any]) -> list[CheckFailure]:
    """Check failures of an InboxMessage's ``message`` input."""
    if "message" not in inputs or inputs["message"] is None:
        return [CheckFailure("message", "required input 'message' is missing; pass message=...")]
    return [_failure("message", problem) for problem in message_problems(inputs["message"], None)]


def check_batch(inputs: dict[str, Any]) -> list[CheckFailure]:
    """Check failures of an InboxMessageBatch's ``messages`` input.

    Besides each message's own problems: the batch must not be empty, and no two messages may
    share a sourceId (the second would be refused as a conflict with the first).
    """
    messages = inputs.get("messages")
    if messages is None:
        return [
            CheckFailure("messages", "required input 'messages' is missing; pass messages=[...]")
        ]
    if is_unknown(messages):
        return []
    if not isinstance(messages, list):
        return [
            CheckFailure("messages", f"must be a list of messages; got {type(messages).__name__}")
        ]
    if not messages:
        return [CheckFailure("messages", "the batch is empty; add at least one message")]
    failures = []
    uses = SourceIdUses()
    for index, data in enumerate(messages):
        for problem in message_problems(data, index):
            failures.append(CheckFailure(problem.path, problem.reason))
        source_id = data.get(SOURCE_ID_KEY) if isinstance(data, dict) else None
        if not isinstance(source_id, str) or is_unknown(source_id):
            continue
        first = uses.earlier_use(source_id.lower(), index)
        if first is not None:
            failures.append(
                CheckFailure(
                    f"messages[{index}].{SOURCE_ID_KEY}",
                    f"the same sourceId as messages[{first}]; every message needs its own "
                    "sourceId (remove it to get a derived one, or choose another UUID)",
                )
            )
    return failures
