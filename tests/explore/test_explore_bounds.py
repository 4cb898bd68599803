"""``check --explore`` on hostile or broken input: bounded work, one clear line, exit 2."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.explore.explore_support import (
    announcement_program,
    explore_json,
    run_check,
    write_fixture,
)


def _refused(capsys: pytest.CaptureFixture[str], root: Path, *args: str) -> str:
    """The one line ``check --explore`` refuses the project with (exit 2, nothing on stdout)."""
    code, out, err = run_check(capsys, root, "--explore", "--max-examples", "5", *args)
    assert (code, out) == (2, ""), err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("gotham-inbox check --explore: ")
    return lines[0]


def _alias_bomb() -> str:
    """A YAML file of ~1 KB whose aliases expand to 9**9 (387 million) strings."""
    lines = ["config:", "  version:", "    x-a: &a [" + ", ".join(["x"] * 9) + "]"]
    previous = "a"
    for name in "bcdefghi":
        lines.append(f"    x-{name}: &{name} [" + ", ".join([f"*{previous}"] * 9) + "]")
        previous = name
    lines.append(f"    enum: *{previous}")
    return "\n".join(lines) + "\n"


def _deep_not(levels: int) -> str:
    return '{"config": {"version": ' + '{"not": ' * levels + "{}" + "}" * levels + "}}"


@pytest.mark.parametrize(
    ("explore_file", "says"),
    [
        (_alias_bomb(), "expands to more than 100000 values"),
        ("config:\n  version: " + "[" * 5000 + "]" * 5000 + "\n", "nest"),
        (_deep_not(3000), "nest"),
        ("config:\n  version: {pattern: '^a{100000}$'}\n", "config.version: no value can be"),
        (
            "config:\n  version: {pattern: '^a{1,100000}$', minLength: 50000}\n",
            "config.version: no value satisfying its schema could be drawn",
        ),
        (
            "config:\n  changelog: {minLength: 10, maxLength: 5}\n",
            "config.changelog: minLength 10 is more than maxLength 5",
        ),
        (
            "outputs:\n  'aws:s3/bucket:Bucket':\n    tags: {type: object, properties: "
            "{owner: {type: array, minItems: 3, maxItems: 1}}}\n",
            "outputs.aws:s3/bucket:Bucket.tags (at properties/owner): minItems 3 is more than "
            "maxItems 1",
        ),
        (
            "config:\n  version:\n    anyOf:\n      - enum: ["
            + ", ".join(f"'1.0.{n}'" for n in range(1001))
            + "]\n",
            "config.version (at anyOf/0): an enum of 1,001 values inside a schema",
        ),
    ],
    ids=[
        "alias-bomb",
        "deep-yaml",
        "deep-not",
        "huge-repetition",
        "unmeetable-pattern",
        "min-over-max",
        "nested-min-over-max",
        "nested-enum",
    ],
)
def test_a_hostile_explore_file_is_refused_in_one_line_naming_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], explore_file: str, says: str
) -> None:
    fixture = write_fixture(tmp_path / "app")
    (fixture.root / "gotham-inbox-explore.yaml").write_text(explore_file)
    line = _refused(capsys, fixture.root)
    assert "gotham-inbox-explore.yaml" in line
    assert says in line


def test_a_moderately_deep_not_is_explored(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Within the file's depth bound, a chain of `not` is an ordinary schema.
    fixture = write_fixture(tmp_path / "app")
    (fixture.root / "gotham-inbox-explore.yaml").write_text(_deep_not(20))
    code, report = explore_json(capsys, fixture, "--seed", "1", "--max-examples", "5")
    assert code == 2  # not (not ... {}) with 20 nots: any string, the empty version included
    assert report["explore"]["counterexample"]["commands"] == [
        "pulumi config set --stack dev version ''"
    ]


def test_a_large_top_level_enum_is_drawn_from_without_a_quadratic_setup(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    versions = [f"1.0.{n}" for n in range(15_000)]
    # The last value breaks the program: drawn from the enum, it is a value the enum holds.
    program = announcement_program(
        'assert config.require("version") != "1.0.14999", "the version the enum ends with"'
    )
    fixture = write_fixture(
        tmp_path / "app",
        program,
        explore={"config": {"version": {"enum": versions}, "changelog": {"maxLength": 5}}},
    )
    # The quadratic setup took 30 to 40 s on an idle core: under this budget it left no time
    # to run a single example.
    code, report = explore_json(
        capsys, fixture, "--seed", "4", "--max-examples", "30", "--max-seconds", "25"
    )
    assert code == 0
    assert report["explore"]["examples"] >= 3


def test_enum_values_the_rest_of_the_schema_refuses_are_never_drawn(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    program = announcement_program('assert config.require("version") != "1.0", "too short"')
    fixture = write_fixture(
        tmp_path / "app",
        program,
        explore={
            "config": {
                "version": {"enum": ["1.0", "2.0.0", 3], "minLength": 5},
                "changelog": {"maxLength": 5},
            }
        },
    )
    code, report = explore_json(capsys, fixture, "--seed", "1", "--max-examples", "20")
    assert code == 0, report["explore"]["counterexample"]


def test_an_enum_with_no_admitted_value_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fixture = write_fixture(
        tmp_path / "app", explore={"config": {"version": {"enum": [1, 2, "a"], "minLength": 3}}}
    )
    line = _refused(capsys, fixture.root)
    assert "config.version: none of its enum values satisfies the rest of its schema" in line


def test_a_gotham_inbox_file_where_the_database_goes_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fixture = write_fixture(tmp_path / "app")
    (fixture.root / ".gotham-inbox").write_text("not a folder")
    line = _refused(capsys, fixture.root)
    assert f"{fixture.root / '.gotham-inbox'} is a file, not a folder" in line
    assert "--explore-database DIR" in line


def _make_read_only(folder: Path) -> None:
    if os.geteuid() != 0:
        folder.chmod(0o555)
    else:  # root writes through any mode bits; an immutable folder refuses even root
        subprocess.run(["chattr", "+i", str(folder)], check=True)


def _make_writable(folder: Path) -> None:
    if os.geteuid() == 0:
        subprocess.run(["chattr", "-i", str(folder)], check=True)
    folder.chmod(0o755)


def test_a_read_only_project_is_refused_naming_the_database(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fixture = write_fixture(tmp_path / "app")
    _make_read_only(fixture.root)
    try:
        line = _refused(capsys, fixture.root)
    finally:
        _make_writable(fixture.root)
    assert f"cannot use {fixture.root / '.gotham-inbox' / 'explore' / 'dev'} as the example" in line
    assert "--explore-database DIR" in line


def test_a_database_folder_given_elsewhere_serves_a_read_only_project(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    explore = {"config": {"version": {"const": "1.0"}, "changelog": {"maxLength": 5}}}
    fixture = write_fixture(tmp_path / "app", explore=explore)
    _make_read_only(fixture.root)
    try:
        code, report = explore_json(
            capsys,
            fixture,
            "--max-examples",
            "3",
            "--explore-database",
            str(tmp_path / "database"),
        )
    finally:
        _make_writable(fixture.root)
    assert code == 0, report
    assert (tmp_path / "database").is_dir()
