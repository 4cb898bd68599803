"""YAML and TypeScript programs declare inbox messages through the gotham plugin, under the
real CLI.

Per language, the steps a user takes, once, in order, against one emulator (a module-scoped
fixture records what each step sent and recorded; each test checks one step): up; up again; a
changed title; destroy; up again with the state gone (the host honours sourceIds, so the
messages are adopted, not sent twice); and a preview with the policy pack of the program with
a bad message added. The YAML program is written here; the TypeScript one is
tests/e2e/typescript (its title and its bad message come from stack config).
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from gotham_inbox.emulator.testing import running_emulator
from tests.e2e.e2e_support import (
    POLICY_CONFIG,
    POLICY_PACK,
    REPO,
    emulator_calls,
    sends,
)
from tests.e2e.languages_support import (
    PLUGIN_BATCH_TYPE,
    PLUGIN_MESSAGE_TYPE,
    LanguageProject,
    Step,
    require_host,
)

pytestmark = pytest.mark.e2e


def message(title: str, marking: str = "UNCLASSIFIED") -> dict[str, Any]:
    return {
        "groupRecipients": [{"name": "platform-team"}],
        "sender": {"displayName": "release-bot"},
        "title": {"value": title},
        "security": {"portionMarkings": [marking]},
    }


def program(title: str) -> dict[str, Any]:
    return {
        "release": {"type": PLUGIN_MESSAGE_TYPE, "properties": {"message": message(title)}},
        "launch": {
            "type": PLUGIN_BATCH_TYPE,
            "properties": {"messages": [message("launch one"), message("launch two")]},
        },
    }


@dataclass
class Workflow:
    steps: dict[str, Step]
    token: str
    state_text: str


@dataclass(frozen=True)
class Language:
    """How the workflow writes, changes and spoils one language's program."""

    host: str
    make: Callable[[Path], LanguageProject]
    retitle: Callable[[LanguageProject, str], None]
    add_bad_message: Callable[[LanguageProject], None]


def _yaml_with_bad_message(project: LanguageProject) -> None:
    bad = program("release 4.2 is really live")
    bad["bad-marking"] = {
        "type": PLUGIN_MESSAGE_TYPE,
        "properties": {"message": message("typo marking", marking="SECERT")},
    }
    project.write_yaml(bad)


def _set_config(key: str, value: str) -> Callable[[LanguageProject], None]:
    def set_it(project: LanguageProject) -> None:
        project.run("config", "set", key, value).ok()

    return set_it


def _typescript_title(project: LanguageProject, title: str) -> None:
    _set_config("title", title)(project)


LANGUAGES = {
    "yaml": Language(
        "yaml",
        lambda where: LanguageProject.yaml_program(where, program("release 4.2 is live")),
        lambda project, title: project.write_yaml(program(title)),
        _yaml_with_bad_message,
    ),
    "typescript": Language(
        "nodejs",
        LanguageProject.typescript_program,
        _typescript_title,
        _set_config("badMarking", "SECERT"),
    ),
}


@pytest.fixture(scope="module", params=list(LANGUAGES))
def workflow(
    request: pytest.FixtureRequest, pulumi_engine: None, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Workflow]:
    language = LANGUAGES[request.param]
    require_host(language.host)
    project = language.make(tmp_path_factory.mktemp(request.param))
    shutil.copy2(REPO / POLICY_CONFIG, project.root / POLICY_CONFIG)
    steps: dict[str, Step] = {}
    with running_emulator() as emulator:
        token = emulator.token_for("release-bot")
        project.init_stack(emulator.base_url, token)

        def step(name: str, *args: str) -> None:
            with emulator_calls() as requests:
                run = project.run(*args)
            steps[name] = Step(run, requests, emulator.messages(), project.outputs())

        step("up", "up", "--yes")
        step("again", "up", "--yes")
        language.retitle(project, "release 4.2 is really live")
        step("retitled", "up", "--yes")
        state_text = (project.run("stack", "export").ok()).stdout
        step("destroy", "destroy", "--yes")
        step("state-lost", "up", "--yes")
        language.add_bad_message(project)
        step(
            "policy",
            "preview",
            "--policy-pack",
            str(POLICY_PACK),
            "--policy-pack-config",
            POLICY_CONFIG,
        )
    yield Workflow(steps, token, state_text)


def test_up_sends_each_message_once_with_its_derived_source_id(workflow: Workflow) -> None:
    up = workflow.steps["up"]
    up.run.ok()
    assert len(sends(up.requests)) == 2  # one request per resource
    assert len(up.stored) == 3
    release = up.outputs["release"]
    assert release["status"] == "sent"
    assert release["sourceId"] == release["message"]["sourceId"]
    assert up.outputs["launch"]["statuses"] == ["sent", "sent"]
    assert {record["sourceId"] for record in up.stored} == {
        release["sourceId"],
        *up.outputs["launch"]["sourceIds"],
    }


def test_up_again_sends_nothing(workflow: Workflow) -> None:
    again = workflow.steps["again"]
    again.run.ok()
    assert sends(again.requests) == []
    assert again.outputs == workflow.steps["up"].outputs


def test_a_changed_title_replaces_the_message_with_a_new_one(workflow: Workflow) -> None:
    retitled = workflow.steps["retitled"]
    retitled.run.ok()
    assert "replaced" in retitled.run.stdout
    assert len(sends(retitled.requests)) == 1
    assert len(retitled.stored) == 4
    old, new = workflow.steps["up"].outputs["release"], retitled.outputs["release"]
    assert new["sourceId"] != old["sourceId"]
    assert new["message"]["title"] == {"value": "release 4.2 is really live"}
    assert retitled.outputs["launch"] == workflow.steps["up"].outputs["launch"]


def test_destroy_only_forgets_and_a_lost_state_adopts_instead_of_sending_twice(
    workflow: Workflow,
) -> None:
    destroy, lost = workflow.steps["destroy"], workflow.steps["state-lost"]
    destroy.run.ok()
    assert sends(destroy.requests) == []
    assert destroy.outputs == {}
    assert len(destroy.stored) == 4  # Gotham messages cannot be recalled
    lost.run.ok()
    assert lost.outputs["release"]["status"] == "adopted"
    assert lost.outputs["launch"]["statuses"] == ["adopted", "adopted"]
    assert len(lost.stored) == 4


def test_the_token_is_never_in_the_state_in_plaintext(workflow: Workflow) -> None:
    assert workflow.token not in workflow.state_text
    assert '"gotham:index:InboxMessage"' in workflow.state_text


def test_a_preview_with_the_pack_blocks_a_bad_message_of_the_program(
    workflow: Workflow,
) -> None:
    policy = workflow.steps["policy"]
    assert policy.run.returncode != 0, policy.run.describe()
    assert "inbox-markings" in policy.run.output
    assert "bad-marking" in policy.run.output
    assert "SECERT" in policy.run.output
    assert sends(policy.requests) == []
