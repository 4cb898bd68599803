"""``check --explore`` on the repository's example stack, as docs/explore.md shows it."""

from __future__ import annotations

from pathlib import Path

import jsonschema
import pytest
import yaml

from gotham_inbox.check.project import load_project
from gotham_inbox.explore.domains import declared_keys
from gotham_inbox.explore.schema_file import load_explore_schemas
from tests.explore.explore_support import run_check

ROOT = Path(__file__).resolve().parents[2]


def explore_the_example(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, *options: str | Path
) -> tuple[int, str, str]:
    """``check --explore`` of the example stack: seed 0, 30 examples, a database of its own."""
    return run_check(
        capsys,
        ROOT,
        "--explore",
        "--seed",
        "0",
        "--max-examples",
        "30",
        *options,
        "--explore-database",
        tmp_path / "db",
    )


def test_the_example_stack_passes_over_its_realistic_domains(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = explore_the_example(capsys, tmp_path)
    assert code == 0, err
    lines = out.splitlines()
    assert lines[1].startswith("explored version, service, changelog (domains: ")
    assert lines[1].endswith("gotham-inbox-explore.yaml)")
    assert lines[-1] == "no mandatory violation and no program failure in any explored example"


def test_with_declared_types_only_an_empty_version_breaks_the_program(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    no_schemas = tmp_path / "no-schemas.yaml"
    no_schemas.write_text("config: {}\n")
    code, out, _ = explore_the_example(capsys, tmp_path, "--explore-schema", no_schemas)
    assert code == 2
    assert "the program fails for this config" in out
    assert "\n  pulumi config set --stack dev version ''\n" in out
    assert (
        "gotham_inbox.providers.announcement.AnnouncementError: version: is empty; give the version"
        in out
    )


def test_the_shipped_explore_file_narrows_every_declared_key() -> None:
    project = load_project(ROOT, "dev")
    keys = declared_keys(project)
    schemas = load_explore_schemas(ROOT / "gotham-inbox-explore.yaml", keys, project.project)
    assert set(schemas.config) == {key.key for key in keys}
    # The stack's current values lie inside the narrowed domains.
    for key in keys:
        jsonschema.validate(project.config[key.key], schemas.config[key.key])
    assert yaml.safe_load((ROOT / "gotham-inbox-explore.yaml").read_text())["config"]
