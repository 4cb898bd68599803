"""The program runner ``check --explore`` drives: one child process, many runs.

It is ``check``'s runner (:mod:`gotham_inbox.check.runner`): each run gets the example's config
and the generated answers (outputs, ids, invoke results, stack outputs) laid over the declared
ones. These names stay for the explore search.
"""

from __future__ import annotations

from gotham_inbox.check.runner import ProgramRun
from gotham_inbox.check.runner import ProgramRunner as ProgramWorker

__all__ = ["ProgramRun", "ProgramWorker"]
