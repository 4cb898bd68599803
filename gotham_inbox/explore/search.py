"""Searching a stack's config domain for a value that a mandatory policy refuses, with hypothesis.

Each example is a value for every explored config key (and, when the explore file describes
them, output values for the mocks to answer with). The program runs once per example in the
:class:`~gotham_inbox.explore.worker.ProgramWorker`; :func:`~gotham_inbox.policy.engine.evaluate`
judges what it registered, exactly as ``check`` does. An example *fails* when a mandatory policy
is violated or the program fails; hypothesis then shrinks it to a minimal failing config.

The stack's current values come first, then the declared defaults (explicit examples), then the
examples hypothesis saved in its database (a counterexample found before is tried first), then
generated ones, until the budget of examples or seconds is spent.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gotham_inbox.check.project import StackProject, config_text
from gotham_inbox.explore.config_strategies import config_strategy, outputs_strategy, require_extra
from gotham_inbox.explore.deadline import OutOfTime, hard_deadline
from gotham_inbox.explore.domains import DeclaredKey, typed_value
from gotham_inbox.explore.schema_file import ExploreSchemaError, ExploreSchemas
from gotham_inbox.explore.worker import ProgramRun, ProgramWorker
from gotham_inbox.policy.engine import evaluate
from gotham_inbox.policy.inbox_resource import StackContext
from gotham_inbox.policy.pack_config import ResolvedPolicy
from gotham_inbox.policy.violation import Violation

DEFAULT_MAX_EXAMPLES = 200
DEFAULT_MAX_SECONDS = 60.0
CI_SEED = 0
"""The seed under CI (the ``CI`` environment variable set) when ``--seed`` is not given."""


@dataclass(frozen=True)
class Budget:
    """How much exploring one run may do, and how it is made reproducible."""

    max_examples: int = DEFAULT_MAX_EXAMPLES
    max_seconds: float = DEFAULT_MAX_SECONDS
    seed: int = CI_SEED
    database: Path | None = None
    timeout: float = 120.0
    """Seconds one run of the program may take."""


@dataclass(frozen=True)
class Example:
    """One point of the domain: values of the explored keys, outputs for the mocks."""

    config: Mapping[str, Any]
    """Namespaced key -> typed value, for the explored keys (absent: the stack has none)."""
    outputs: Mapping[str, Any] | None
    """Generated outputs, or ``None`` for the mocks' default answers (``check``'s)."""
    origin: str
    """``current config``, ``declared defaults`` or ``generated``."""


@dataclass(frozen=True)
class Outcome:
    """What the pack said about one example."""

    run: ProgramRun
    violations: list[Violation]

    @property
    def mandatory(self) -> bool:
        """Whether a mandatory policy refuses it."""
        return any(violation.is_mandatory for violation in self.violations)

    @property
    def failing(self) -> bool:
        """Whether the deploy of this example would not go through: refused, or broken."""
        return self.run.error is not None or self.mandatory


@dataclass
class ExploreResult:
    """What a run of ``check --explore`` found."""

    keys: list[DeclaredKey]
    schemas: ExploreSchemas
    budget: Budget
    baseline: tuple[Example, Outcome] | None = None
    """The stack's current config and what the pack says about it."""
    counterexample: tuple[Example, Outcome] | None = None
    """The minimal failing example, when one was found."""
    found_at: int | None = None
    """The number of the example (1-based, in running order) that failed first."""
    examples: int = 0
    """Runs of the program (examples, shrinking included; repeats are not run again)."""
    seconds: float = 0.0
    out_of_time: bool = False
    advisory_policies: set[str] = field(default_factory=set)
    advisory_examples: int = 0

    @property
    def rate(self) -> float:
        """Examples per second."""
        return self.examples / self.seconds if self.seconds > 0 else 0.0


class _Failed(Exception):
    """Raised inside the hypothesis test for a failing example; carries it out."""

    def __init__(self, example: Example, outcome: Outcome) -> None:
        super().__init__("a failing example")
        self.example = example
        self.outcome = outcome


def explicit_examples(project: StackProject, keys: list[DeclaredKey]) -> list[Example]:
    """The stack's current values, then the declared defaults (when they differ)."""
    current = {
        key.key: typed_value(key, project.config[key.key])
        for key in keys
        if key.key in project.config
    }
    defaults = dict(current)
    defaults.update({key.key: key.default for key in keys if key.has_default})
    examples = [Example(current, None, "current config")]
    if defaults != current:
        examples.append(Example(defaults, None, "declared defaults"))
    return examples


def run_config(project: StackProject, keys: list[DeclaredKey], example: Example) -> dict[str, str]:
    """The whole config the program gets for ``example``: the stack's, explored keys replaced."""
    config = {key: value for key, value in project.config.items()}
    for key in keys:
        if key.key in example.config:
            config[key.key] = config_text(example.config[key.key])
        else:
            config.pop(key.key, None)
    return config


def explore(
    project: StackProject,
    keys: list[DeclaredKey],
    schemas: ExploreSchemas,
    policy: Mapping[str, ResolvedPolicy],
    budget: Budget,
) -> ExploreResult:
    """Explore ``project``'s config domain within ``budget``; see the module's docstring."""
    hypothesis, _ = require_extra()
    from hypothesis import HealthCheck, Phase, Verbosity, example, given, seed, settings
    from hypothesis.database import DirectoryBasedExampleDatabase
    from hypothesis.errors import HypothesisException

    # A key Pulumi.yaml declares secret is secret even where the stack file holds it in plain.
    project = dataclasses.replace(
        project, secret_keys=project.secret_keys | {key.key for key in keys if key.secret}
    )
    explored = [key for key in keys if not key.secret]
    result = ExploreResult(explored, schemas, budget)
    # The budget covers everything from here: building the strategies (a large enum or a
    # complex pattern costs time too), generating, running, shrinking.
    started = time.monotonic()
    deadline = started + budget.max_seconds
    seen: dict[str, Outcome] = {}
    # The last example raised as failing: while hypothesis shrinks, its best so far.
    last_failed: list[tuple[Example, Outcome]] = []

    with ProgramWorker(project, budget.timeout) as worker:

        def judge(candidate: Example) -> Outcome | None:
            fingerprint = hashlib.sha256(
                json.dumps([candidate.config, candidate.outputs], sort_keys=True).encode()
            ).hexdigest()
            if fingerprint in seen:
                return seen[fingerprint]
            if time.monotonic() > deadline:
                # Where no timer enforces the budget (see .deadline): examples not yet run
                # pass, so generation and shrinking wind down; the ones already run keep their
                # outcome, so hypothesis's final replay of the minimal one still fails.
                result.out_of_time = True
                return None
            config = run_config(project, explored, candidate)
            run = worker.run(config, candidate.outputs)
            context = StackContext(
                stack=project.stack,
                config={k: v for k, v in config.items() if k not in project.secret_keys},
            )
            violations = [] if run.error else evaluate(run.resources, policy, context)
            outcome = Outcome(run, violations)
            # Only failing outcomes are kept whole (hypothesis replays the minimal one): memory
            # stays bounded by the number of examples, not by the size of what they registered.
            seen[fingerprint] = outcome if outcome.failing else _PASSED
            result.examples += 1
            advisory = {v.policy for v in violations if not v.is_mandatory}
            if advisory:
                result.advisory_examples += 1
                result.advisory_policies |= advisory
            if result.baseline is None and candidate.origin == "current config":
                result.baseline = (candidate, outcome)
            if outcome.failing and result.found_at is None:
                result.found_at = result.examples
            return outcome

        def check_example(config: Mapping[str, Any], outputs: Mapping[str, Any] | None) -> None:
            origin = getattr(config, "origin", "generated")
            candidate = Example(dict(config), outputs, origin)
            outcome = judge(candidate)
            if outcome is None:
                return
            if outcome.failing:
                last_failed[:] = [(candidate, outcome)]
                raise _Failed(candidate, outcome)

        database = DirectoryBasedExampleDatabase(str(budget.database)) if budget.database else None

        def search() -> None:
            configs = config_strategy(explored, schemas)
            outputs = (
                outputs_strategy(schemas)
                if schemas.outputs or schemas.calls or schemas.stacks
                else None
            )

            def hypothesis_round(number: int, examples: int) -> None:
                test: Any = given(
                    config=configs,
                    outputs=outputs if outputs is not None else hypothesis.strategies.none(),
                )(check_example)
                if number == 0:
                    # hypothesis runs explicit examples in the order they are written, top to
                    # bottom: decorating in reverse puts the current config first.
                    for known in reversed(explicit_examples(project, explored)):
                        test = example(config=_Labelled(known.config, known.origin), outputs=None)(
                            test
                        )
                test = settings(
                    max_examples=examples,
                    deadline=None,
                    database=database,
                    derandomize=False,
                    report_multiple_bugs=False,
                    print_blob=False,
                    verbosity=Verbosity.quiet,
                    suppress_health_check=list(HealthCheck),
                    # No targeting: keeping its Pareto front of long strings costs more than runs.
                    phases=[phase for phase in Phase if phase is not Phase.target],
                )(seed(_round_seed(budget.seed, number))(test))
                test()

            # hypothesis has no time budget of its own: the examples go in rounds (each its own
            # seed), and the budget is enforced by the timer of .deadline around all of them.
            remaining, number = budget.max_examples, 0
            while remaining > 0 and not result.out_of_time:
                examples_before = result.examples
                size = min(ROUND_EXAMPLES, remaining)
                try:
                    hypothesis_round(number, size)
                except HypothesisException as error:
                    raise ExploreSchemaError(
                        f"hypothesis could not explore the domains: {type(error).__name__}: "
                        f"{_one_line(str(error))}"
                    ) from None
                except _Failed as failed:
                    # The last example hypothesis raises for is its minimal one (explicit
                    # examples are not shrunk: they are reported as they are).
                    result.counterexample = (failed.example, failed.outcome)
                    if failed.example.origin == "generated":
                        current = explicit_examples(project, explored)[0]
                        _restore_unneeded(result, current, judge)
                    return
                remaining -= size
                number += 1
                if result.examples == examples_before and number > 1:
                    return  # the domain is exhausted: nothing new was drawn
                if time.monotonic() > deadline:
                    result.out_of_time = True

        try:
            with hard_deadline(deadline):
                search()
        except OutOfTime:
            result.out_of_time = True
            # The worker may be halfway through a run: it is killed, not waited for.
            worker.close(kill=True)
            if result.counterexample is None and last_failed:
                # Cut short while shrinking: the smallest failing example so far.
                result.counterexample = last_failed[0]
    result.seconds = time.monotonic() - started
    return result


def _one_line(text: str, limit: int = 300) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


_PASSED = Outcome(ProgramRun([], 0), [])
"""What a repeat of a passing example is judged: it passed (what it registered is not kept)."""

ROUND_EXAMPLES = 25
"""Examples per hypothesis run: where no timer enforces ``--max-seconds`` (see
:mod:`.deadline`), the clock is read between rounds."""


def _round_seed(seed: int, number: int) -> int:
    # Each round its own seed, derived from the run's: the same --seed repeats every round.
    return seed if number == 0 else (seed * 1_000_003 + number) % 2**64


def _same_failure(first: Outcome, second: Outcome) -> bool:
    return (first.run.error is None) == (second.run.error is None) and second.failing


def _restore_unneeded(
    result: ExploreResult, current: Example, judge: Callable[[Example], Outcome | None]
) -> None:
    """Put back the stack's value of every key the failure does not need.

    hypothesis shrinks every value towards its simplest (an empty string, 0); a key whose
    current value fails the same way is not part of the problem, and needs no command. Each
    step is kept in ``result`` as it is made: the budget may run out halfway.
    """
    assert result.counterexample is not None
    for key, value in current.config.items():
        example, outcome = result.counterexample
        if key not in example.config or example.config[key] == value:
            continue
        trial = Example({**example.config, key: value}, example.outputs, example.origin)
        trial_outcome = judge(trial)
        if trial_outcome is not None and _same_failure(outcome, trial_outcome):
            result.counterexample = (trial, trial_outcome)


class _Labelled(dict[str, Any]):
    """An explicit example's config, carrying where it came from."""

    def __init__(self, values: Mapping[str, Any], origin: str) -> None:
        super().__init__(values)
        self.origin = origin
