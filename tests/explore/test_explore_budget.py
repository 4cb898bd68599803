"""``--max-seconds`` is a bound: nothing the search waits for or computes outlives it.

Each case runs ``gotham-inbox check --explore`` in its own process, so a search that ignores
its budget ends the test (``subprocess.TimeoutExpired``, at ten times the budget and more)
instead of hanging it: the tests assert what the search reports, never a time.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.explore.explore_support import announcement_program, write_fixture

_BUDGET = 12
_SHORT_BUDGET = 3
"""For a case that needs no example judged within the budget: the sooner it runs out, the
sooner the test ends."""
_LIVENESS = 300
"""Seconds a budget of _BUDGET may take before the test calls it unbounded: 25 times over,
for a loaded machine (starting the worker alone took 5 s at a load of 8 on 2 cores);
without the bound, each case runs for an hour."""


def _explore(
    root: Path, *args: str, budget: int = _BUDGET
) -> tuple[int, dict[str, Any] | None, str]:
    command = [sys.executable, "-m", "gotham_inbox.cli", "check", str(root), "--explore"]
    done = subprocess.run(
        [*command, "--format", "json", "--max-seconds", str(budget), *args],
        capture_output=True,
        text=True,
        timeout=_LIVENESS,
        check=False,
    )
    report = json.loads(done.stdout) if done.stdout else None
    return done.returncode, report, done.stderr


HANGS_FOR_LONG_CHANGELOGS = announcement_program(
    "import time",
    'if len(config.get("changelog") or "") > 20:',
    "    time.sleep(3600)  # the budget, not --timeout, must end this run",
)


def test_a_run_that_hangs_is_cut_by_the_budget_not_by_the_timeout(tmp_path: Path) -> None:
    fixture = write_fixture(
        tmp_path / "app",
        HANGS_FOR_LONG_CHANGELOGS,
        explore={"config": {"version": {"const": "1.0.0"}, "changelog": {"minLength": 21}}},
    )
    code, report, err = _explore(fixture.root, "--timeout", "3600", "--seed", "1")
    assert code == 0, err
    assert report is not None
    assert report["explore"]["outOfTime"] is True
    # The current config was judged before the budget ran out.
    assert report["explore"]["examples"] >= 1


def test_no_example_within_the_budget_is_not_a_pass(tmp_path: Path) -> None:
    program = announcement_program("import time", "time.sleep(3600)")
    fixture = write_fixture(tmp_path / "app", program)
    code, report, err = _explore(fixture.root, "--timeout", "3600", budget=_SHORT_BUDGET)
    assert code == 2
    # Not judged: the JSON document says the run failed, and why (as on every exit 2).
    assert report is not None and report["executionSuccessful"] is False
    expected = f"no example finished within --max-seconds {_SHORT_BUDGET}"
    assert expected in report["error"]["message"]
    assert expected in err
    assert "raise --max-seconds" in err


def test_a_pathological_pattern_does_not_outlive_the_budget(tmp_path: Path) -> None:
    # Nested bounded repetitions: drawing one value means expanding up to 50**3 choices; the
    # search used to run past any --max-seconds (300 s for a budget of 10, then killed).
    pattern = "^((a{1,50}){1,50}){1,50}b$"
    fixture = write_fixture(
        tmp_path / "app",
        explore={"config": {"version": {"pattern": pattern}, "changelog": {"maxLength": 5}}},
    )
    code, report, err = _explore(
        fixture.root, "--seed", "1", "--max-examples", "100000", budget=_SHORT_BUDGET
    )
    assert code in (0, 1, 2), err
    assert report is not None, err
    assert report["explore"]["outOfTime"] is True


def test_a_counterexample_found_before_the_budget_ran_out_is_reported(tmp_path: Path) -> None:
    # Every run with a changelog past 40 characters fails, slowly: shrinking is cut short, and
    # the smallest failing example found so far is reported, not lost.
    program = announcement_program(
        "import time",
        'changelog = config.get("changelog") or ""',
        "if len(changelog) > 40:",
        "    time.sleep(0.5)",
        '    raise ValueError("changelog too long")',
    )
    fixture = write_fixture(
        tmp_path / "app",
        program,
        explore={"config": {"version": {"const": "1.0.0"}, "changelog": {"minLength": 41}}},
    )
    code, report, err = _explore(fixture.root, "--seed", "3", "--timeout", "60")
    assert code == 2, err
    assert report is not None
    counterexample = report["explore"]["counterexample"]
    assert counterexample is not None
    assert "changelog too long" in counterexample["programError"]
    assert len(counterexample["config"]["changelog"]) > 40
