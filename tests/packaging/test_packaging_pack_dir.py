"""``gotham-inbox policy-pack DIR`` and the repository's ``policies/``, which is that pack.

``policies/`` is the single source: the distribution ships its files, the command copies them
and writes ``requirements.txt`` for the installed version. So the folder must be exactly what
the command lays out for this version (a drift test), and the command must never clobber a
user's edits or half-write a directory.
"""

from __future__ import annotations

import subprocess
import tomllib
from pathlib import Path

import pytest
import yaml

from gotham_inbox.cli import main
from gotham_inbox.distribution.pack_dir import (
    PACK_FILES,
    REQUIREMENTS,
    installed_version,
    lay_out,
    pack_contents,
)
from tests.distribution_support import REPO

POLICIES = REPO / "policies"


def pyproject_version() -> str:
    version: str = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["version"]
    return version


def test_policies_is_exactly_the_pack_the_command_lays_out_for_this_version() -> None:
    tracked = subprocess.run(
        ["git", "ls-files", "policies"], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout.split()
    assert sorted(Path(name).name for name in tracked) == sorted(PACK_FILES)
    expected = pack_contents(pyproject_version())
    assert {name: (POLICIES / name).read_bytes() for name in PACK_FILES} == expected


def test_the_pack_version_is_the_package_version() -> None:
    version = pyproject_version()
    assert installed_version() == version
    assert yaml.safe_load((POLICIES / "PulumiPolicy.yaml").read_text())["version"] == version
    assert f"gotham-inbox=={version}" in (POLICIES / REQUIREMENTS).read_text().splitlines()


def test_lay_out_writes_the_pack_and_again_writes_nothing(tmp_path: Path) -> None:
    directory = tmp_path / "nested" / "pack"
    first = lay_out(directory)
    assert sorted(first.written) == sorted(PACK_FILES)
    assert {name: (directory / name).read_bytes() for name in PACK_FILES} == pack_contents()
    assert lay_out(directory).written == ()


def test_a_changed_pack_file_is_kept_unless_forced(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    directory = tmp_path / "pack"
    assert main(["policy-pack", str(directory)]) == 0
    edited = directory / "__main__.py"
    edited.write_text("# my own pack\n")
    (directory / "venv").mkdir()
    (directory / "venv" / "marker").write_text("mine")
    capsys.readouterr()

    assert main(["policy-pack", str(directory)]) == 2
    error = capsys.readouterr().err
    assert "__main__.py" in error and "--force" in error and str(directory) in error
    assert edited.read_text() == "# my own pack\n"

    assert main(["policy-pack", str(directory), "--force"]) == 0
    assert "wrote __main__.py" in capsys.readouterr().out
    assert edited.read_bytes() == pack_contents()["__main__.py"]
    # What is not the pack's own (its virtualenv) is never touched.
    assert (directory / "venv" / "marker").read_text() == "mine"
    assert sorted(p.name for p in directory.iterdir()) == sorted([*PACK_FILES, "venv"])


def test_a_path_that_is_not_a_directory_is_refused_and_left_alone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "pack"
    target.write_text("a file")
    assert main(["policy-pack", str(target)]) == 2
    assert f"{target} exists and is not a directory" in capsys.readouterr().err
    assert target.read_text() == "a file"


def test_a_folder_where_a_pack_file_goes_is_refused_and_nothing_is_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    directory = tmp_path / "pack"
    directory.mkdir()
    (directory / REQUIREMENTS).mkdir()  # a folder where a pack file must go: the move fails
    assert main(["policy-pack", str(directory), "--force"]) == 2
    assert f"cannot write the pack into {directory}" in capsys.readouterr().err
    assert sorted(p.name for p in directory.iterdir()) == [REQUIREMENTS]


def test_the_next_steps_give_the_preview_its_policy_config(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Without --policy-pack-config the pack knows no group or marking of the user's Gotham.
    assert main(["policy-pack", str(tmp_path / "pack")]) == 0
    (preview,) = [line for line in capsys.readouterr().out.splitlines() if "pulumi preview" in line]
    assert "--policy-pack-config" in preview and "gotham-inbox policy-config" in preview


def test_links_planted_in_a_shared_pack_directory_are_never_written_through(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Where DIR is shared (a team's folder, /tmp), another user can plant links at every name
    # the command might stage a file under (the old fixed names, .NAME.gotham-inbox-tmp, were
    # written through, overwriting the file the link named) and at a pack file's own name.
    victim = tmp_path / "victim"
    victim.write_text("another user's file\n")
    directory = tmp_path / "pack"
    directory.mkdir()
    for name in PACK_FILES:
        for planted in (f".{name}.gotham-inbox-tmp", f".{name}.tmp", f"{name}.tmp"):
            (directory / planted).symlink_to(victim)
    (directory / REQUIREMENTS).symlink_to(victim)
    assert main(["policy-pack", str(directory)]) == 2  # other content: only with --force
    assert "pass --force" in capsys.readouterr().err
    assert main(["policy-pack", str(directory), "--force"]) == 0
    capsys.readouterr()
    assert victim.read_text() == "another user's file\n"
    for name, data in pack_contents().items():
        assert not (directory / name).is_symlink()  # a link at the name is replaced
        assert (directory / name).read_bytes() == data
    staging = [path.name for path in directory.iterdir() if path.name.startswith(".gotham")]
    assert staging == []
