"""``check --explore``'s printed ``pulumi config`` commands, run by a shell and the real CLI.

The commands must put exactly the explored values into the stack file (quoting, a leading dash,
a newline, arrays whose items look like booleans or numbers), and a counterexample's commands,
applied to the stack, must make plain ``gotham-inbox check`` refuse the stack the same way.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from gotham_inbox.check.project import config_text, load_project
from gotham_inbox.explore.commands import config_set_commands
from gotham_inbox.explore.domains import declared_keys
from tests.e2e.e2e_support import PulumiProject
from tests.explore.explore_support import (
    BODY_LIMIT,
    SEMVER,
    TOKEN_CIPHERTEXT,
    write_fixture,
)

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("pulumi_engine")]


DECLARED: dict[str, Any] = {
    "version": {"type": "string"},
    "changelog": {"type": "string", "default": ""},
    "replicas": {"type": "integer"},
    "urgent": {"type": "boolean"},
    "groups": {"type": "array", "items": {"type": "string"}},
}


def _pulumi_project(root: Path, where: Path) -> PulumiProject:
    state, home = where / "state", where / "home"
    state.mkdir()
    home.mkdir()
    project = PulumiProject(root, state, home)
    project.run("stack", "select", "--create", "dev").ok()
    return project


def _apply(project: PulumiProject, commands: list[str]) -> None:
    """Run the printed commands in a POSIX shell, with the real ``pulumi`` first on PATH."""
    for command in commands:
        finished = subprocess.run(
            ["sh", "-c", command],
            cwd=project.root,
            env=project.env(),
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert finished.returncode == 0, (command, finished.stderr)


def test_printed_commands_set_exactly_the_values(tmp_path: Path) -> None:
    fixture = write_fixture(
        tmp_path / "app",
        declared=DECLARED,
        stack_config={"version": "1.0.0", "replicas": "1", "urgent": "false", "groups": ["a"]},
    )
    project = _pulumi_project(fixture.root, tmp_path)
    stack = load_project(fixture.root)
    wanted = {
        "explore-fixture:version": "-1.0.0 'quoted' \"double\" $HOME `x` \\ end",
        "explore-fixture:changelog": "line one\n- line 'two'\n\ttabbed ünïcødé 🚀",
        "explore-fixture:replicas": -3,
        "explore-fixture:urgent": True,
        "explore-fixture:groups": ["true", "12", "", "x y"],
    }
    commands = config_set_commands(stack, declared_keys(stack), wanted)
    assert len(commands) == 5

    _apply(project, commands)

    after = load_project(fixture.root)
    for key, value in wanted.items():
        assert after.config[key] == config_text(value), key
    groups = yaml.safe_load(fixture.stack_file.read_text())["config"]["explore-fixture:groups"]
    assert groups == ["true", "12", "", "x y"]  # strings stay strings


def test_an_empty_array_and_an_empty_string_are_set(tmp_path: Path) -> None:
    fixture = write_fixture(
        tmp_path / "app",
        declared=DECLARED,
        stack_config={"version": "1.0.0", "changelog": "notes", "groups": ["a", "b"]},
    )
    project = _pulumi_project(fixture.root, tmp_path)
    stack = load_project(fixture.root)
    wanted = {"explore-fixture:changelog": "", "explore-fixture:groups": []}
    _apply(project, config_set_commands(stack, declared_keys(stack), wanted))
    after = load_project(fixture.root)
    assert after.config["explore-fixture:changelog"] == ""
    assert after.config["explore-fixture:groups"] == "[]"


def test_a_counterexample_applied_with_the_cli_fails_plain_check(tmp_path: Path) -> None:
    explore = {"config": {"version": {"pattern": SEMVER}, "changelog": {"maxLength": 600}}}
    fixture = write_fixture(tmp_path / "app", explore=explore)
    # The fixture's secret is a made-up ciphertext; give the stack a real one via the CLI.
    settings = yaml.safe_load(fixture.stack_file.read_text())
    del settings["config"]["explore-fixture:apiToken"]
    fixture.stack_file.write_text(yaml.safe_dump(settings))
    project = _pulumi_project(fixture.root, tmp_path)
    project.run("config", "set", "--secret", "apiToken", "made-up-token").ok()

    def check(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "gotham_inbox.cli", "check", str(fixture.root), *args],
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )

    assert check().returncode == 0
    explored = check("--explore", "--seed", "3", "--format", "json")
    assert explored.returncode == 1, explored.stderr
    report = json.loads(explored.stdout)
    commands = report["explore"]["counterexample"]["commands"]
    assert commands and all(c.startswith("pulumi config set --stack dev ") for c in commands)
    assert TOKEN_CIPHERTEXT not in explored.stdout
    assert "made-up-token" not in explored.stdout

    _apply(project, commands)
    checked = check("--format", "json")

    assert checked.returncode == 1
    found = json.loads(checked.stdout)["violations"]
    expected = [
        (v["policy"], v["resource"], v["field"], v["message"]) for v in report["violations"]
    ]
    assert [(v["policy"], v["resource"], v["field"], v["message"]) for v in found] == expected
    assert f"more than maxBodyBytes {BODY_LIMIT}" in found[0]["message"]
