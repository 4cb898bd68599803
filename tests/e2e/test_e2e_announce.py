"""Announcing deploys under the real Pulumi CLI: the docs' CI steps, and the Automation API.

The CI steps are the shell blocks of docs/announcements.md marked ``# ci-step: NAME``, run as a
CI runner runs them (bash, the project as working directory, ``STACK`` and ``SUMMARY`` set,
GitHub's run variables set). The example stack's ``gotham:token`` is a Pulumi secret, so
``announce`` decrypts it with the CLI, as it would in CI.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from pulumi import automation as auto

from gotham_inbox.announce.automation import announced_up
from gotham_inbox.emulator.testing import RunningEmulator, running_emulator
from tests.e2e.e2e_support import (
    COMMAND_TIMEOUT_SECONDS,
    ENGINE_BIN,
    REPO,
    STACK,
    PulumiProject,
)

pytestmark = pytest.mark.e2e

DOCS = REPO / "docs" / "announcements.md"
VENV_BIN = Path(sys.executable).parent

# Appended to the copy's program: a resource whose create fails (its file would go inside a
# file), so that `pulumi up` fails naming it.
FAILING_RESOURCE = """

# Added by the end-to-end test: a resource that cannot be created.
from release_manifest import ReleaseManifest as _BrokenManifest  # noqa: E402

_BrokenManifest("broken-manifest", path="Pulumi.yaml/broken.json", content={"broken": True})
"""


def ci_steps() -> dict[str, str]:
    """The docs' shell steps, by name (``# ci-step: NAME`` opens the block)."""
    text = DOCS.read_text(encoding="utf-8")
    return dict(re.findall(r"```sh\n# ci-step: ([a-z-]+)\n(.*?)```", text, re.DOTALL))


def announce_titles(emulator: RunningEmulator) -> list[str]:
    """The titles of the deploy announcements stored (the stack's own messages left out)."""
    return [
        record["message"]["title"]["value"]
        for record in emulator.messages()
        if ": deploy of " in record["message"]["title"]["value"]
    ]


def announce_bodies(emulator: RunningEmulator) -> list[str]:
    """The bodies of the deploy announcements stored."""
    return [
        record["message"]["body"]["value"]
        for record in emulator.messages()
        if ": deploy of " in record["message"]["title"]["value"]
    ]


class Runner:
    """A CI runner for the copy: the docs' steps in bash, with GitHub's run variables."""

    def __init__(self, project: PulumiProject, summary: Path) -> None:
        self.project = project
        self.summary = summary

    def step(
        self, name: str, *, run_id: str, attempt: str = "1"
    ) -> subprocess.CompletedProcess[str]:
        env = {
            **self.project.env(),
            "PATH": f"{VENV_BIN}{os.pathsep}{ENGINE_BIN}{os.pathsep}{os.environ.get('PATH', '')}",
            "STACK": STACK,
            "SUMMARY": str(self.summary),
            "GITHUB_RUN_ID": run_id,
            "GITHUB_RUN_ATTEMPT": attempt,
        }
        return subprocess.run(
            ["bash", "-eu", "-c", ci_steps()[name]],
            cwd=self.project.root,
            env=env,
            capture_output=True,
            text=True,
            timeout=COMMAND_TIMEOUT_SECONDS,
            check=False,
        )


@pytest.fixture
def announced_project(tmp_path: Path) -> Iterator[tuple[PulumiProject, RunningEmulator]]:
    project = PulumiProject.copy_example(tmp_path)
    with running_emulator() as emulator:
        project.init_dev_stack(emulator.base_url)
        project.run(
            "config", "set", "--stack", STACK, "gotham:announceGroups", "platform-team"
        ).ok()
        project.run(
            "config", "set", "--stack", STACK, "gotham:announceMarkings", "UNCLASSIFIED"
        ).ok()
        yield project, emulator


def test_the_docs_ci_steps_announce_a_failed_deploy_once_and_a_rerun_sends_nothing_new(
    pulumi_engine: None, announced_project: tuple[PulumiProject, RunningEmulator]
) -> None:
    project, emulator = announced_project
    assert set(ci_steps()) >= {"deploy", "announce-failed", "announce-succeeded"}
    program = project.program()
    clean = program.read_text(encoding="utf-8")
    program.write_text(clean + FAILING_RESOURCE, encoding="utf-8")
    runner = Runner(project, project.root / "up.json")

    deploy = runner.step("deploy", run_id="100")
    assert deploy.returncode != 0, deploy.stdout + deploy.stderr
    failed = runner.step("announce-failed", run_id="100")
    assert failed.returncode == 0, failed.stdout + failed.stderr
    assert announce_titles(emulator) == [
        "gotham-inbox-example/dev: deploy of version 1.0.0 (run 100) failed"
    ]
    (body,) = announce_bodies(emulator)
    assert "`broken-manifest`" in body
    assert "(pulumi-python:dynamic/local:ReleaseManifest, create): FileExistsError" in body
    stored = len(emulator.messages())

    # The job is retried (same run, next attempt): the step runs again, nothing new is stored.
    again = runner.step("announce-failed", run_id="100", attempt="2")
    assert again.returncode == 0, again.stdout + again.stderr
    assert "already announced" in again.stdout
    assert len(emulator.messages()) == stored

    # Fixed and deployed in a new run: its success is a message of its own.
    program.write_text(clean, encoding="utf-8")
    assert runner.step("deploy", run_id="101").returncode == 0
    succeeded = runner.step("announce-succeeded", run_id="101")
    assert succeeded.returncode == 0, succeeded.stdout + succeeded.stderr
    assert announce_titles(emulator)[1:] == [
        "gotham-inbox-example/dev: deploy of version 1.0.0 (run 101) succeeded"
    ]
    assert "**Changes:**" in announce_bodies(emulator)[1]


def automation_stack(project: PulumiProject) -> auto.Stack:
    """The copy's dev stack through the Automation API, with the copy's backend and CLI."""
    return auto.select_stack(
        stack_name=STACK,
        work_dir=str(project.root),
        opts=auto.LocalWorkspaceOptions(
            env_vars=project.env(),
            pulumi_home=str(project.home),
            pulumi_command=auto.PulumiCommand(str(ENGINE_BIN.parent), skip_version_check=True),
        ),
    )


def test_the_automation_api_wrapper_announces_started_then_succeeded_or_failed(
    pulumi_engine: None,
    announced_project: tuple[PulumiProject, RunningEmulator],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    project, emulator = announced_project
    for name in ("GITHUB_RUN_ID", "GITHUB_RUN_ATTEMPT", "CI_PIPELINE_ID"):
        monkeypatch.delenv(name, raising=False)
    stack = automation_stack(project)

    done = announced_up(stack, run_id="auto-1")
    assert done.result.summary.result == "succeeded"
    assert {event: outcome.status for event, outcome in done.outcomes.items() if outcome} == {
        "started": "sent",
        "succeeded": "sent",
    }
    assert done.problems == []
    assert announce_titles(emulator) == [
        "gotham-inbox-example/dev: deploy of version 1.0.0 (run auto-1) started",
        "gotham-inbox-example/dev: deploy of version 1.0.0 (run auto-1) succeeded",
    ]

    program = project.program()
    program.write_text(program.read_text(encoding="utf-8") + FAILING_RESOURCE, encoding="utf-8")
    with pytest.raises(auto.CommandError):
        announced_up(stack, run_id="auto-2")
    assert announce_titles(emulator)[2:] == [
        "gotham-inbox-example/dev: deploy of version 1.0.0 (run auto-2) started",
        "gotham-inbox-example/dev: deploy of version 1.0.0 (run auto-2) failed",
    ]
    assert "`broken-manifest`" in announce_bodies(emulator)[3]
    stored = len(emulator.messages())

    # The same run again (a retried job): the deploy fails again, nothing new is announced.
    with pytest.raises(auto.CommandError):
        announced_up(stack, run_id="auto-2")
    assert len(emulator.messages()) == stored
