"""The exit codes of every ``gotham-inbox`` command: one table (docs/exit-codes.md).

A script can tell "the verdict is no" (1: a policy violation, a deploy that would not work)
from "the input is broken" (2) from "the machine would not let us" (3), whatever the command.
"""

from __future__ import annotations

OK = 0
"""Success; for ``check``: no mandatory violation (advisory findings may be printed)."""
MANDATORY_VIOLATION = 1
"""A verdict: for ``check``, at least one mandatory policy violation; for ``announce``, the pack
refuses the announcement (nothing sent)."""
DEPLOY_WOULD_NOT_WORK = MANDATORY_VIOLATION
"""A verdict: for ``doctor``, a deploy would not work against the probed host."""
BAD_INPUT = 2
"""Bad usage or input: a flag, file or setting that cannot be used (argparse uses 2 as well)."""
UNAVAILABLE = 3
"""The environment refused what was asked: the emulator's port is in use or cannot be bound;
for ``announce``, Gotham did not take the message (or its outcome is unknown)."""
INTERNAL_ERROR = 70
"""A bug in gotham-inbox (an unexpected exception); the one-line message says how to report it."""
HUNG_UP = 129
"""``check`` was sent SIGHUP (its terminal went away): the program it ran is killed first."""
INTERRUPTED = 130
"""Stopped by Ctrl-C (SIGINT) before finishing, as shells report it. The emulator, whose normal
way to stop is Ctrl-C, exits 0 instead."""
TERMINATED = 143
"""``check`` was sent SIGTERM: the program it ran is killed first (128 + 15, as shells report)."""

TABLE: tuple[tuple[int, str], ...] = (
    (OK, "success (check: no mandatory violation)"),
    (
        MANDATORY_VIOLATION,
        "a verdict: check found a mandatory policy violation; doctor: a deploy would not work",
    ),
    (BAD_INPUT, "bad usage or input; the one-line reason names the file, flag or setting"),
    (UNAVAILABLE, "the environment refused: e.g. the emulator's port is in use"),
    (INTERNAL_ERROR, "an unexpected error inside gotham-inbox (a bug)"),
    (HUNG_UP, "check: hung up (SIGHUP); the program it ran is killed"),
    (INTERRUPTED, "interrupted by Ctrl-C"),
    (TERMINATED, "check: terminated (SIGTERM); the program it ran is killed"),
)
"""Every code and its meaning, in order: the table docs/exit-codes.md shows."""
