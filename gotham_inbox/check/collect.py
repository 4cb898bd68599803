"""``check``'s one run of a stack's program under Pulumi's mocks, and the inbox resources it made.

The running itself (the child process, the preview mocks, the bounded output, the failure
text) is :mod:`gotham_inbox.check.runner`, which ``check --explore`` uses too.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from gotham_inbox.check.project import StackProject
from gotham_inbox.check.runner import DEFAULT_TIMEOUT, ProgramError, ProgramRunner
from gotham_inbox.policy.inbox_resource import InboxResource

__all__ = ["DEFAULT_TIMEOUT", "CollectedStack", "ProgramError", "collect_resources"]


@dataclass(frozen=True)
class CollectedStack:
    """What a run of the program registered."""

    resources: list[InboxResource]
    resource_count: int


def collect_resources(
    project: StackProject,
    timeout: float = DEFAULT_TIMEOUT,
    *,
    answers: Mapping[str, Any] | None = None,
    full_traceback: bool = False,
) -> CollectedStack:
    """Run the project's program for its stack under mocks answering ``answers`` (see
    :mod:`gotham_inbox.check.mock_answers`); :class:`ProgramError` on failure."""
    with ProgramRunner(project, timeout, answers=answers, full_traceback=full_traceback) as runner:
        run = runner.run()
    if run.error is not None:
        raise ProgramError(run.error, run.location)
    return CollectedStack(run.resources, run.resource_count)
