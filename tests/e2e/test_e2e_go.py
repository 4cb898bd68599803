"""A Go program (an Automation API inline program) declares an inbox message through the gotham
plugin, under the real CLI.

The program (tests/e2e/golang, built by scripts/install-language-hosts) runs the steps the
YAML and TypeScript programs go through (test_e2e_languages.py), once, in order, against one
emulator: up; up again; a changed title; destroy; up again with the state gone (adopted); and
a preview with the policy pack of the program with a bad message added.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator

import pytest

from gotham_inbox.emulator.testing import running_emulator
from tests.e2e.e2e_support import (
    COMMAND_TIMEOUT_SECONDS,
    POLICY_CONFIG,
    POLICY_PACK,
    REPO,
    Run,
    emulator_calls,
    sends,
    skip_or_fail,
)
from tests.e2e.languages_support import HOSTS_BIN, LanguageProject, Step

pytestmark = pytest.mark.e2e

GO_PROGRAM = HOSTS_BIN / "inbox-go"


@pytest.fixture(scope="module")
def steps(
    pulumi_engine: None, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Step]]:
    if not os.access(GO_PROGRAM, os.X_OK):
        skip_or_fail(f"{GO_PROGRAM} is missing; build it with scripts/install-language-hosts")
    where = tmp_path_factory.mktemp("go")
    project = LanguageProject(where / "project", where / "state", where / "home")
    for folder in (project.root, project.state, project.home):
        folder.mkdir(parents=True)
    # For the CLI commands that read the state: the inline program's project and stack.
    (project.root / "Pulumi.yaml").write_text("name: inbox-go\nruntime: go\n", "utf-8")
    shutil.copy2(REPO / POLICY_CONFIG, project.root / POLICY_CONFIG)
    done: dict[str, Step] = {}
    with running_emulator() as emulator:
        base = {"INBOX_HOSTNAME": emulator.base_url, "INBOX_TOKEN": emulator.token_for()}

        def step(name: str, command: str, **settings: str) -> None:
            with emulator_calls() as requests:
                finished = subprocess.run(
                    [str(GO_PROGRAM), command],
                    cwd=project.root,
                    env={**project.env(), **base, **settings},
                    capture_output=True,
                    text=True,
                    timeout=COMMAND_TIMEOUT_SECONDS,
                    check=False,
                )
            run = Run((command,), finished.returncode, finished.stdout, finished.stderr)
            done[name] = Step(run, requests, emulator.messages(), project.outputs())

        step("up", "up")
        step("again", "up")
        step("retitled", "up", INBOX_TITLE="release 4.2 is really live")
        step("destroy", "destroy")
        step("state-lost", "up", INBOX_TITLE="release 4.2 is really live")
        step(
            "policy",
            "preview",
            INBOX_TITLE="release 4.2 is really live",
            INBOX_BAD_MARKING="SECERT",
            INBOX_POLICY_PACK=str(POLICY_PACK),
            INBOX_POLICY_CONFIG=str(project.root / POLICY_CONFIG),  # the CLI runs elsewhere
        )
    yield done


def test_up_sends_the_message_and_up_again_sends_nothing(steps: dict[str, Step]) -> None:
    up, again = steps["up"], steps["again"]
    up.run.ok()
    again.run.ok()
    assert len(sends(up.requests)) == 1
    assert json.loads(up.run.stdout)["status"] == "sent"
    assert [record["sourceId"] for record in up.stored] == [up.outputs["release"]["sourceId"]]
    assert sends(again.requests) == []
    assert again.outputs == up.outputs


def test_a_changed_title_replaces_and_a_lost_state_adopts(steps: dict[str, Step]) -> None:
    retitled, destroy, lost = (steps[name] for name in ("retitled", "destroy", "state-lost"))
    for step in (retitled, destroy, lost):
        step.run.ok()
    assert len(retitled.stored) == 2
    assert retitled.outputs["release"]["sourceId"] != steps["up"].outputs["release"]["sourceId"]
    assert sends(destroy.requests) == []
    assert destroy.outputs == {}
    assert json.loads(lost.run.stdout)["status"] == "adopted"
    assert len(lost.stored) == 2


def test_a_preview_with_the_pack_blocks_a_bad_message_of_the_go_program(
    steps: dict[str, Step],
) -> None:
    policy = steps["policy"]
    output = policy.run.output
    assert policy.run.returncode != 0
    assert "inbox-markings" in output, output
    assert "SECERT" in output
    assert sends(policy.requests) == []
