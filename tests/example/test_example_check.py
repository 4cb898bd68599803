"""The README's main job: ``make check`` on the example stack prints a clean report.

``make check`` runs the Makefile's ``check`` recipe after ``make setup``; this test runs that
recipe's command, as the Makefile spells it, in the repository root, with no Pulumi CLI and no
passphrase: the check must not need to decrypt the stack's secrets.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from gotham_inbox.cli import main
from tests.example.example_support import ROOT

POLICY_CONFIG = ROOT / "policy-config.dev.json"


def quick_start_commands() -> list[str]:
    """The commands of the README's quick start block, without their comments."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Quick start", 1)[1]
    block = re.search(r"```sh\n(.*?)```", section, re.S)
    assert block is not None, "the quick start has no sh block"
    return [line.split("#", 1)[0].strip() for line in block.group(1).splitlines() if line]


def makefile_recipe(target: str) -> list[str]:
    """The command lines of a Makefile target, with $(BIN) as this interpreter's bin dir."""
    lines = (ROOT / "Makefile").read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"{target}:"))
    recipe = []
    for line in lines[start + 1 :]:
        if not line.startswith("\t"):
            break
        recipe.append(line.strip().replace("$(BIN)", str(Path(sys.executable).parent)))
    return recipe


def test_the_quick_start_is_make_check_then_make_test() -> None:
    assert quick_start_commands() == ["make check", "make test"]
    assert "$(STAMP)" in next(
        line
        for line in (ROOT / "Makefile").read_text(encoding="utf-8").splitlines()
        if line.startswith("check:")
    )  # make check sets up the virtualenv first


def test_make_check_prints_a_clean_report_for_the_example_stack() -> None:
    (command,) = makefile_recipe("check")
    # No passphrase and no Pulumi CLI: the check reads secrets as ciphertext only.
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PULUMI_", "GOTHAM_"))
    }
    env["PATH"] = os.pathsep.join(
        part for part in env.get("PATH", "").split(os.pathsep) if ".pulumi" not in part
    )
    completed = subprocess.run(
        shlex.split(command),
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )

    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert completed.stdout.splitlines() == [
        "gotham-inbox check: project gotham-inbox-example, stack dev, policy config "
        "policy-config.dev.json",
        "4 inbox resource(s), 5 message(s), 6 resource(s) in total",
        "",
        "no violations",
    ]
    assert completed.stderr == ""


def test_the_example_policy_config_is_generated_from_the_example_directory(
    tmp_path: Path,
) -> None:
    regenerated = tmp_path / "policy-config.dev.json"

    status = main(
        [
            "policy-config",
            "--directory",
            str(ROOT / "gotham_inbox" / "data" / "example-directory.yaml"),
            "--caller",
            "release-bot",
            "--output",
            str(regenerated),
        ]
    )

    assert status == 0
    assert regenerated.read_text(encoding="utf-8") == POLICY_CONFIG.read_text(encoding="utf-8"), (
        "policy-config.dev.json is out of date; regenerate it with `gotham-inbox policy-config "
        "--directory gotham_inbox/data/example-directory.yaml --caller release-bot "
        "--output policy-config.dev.json`"
    )


def test_a_finding_on_the_announcement_points_at_its_line_in_the_program(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The announcement's message is a child created inside providers/; the report must still
    # point the user at the line of __main__.py that declared the announcement.
    project = tmp_path / "project"
    project.mkdir()
    for name in ("Pulumi.yaml", "Pulumi.dev.yaml", "policy-config.dev.json", "release_manifest.py"):
        shutil.copy(ROOT / name, project / name)
    # As in this repository, the providers package sits inside the project directory.
    shutil.copytree(ROOT / "providers", project / "providers")
    program = (ROOT / "__main__.py").read_text(encoding="utf-8")
    start = program.index("announcement = ReleaseAnnouncement(")
    marked_secret = program[start:].replace('markings=["UNCLASSIFIED"]', 'markings=["SECRET"]', 1)
    (project / "__main__.py").write_text(program[:start] + marked_secret, encoding="utf-8")
    declared_at = program[:start].count("\n") + 1

    monkeypatch.chdir(project)
    status = main(["check", ".", "--format", "json"])

    report = json.loads(capsys.readouterr().out)
    assert status == 1
    sources = {
        (violation["policy"], violation["source"]["path"], violation["source"]["line"])
        for violation in report["violations"]
    }
    assert ("inbox-markings", "__main__.py", declared_at) in sources
