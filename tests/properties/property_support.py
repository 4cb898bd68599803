"""Helpers of the property tests: both verdicts on one batch, and the report of a failure."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hypothesis import note
from hypothesis import strategies as st

from gotham_inbox import strategies as gs
from gotham_inbox.directory import parse_directory
from gotham_inbox.verdicts import (
    InProcessEmulator,
    PolicyChecker,
    PolicyVerdict,
    ServerVerdict,
    side_by_side,
)

CALLER = "caller"
"""The inbox producer of every generated directory."""


@st.composite
def directories_of_every_kind(draw: st.DrawFn) -> dict[str, Any]:
    """Directories with and without foreign groups, a restricted caller, a restricted group,
    Inbox limits of their own."""
    return draw(
        gs.directories(
            caller=CALLER,
            foreign_group=draw(st.booleans()),
            restricted_caller=draw(st.booleans()),
            restricted_group=draw(st.booleans()),
            limits=draw(st.booleans()),
        )
    )


@dataclass(frozen=True)
class Verdicts:
    """What the policies and the server said about one batch, and what the server stored."""

    batch: list[Any]
    policy: PolicyVerdict
    server: ServerVerdict
    stored: list[dict[str, Any]]
    report: str
    """Both verdicts side by side, message by message (for assertion messages)."""


def judge(
    directory: dict[str, Any],
    labelled: list[tuple[str, Any]],
    *,
    already_stored: list[dict[str, Any]] | None = None,
) -> Verdicts:
    """Check ``labelled`` with the policies configured from ``directory`` for the caller, send
    it to a fresh emulator serving ``directory`` (holding ``already_stored`` first), and note
    both verdicts, so that a failing example prints them."""
    batch = [message for _, message in labelled]
    loaded = parse_directory(directory)
    policy = PolicyChecker.for_directory(loaded, CALLER).check_batch(batch)
    with InProcessEmulator(loaded, CALLER) as emulator:
        if already_stored:
            assert emulator.send(already_stored).accepted_in_full(len(already_stored))
        server = emulator.send(batch)
        stored = emulator.messages()
    report = side_by_side(
        batch, policy, server, labels=[label for label, _ in labelled], directory=directory
    )
    note(report)
    return Verdicts(batch, policy, server, stored, report)


def flags(verdict: PolicyVerdict, policy: str, index: int, field: str) -> bool:
    """True when ``policy`` reports a mandatory violation on ``messages[index].<field>...``."""
    return any(
        violation.is_mandatory
        for violation in verdict.about(
            index=index, policy=policy, field=f"messages[{index}].{field}"
        )
    )


def objects_to(server: ServerVerdict, index: int, field: str) -> bool:
    """True when the server lists a problem with ``messages[index].<field>...``."""
    return any(
        problem.get("messageIndex") == index and str(problem.get("field", "")).startswith(field)
        for problem in server.problems
    )
