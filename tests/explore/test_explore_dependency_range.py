"""The ``explore`` extra's hypothesis range: pinned where the code says, and both ends work.

hypothesis-jsonschema 0.23 drives a hypothesis internal (``many.more()``) that hypothesis
6.170.10 replaced: from that release on, any ``type: object`` schema failed with
``'many' object has no attribute 'more'`` (exit 70). The range stops below it.

The installed hypothesis is the newest the range admits wherever the project is installed
fresh (pip takes the newest allowed): every explore test runs on the upper end. The lower end,
and the upper one by name, are tried here by installing just those two packages (a few
hundred kilobytes, no dependencies) into a folder put first on ``PYTHONPATH`` of a
``check --explore`` run, so gotham-inbox and Pulumi stay the virtualenv's: cheaper than a
virtualenv per end, and it runs the real command on an object schema.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from gotham_inbox.explore.config_strategies import HYPOTHESIS_RANGE, hypothesis_requirement
from tests.explore.explore_support import (
    Fixture,
    announcement_program,
    explore_json,
    run_check,
    write_fixture,
)

ROOT = Path(__file__).resolve().parents[2]

LOWEST = "6.100.0"
"""The lowest hypothesis the extra admits (``>=6.100``)."""
HIGHEST = "6.170.9"
"""The highest hypothesis the extra admits (``<6.170.10``): the release before the break."""
JSONSCHEMA_ENDS = ("0.23.0", "0.23.1")
"""hypothesis-jsonschema's range (``>=0.23,<0.24``): its first and its last 0.23 release."""


def _extra(name: str) -> list[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    extras: dict[str, list[str]] = project["project"]["optional-dependencies"]
    return extras[name]


def test_the_extra_pins_the_range_the_code_checks_for() -> None:
    explore = _extra("explore")
    assert hypothesis_requirement() in explore
    assert "hypothesis-jsonschema>=0.23,<0.24" in explore
    # The ends this file installs are the ends of that range.
    low, high = HYPOTHESIS_RANGE
    assert ".".join(map(str, low)) == LOWEST
    assert tuple(map(int, HIGHEST.split("."))) < high
    assert (*map(int, HIGHEST.split(".")[:2]), int(HIGHEST.split(".")[2]) + 1) == high
    # The test extra installs the explore extra rather than a range of its own.
    assert any("explore" in requirement for requirement in _extra("test"))


def test_a_hypothesis_outside_the_range_is_refused_naming_the_range(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import hypothesis

    fixture = write_fixture(tmp_path / "app")
    monkeypatch.setattr(hypothesis, "__version__", "6.170.10")
    code, out, err = run_check(capsys, fixture.root, "--explore", "--max-examples", "3")
    assert (code, out) == (2, "")
    assert "works with hypothesis>=6.100,<6.170.10, and hypothesis 6.170.10 is installed" in err
    assert "pip install 'gotham-inbox[explore]'" in err


OWNERS_PROGRAM = announcement_program(
    'for owner in config.get_object("owners") or []:',
    '    assert owner["name"].strip(), "an owner without a name"',
)


def _object_fixture(root: Path) -> Fixture:
    """A program that breaks for an owner without a name; owners drawn from an object schema."""
    owner = {"type": "object", "properties": {"name": {"type": "string"}}, "required": ["name"]}
    return write_fixture(
        root,
        OWNERS_PROGRAM,
        declared={"version": {"type": "string"}, "owners": {"type": "array"}},
        stack_config={"version": "1.0.0", "owners": json.dumps([{"name": "ops"}])},
        explore={"config": {"version": {"const": "1.0.0"}, "owners": {"items": owner}}},
    )


def test_the_installed_hypothesis_explores_an_object_schema(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import hypothesis

    assert tuple(map(int, hypothesis.__version__.split(".")[:2])) >= (6, 100)
    fixture = _object_fixture(tmp_path / "app")
    code, report = explore_json(capsys, fixture, "--seed", "2", "--max-examples", "40")
    assert code == 2, report  # a blank owner name, drawn from the object schema
    counterexample = report["explore"]["counterexample"]
    (owner,) = json.loads(counterexample["config"]["owners"])  # shrunk to the one that breaks
    assert owner["name"].strip() == ""
    assert "an owner without a name" in counterexample["programError"]


def _install(target: Path, *requirements: str) -> None:
    if shutil.which("uv"):
        command = ["uv", "pip", "install", "--quiet", "--python", sys.executable]
    else:
        command = [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    subprocess.run([*command, "--no-deps", "--target", str(target), *requirements], check=True)


@pytest.mark.parametrize(
    ("hypothesis_version", "jsonschema_version"),
    [(LOWEST, JSONSCHEMA_ENDS[0]), (HIGHEST, JSONSCHEMA_ENDS[1])],
    ids=["lowest", "highest"],
)
def test_each_end_of_the_range_explores_an_object_schema(
    tmp_path: Path, hypothesis_version: str, jsonschema_version: str
) -> None:
    packages = tmp_path / "packages"
    _install(
        packages,
        f"hypothesis=={hypothesis_version}",
        f"hypothesis-jsonschema=={jsonschema_version}",
    )
    root = _object_fixture(tmp_path / "app").root
    environment = {**os.environ, "PYTHONPATH": str(packages)}
    probe = [sys.executable, "-c", "import hypothesis; print(hypothesis.__version__)"]
    used = subprocess.run(probe, env=environment, capture_output=True, text=True, check=True)
    assert used.stdout.strip() == hypothesis_version
    command = [sys.executable, "-m", "gotham_inbox.cli", "check", str(root), "--explore"]
    done = subprocess.run(
        [*command, "--format", "json", "--seed", "2", "--max-examples", "40"],
        env=environment,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 2, done.stderr
    counterexample = json.loads(done.stdout)["explore"]["counterexample"]
    assert "an owner without a name" in counterexample["programError"]
