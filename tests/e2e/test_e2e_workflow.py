"""End to end under the real Pulumi engine: the example stack from preview to destroy.

A copy of the example project goes through the workflow in the order a user would: a variant
with a violating message is previewed and deployed (the policy pack must stop it), then the
clean stack is deployed, deployed again, changed, exported and destroyed, against one emulator.
The steps build on each other, so they run once, in order, in a module-scoped fixture that
records what the CLI printed, what the emulator received and what the engine recorded; each
test checks one step. (One shared run instead of one per test keeps the suite fast.)
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from gotham_inbox.emulator.testing import RunningEmulator, running_emulator
from gotham_inbox.providers.release import RELEASE_ANNOUNCEMENT_TYPE
from tests.e2e.e2e_support import (
    INBOX_TYPES,
    MESSAGE_TYPE,
    POLICY_CONFIG,
    POLICY_PACK,
    STACK,
    EmulatorRequest,
    PlannedResource,
    PulumiProject,
    Run,
    Update,
    decoded_strings,
    emulator_calls,
    inbox_messages_of,
    planned_inbox_resources,
    sends,
    state_resources,
)

pytestmark = pytest.mark.e2e

POLICY_ARGS = ("--policy-pack", str(POLICY_PACK), "--policy-pack-config", POLICY_CONFIG)
GOTHAM_INBOX = Path(sys.executable).with_name("gotham-inbox")

# Appended to the violating copy's program. Its message is valid for the provider's own checks
# (so only the policy pack can stop it): the caller is not cleared for SECRET, and partner-ops
# lives in another realm than the caller's.
VIOLATING_RESOURCE = """

# Added by the end-to-end test: a message the policy pack must stop.
from gotham_inbox.providers import InboxMessage as _ViolatingMessage  # noqa: E402

_ViolatingMessage(
    "e2e-violation",
    message={
        "groupRecipients": [{"name": "partner-ops"}],
        "sender": {"displayName": "Release Bot"},
        "title": {"value": "this must never be sent"},
        "security": {"portionMarkings": ["SECRET"]},
    },
)
"""
VIOLATING_NAME = "e2e-violation"
TITLE_SUFFIX = " (rescheduled)"


@dataclass
class Workflow:
    """What each step of the workflow printed, sent and recorded."""

    token: str
    release_bot_token: str
    client_secret: str
    violation_check: dict[str, Any]
    violation_preview: Run
    violation_up: Run
    violation_calls: list[EmulatorRequest]
    stored_after_violation: list[dict[str, Any]]
    check: dict[str, Any]
    up: Update
    up_calls: list[EmulatorRequest]
    stored_after_up: list[dict[str, Any]]
    state_after_up: dict[str, Any]
    reup: Update
    reup_calls: list[EmulatorRequest]
    stored_after_reup: list[dict[str, Any]]
    changed: PlannedResource
    new_title: str
    change: Update
    change_calls: list[EmulatorRequest]
    stored_after_change: list[dict[str, Any]]
    state_after_change: dict[str, Any]
    export_text: str
    manifest: Path
    manifest_existed: bool
    destroy: Update
    destroy_calls: list[EmulatorRequest]
    stored_after_destroy: list[dict[str, Any]]
    state_after_destroy: dict[str, Any]
    transcript: list[Run]


def gotham_inbox_check(project: PulumiProject) -> dict[str, Any]:
    """``gotham-inbox check --format json`` on the copy: the same policies, under mocks."""
    finished = subprocess.run(
        [str(GOTHAM_INBOX), "check", str(project.root), "--stack", STACK, "--format", "json"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert finished.returncode in (0, 1), finished.stdout + finished.stderr
    report: dict[str, Any] = json.loads(finished.stdout)
    return report


def retitle_one_message(
    project: PulumiProject, plan: dict[str, Any]
) -> tuple[PlannedResource, str]:
    """Change the title of one top-level ``InboxMessage`` in the copy's program.

    The message is the first whose title is a plain string literal in the program, so the
    edit is exact whatever else the example declares.
    """
    source = project.program().read_text(encoding="utf-8")
    for resource in planned_inbox_resources(plan):
        if resource.type != MESSAGE_TYPE or "::pulumi:pulumi:Stack::" not in resource.parent:
            continue
        title = resource.messages[0]["title"]["value"]
        literal = json.dumps(title)
        if source.count(literal) == 1:
            new_title = title + TITLE_SUFFIX
            project.program().write_text(
                source.replace(literal, json.dumps(new_title)), encoding="utf-8"
            )
            return resource, new_title
    raise AssertionError("no top-level InboxMessage with a literal title in the example program")


def append_to_program(project: PulumiProject, code: str) -> None:
    """Append ``code`` to the copy's program."""
    program = project.program()
    program.write_text(program.read_text(encoding="utf-8") + code, encoding="utf-8")


def _state_of(exported: dict[str, Any], urn: str) -> dict[str, Any]:
    (found,) = [item for item in state_resources(exported) if item["urn"] == urn]
    return found


def run_workflow(emulator: RunningEmulator, where: Path) -> Workflow:
    """Every step, in order, recording what each one did."""
    # 1. A copy with a violating message: preview and up with the policy pack.
    violating = PulumiProject.copy_example(where / "violating")
    append_to_program(violating, VIOLATING_RESOURCE)
    violating.init_dev_stack(emulator.base_url)
    violation_check = gotham_inbox_check(violating)
    with emulator_calls() as violation_calls:
        violation_preview = violating.run("preview", "--stack", STACK, *POLICY_ARGS)
        violation_up = violating.run("up", "--yes", "--stack", STACK, *POLICY_ARGS)
    stored_after_violation = emulator.messages()

    # 2. The clean example stack, sending with the dev stack's encrypted token. A client secret
    # is configured too (the token wins), so that the export can be searched for both.
    project = PulumiProject.copy_example(where / "clean")
    project.init_dev_stack(emulator.base_url)
    client = emulator.directory.clients[0]
    project.run("config", "set", "--stack", STACK, "gotham:clientId", client.client_id).ok()
    project.run(
        "config", "set", "--stack", STACK, "--secret", "gotham:clientSecret", client.client_secret
    ).ok()
    token = project.config_get("gotham:token")
    check = gotham_inbox_check(project)
    with emulator_calls() as up_calls:
        up = Update.of(project.run("up", "--yes", "--json", "--stack", STACK, *POLICY_ARGS))
    stored_after_up = emulator.messages()
    state_after_up = project.export()

    # 3. The same stack again.
    with emulator_calls() as reup_calls:
        reup = Update.of(
            project.run(
                "up", "--yes", "--json", "--expect-no-changes", "--stack", STACK, *POLICY_ARGS
            )
        )
    stored_after_reup = emulator.messages()

    # 4. One message's title changed.
    changed, new_title = retitle_one_message(project, up.plan)
    with emulator_calls() as change_calls:
        change = Update.of(project.run("up", "--yes", "--json", "--stack", STACK, *POLICY_ARGS))
    stored_after_change = emulator.messages()
    state_after_change = project.export()

    # 5. The state as `pulumi stack export` prints it.
    export_text = project.run("stack", "export", "--stack", STACK).ok().stdout

    # 6. Destroy.
    (manifest_state,) = [
        item
        for item in state_resources(state_after_change)
        if item["type"].endswith(":ReleaseManifest")
    ]
    manifest = project.root / manifest_state["outputs"]["path"]
    manifest_existed = manifest.is_file()
    with emulator_calls() as destroy_calls:
        destroy = Update.of(project.run("destroy", "--yes", "--json", "--stack", STACK))
    stored_after_destroy = emulator.messages()
    state_after_destroy = project.export()

    return Workflow(
        token=token,
        release_bot_token=emulator.token_for("release-bot"),
        client_secret=client.client_secret,
        violation_check=violation_check,
        violation_preview=violation_preview,
        violation_up=violation_up,
        violation_calls=violation_calls,
        stored_after_violation=stored_after_violation,
        check=check,
        up=up,
        up_calls=up_calls,
        stored_after_up=stored_after_up,
        state_after_up=state_after_up,
        reup=reup,
        reup_calls=reup_calls,
        stored_after_reup=stored_after_reup,
        changed=changed,
        new_title=new_title,
        change=change,
        change_calls=change_calls,
        stored_after_change=stored_after_change,
        state_after_change=state_after_change,
        export_text=export_text,
        manifest=manifest,
        manifest_existed=manifest_existed,
        destroy=destroy,
        destroy_calls=destroy_calls,
        stored_after_destroy=stored_after_destroy,
        state_after_destroy=state_after_destroy,
        transcript=violating.transcript + project.transcript,
    )


@pytest.fixture(scope="module")
def workflow(pulumi_engine: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workflow]:
    """The whole workflow, run once for this module."""
    with running_emulator() as emulator:
        recorded = run_workflow(emulator, tmp_path_factory.mktemp("e2e-workflow"))
    yield recorded


def _by_source_id(records: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {record["sourceId"]: record["message"] for record in records}


def _inbox_resource_count(update: Update) -> int:
    return len(planned_inbox_resources(update.plan))


def _managed_count(exported: dict[str, Any]) -> int:
    # The resources a deploy reports on: provider resources are not counted.
    return len(
        [r for r in state_resources(exported) if not r["type"].startswith("pulumi:providers:")]
    )


def test_preview_with_a_violating_message_fails_with_the_policy_message(
    workflow: Workflow,
) -> None:
    """1. `pulumi preview --policy-pack` on a stack with a violating message fails with the
    policy's message, and neither preview nor `up` sends anything."""
    mandatory = [v for v in workflow.violation_check["violations"] if v["level"] == "mandatory"]
    assert {v["resource"] for v in mandatory} == {VIOLATING_NAME}, workflow.violation_check
    assert {v["policy"] for v in mandatory} >= {"inbox-markings", "inbox-realm-requirements"}

    for run in (workflow.violation_preview, workflow.violation_up):
        assert run.returncode != 0, run.describe()
        assert VIOLATING_NAME in run.output, run.describe()
        assert "not cleared for marking 'SECRET'" in run.output, run.describe()
        # The pack reports exactly what `gotham-inbox check` reports: same rules, same words.
        for violation in mandatory:
            assert violation["policy"] in run.output, run.describe()
            assert violation["message"] in run.output, run.describe()

    assert workflow.violation_calls == []
    assert workflow.stored_after_violation == []


def test_up_sends_exactly_the_declared_messages_and_announces_after_its_dependencies(
    workflow: Workflow,
) -> None:
    """2. `pulumi up --yes` on the clean example stack sends exactly the declared messages,
    each once, and the release announcement last, after what it depends on."""
    up = workflow.up
    up.run.ok()
    assert up.summary["result"] == "succeeded", up.run.describe()
    assert up.summary["resourceChanges"] == {"create": _managed_count(workflow.state_after_up)}
    assert any(pack.startswith("gotham-inbox|") for pack in up.summary["PolicyPacks"]), up.summary

    # What the engine planned to send, which `gotham-inbox check` counts the same under mocks.
    planned = planned_inbox_resources(up.plan)
    declared = {m["sourceId"]: m for resource in planned for m in resource.messages}
    assert len(planned) == workflow.check["resources"]
    assert len(declared) == workflow.check["messages"]

    stored = workflow.stored_after_up
    assert len(stored) == len(declared)
    assert _by_source_id(stored) == declared
    assert {record["caller"] for record in stored} == {"release-bot"}
    assert len(sends(workflow.up_calls)) == len(planned)
    assert {call.status for call in workflow.up_calls} == {200}

    # The announcement's message waits for every resource it depends on: each was created
    # before its create began, and every message among them was stored before it.
    (announcement,) = [r for r in planned if f"::{RELEASE_ANNOUNCEMENT_TYPE}::" in r.parent]
    dependencies = _state_of(workflow.state_after_up, announcement.urn)["dependencies"]
    assert dependencies, "the announcement declares the release's resources as dependencies"
    began = up.sequence_of("resourcePreEvent", announcement.urn)
    for dependency in dependencies:
        assert up.sequence_of("resOutputsEvent", dependency) < began, dependency
    order = [record["sourceId"] for record in stored]
    (announced_at,) = [order.index(m["sourceId"]) for m in announcement.messages]
    for resource in planned:
        if resource.urn in dependencies:
            for message in resource.messages:
                assert order.index(message["sourceId"]) < announced_at
    # The example makes the announcement depend on every other resource: it is stored last.
    assert announced_at == len(order) - 1, order


def test_second_up_reports_no_changes_and_sends_nothing(workflow: Workflow) -> None:
    """3. A second `pulumi up` reports no changes (`--expect-no-changes` passes) and sends
    nothing."""
    reup = workflow.reup
    reup.run.ok()
    assert reup.summary["resourceChanges"] == {"same": _managed_count(workflow.state_after_up)}
    assert set().union(*reup.ops_by_urn().values()) == {"same"}
    assert workflow.reup_calls == []
    assert workflow.stored_after_reup == workflow.stored_after_up


def test_changing_one_title_replaces_that_resource_only(workflow: Workflow) -> None:
    """4. Changing one message's title replaces that resource only: one new message, with a
    new sourceId, and nothing else sent."""
    change, changed = workflow.change, workflow.changed
    change.run.ok()
    unchanged = _managed_count(workflow.state_after_change) - 1
    assert change.summary["resourceChanges"] == {"replace": 1, "same": unchanged}
    ops = change.ops_by_urn()
    assert "create-replacement" in ops.pop(changed.urn)
    assert set().union(*ops.values()) == {"same"}

    assert len(sends(workflow.change_calls)) == 1
    before = workflow.stored_after_reup
    after = workflow.stored_after_change
    assert after[: len(before)] == before  # nothing earlier re-sent, nothing recalled
    (new,) = after[len(before) :]
    recorded = _state_of(workflow.state_after_change, changed.urn)["outputs"]
    (old_message,) = changed.messages
    assert new["sourceId"] == recorded["sourceId"] != old_message["sourceId"]
    assert new["message"]["title"]["value"] == workflow.new_title

    def without_title_and_id(message: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in message.items() if k not in ("title", "sourceId")}

    assert without_title_and_id(new["message"]) == without_title_and_id(old_message)


def test_stack_export_holds_no_token_or_client_secret(workflow: Workflow) -> None:
    """5. `pulumi stack export` contains neither the token nor the client secret in plain
    text (nor inside base64 values such as the pickled provider), and no preview, up, export
    or destroy printed them."""
    # The dev stack's decrypted token is release-bot's, and the messages were sent with it.
    assert workflow.token == workflow.release_bot_token
    assert {record["caller"] for record in workflow.stored_after_change} == {"release-bot"}
    exported = json.loads(workflow.export_text)
    assert exported["deployment"]["secrets_providers"]["type"] == "passphrase"
    inbox_states = [r for r in state_resources(exported) if r["type"] in INBOX_TYPES]
    assert len(inbox_states) == _inbox_resource_count(workflow.up)
    for state in inbox_states:
        assert inbox_messages_of(state["outputs"], state["type"])  # the real, full state

    for secret in (workflow.token, workflow.client_secret):
        assert secret not in workflow.export_text
        assert not any(secret.encode() in blob for blob in decoded_strings(exported))
        for run in workflow.transcript:
            if run.args[:2] != ("config", "get"):  # printing it is that command's job
                assert secret not in run.output, run.describe()


def test_destroy_succeeds_without_calling_the_emulator(workflow: Workflow) -> None:
    """6. `pulumi destroy --yes` succeeds without a single request to Gotham; the other
    resources are really deleted, and sent messages stay where they are."""
    destroy = workflow.destroy
    destroy.run.ok()
    assert destroy.summary["result"] == "succeeded", destroy.run.describe()
    assert destroy.summary["resourceChanges"] == {
        "delete": _managed_count(workflow.state_after_change)
    }
    assert workflow.destroy_calls == []
    assert workflow.stored_after_destroy == workflow.stored_after_change
    assert state_resources(workflow.state_after_destroy) == []
    assert workflow.manifest_existed
    assert not workflow.manifest.exists()
