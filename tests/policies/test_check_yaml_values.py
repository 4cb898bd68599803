"""Ordinary YAML values in the stack config and the mocks file: a date is its text (Pulumi
keeps a config value's YAML text), and what JSON cannot hold is exit 2 naming file and key,
never an internal error."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.policies.check_support import check, write_check_project


def _stack_config(project: Path, lines: str) -> None:
    path = project / "Pulumi.dev.yaml"
    path.write_text(path.read_text() + lines)


def test_a_date_in_the_stack_config_reaches_the_program_as_its_text(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    body = """\
    when = pulumi.Config().require("when")
    if when != "2024-01-01":
        raise SystemExit(f"got {when!r}")
    """
    project = write_check_project(tmp_path / "app", body)
    _stack_config(project, "  runner-fixture:when: 2024-01-01\n")
    assert check(project) == 0, capsys.readouterr().err
    assert check(project, "--explore", "--max-examples", "1", "--seed", "1") in (0, 1)
    assert "internal error" not in capsys.readouterr().err


@pytest.mark.parametrize(
    ("value", "what"), [("!!set {a: null}", "a set (!!set)"), ("!!binary aGk=", "(!!binary)")]
)
def test_a_value_json_cannot_hold_is_exit_2_naming_file_and_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], value: str, what: str
) -> None:
    project = write_check_project(tmp_path / "app", "")
    _stack_config(project, f"  runner-fixture:odd: {value}\n")
    assert check(project) == 2
    error = capsys.readouterr().err
    assert "Pulumi.dev.yaml" in error and "config.runner-fixture:odd" in error and what in error


def test_the_mocks_file_gets_the_same_conversion(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = write_check_project(tmp_path / "app", "")
    (project / "gotham-inbox-mocks.yaml").write_text(
        "calls:\n  'aws:index/x:x':\n    at: 2024-01-01\n    tags: !!set {a: null}\n"
    )
    assert check(project) == 2
    error = capsys.readouterr().err
    assert "gotham-inbox-mocks.yaml" in error and "calls.aws:index/x:x.tags" in error
