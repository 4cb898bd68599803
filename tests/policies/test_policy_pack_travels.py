"""The pack travels: laid out far from this checkout, installed from its own requirements.txt.

A user's virtualenv (the wheel installed) runs ``gotham-inbox policy-pack DIR``; ``DIR/venv``
is a fresh virtualenv that gets nothing but ``pip install -r DIR/requirements.txt`` (the wheel
standing in for the registry). The pack is started there as Pulumi's policy host starts it and
driven over gRPC: it describes the same policies and reports exactly what this checkout's
``evaluate`` reports, case by case.
"""

from __future__ import annotations

import ast
import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import yaml
from pulumi.runtime.proto import analyzer_pb2

from gotham_inbox.distribution.pack_dir import PACK_FILES, VIRTUALENV
from gotham_inbox.policy import PACK_NAME, POLICIES
from tests.distribution_support import DISTRIBUTION, TravelledPack, Wheel
from tests.policies.cases import CASES, Case
from tests.policies.harness import Analyzer, AnalyzerPool, reported_by_evaluate


@pytest.fixture(scope="module")
def travelled_analyzer_for(
    travelled_pack: TravelledPack,
) -> Iterator[Callable[..., Analyzer]]:
    """``travelled_analyzer_for(stack, config)``: the travelled pack, started in its own venv."""
    pool = AnalyzerPool(python=travelled_pack.venv.python, pack_dir=travelled_pack.directory)
    yield pool.get
    pool.close()


def test_the_laid_out_pack_holds_its_files_and_its_own_virtualenv_only(
    travelled_pack: TravelledPack, gotham_wheel: Wheel
) -> None:
    directory = travelled_pack.directory
    assert sorted(path.name for path in directory.iterdir()) == sorted([*PACK_FILES, VIRTUALENV])
    requirements = [
        line
        for line in (directory / "requirements.txt").read_text().splitlines()
        if line and not line.startswith("#")
    ]
    assert requirements == [f"{DISTRIBUTION}=={gotham_wheel.version}"]
    project = yaml.safe_load((directory / "PulumiPolicy.yaml").read_text())
    assert project["runtime"]["name"] == "python"
    assert project["runtime"]["options"]["virtualenv"] == VIRTUALENV
    assert project["version"] == gotham_wheel.version
    # The program refers to installed packages only: no path, no parent folder.
    tree = ast.parse((directory / "__main__.py").read_text())
    imported = {
        (node.module or "").split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom)
    } | {
        alias.name.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    }
    assert imported <= {"pulumi_policy", "gotham_inbox"}
    assert str(directory) in travelled_pack.printed


def test_the_pack_virtualenv_runs_the_installed_wheel_not_this_checkout(
    travelled_pack: TravelledPack, gotham_wheel: Wheel
) -> None:
    assert travelled_pack.venv.installed()[DISTRIBUTION] == gotham_wheel.version
    where = travelled_pack.venv.run(
        "python", "-c", "import gotham_inbox, json; print(json.dumps(gotham_inbox.__file__))",
        cwd=travelled_pack.directory,
    ).stdout  # fmt: skip
    assert Path(json.loads(where)).is_relative_to(travelled_pack.venv.root)


def test_the_travelled_pack_describes_every_policy_with_its_level(
    travelled_analyzer_for: Callable[..., Analyzer],
) -> None:
    info = travelled_analyzer_for().info()
    assert info.name == PACK_NAME
    levels = {
        policy.name: analyzer_pb2.EnforcementLevel.Name(policy.enforcementLevel).lower()
        for policy in info.policies
    }
    assert levels == {spec.name: spec.default_level.value for spec in POLICIES}


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_the_travelled_pack_reports_what_this_checkout_evaluates(
    case: Case, travelled_analyzer_for: Callable[..., Analyzer]
) -> None:
    analyzer = travelled_analyzer_for(case.stack, case.stack_config)
    assert sorted(analyzer.report(case.resources, case.settings())) == sorted(
        reported_by_evaluate(case)
    )
