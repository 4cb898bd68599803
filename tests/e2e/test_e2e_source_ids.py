"""The workflow under the real Pulumi CLI against a Gotham that honours, ignores or rejects ids.

One stack per mode, with the provider's default ``gotham:sourceIds auto``: up, re-up, replace
(a new version), destroy, then kill-and-recover (SIGKILL while Gotham holds the answer of a
stored request, `pulumi cancel`, `pulumi refresh --clear-pending-creates`, `pulumi up`). After
each step the emulator's exact message count is asserted. The program is small on purpose (a
message with a secret body, a batch of two, a release announcement) so three modes stay quick.

Per step the measured outcome is written to ``<tmp>/outcome.json`` and printed (``pytest -s``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from gotham_inbox.emulator.testing import RunningEmulator, running_emulator
from tests.e2e.e2e_support import (
    STACK,
    PulumiProject,
    kill_up_once_gotham_stored_a_message,
    pending_operations,
    state_resources,
)

pytestmark = pytest.mark.e2e

PROGRAM = """
import pulumi

from gotham_inbox.providers import InboxMessage, InboxMessageBatch, ReleaseAnnouncement

version = pulumi.Config().require("version")
SENDER = {"displayName": "Release Bot"}
UNCLASSIFIED = {"portionMarkings": ["UNCLASSIFIED"]}

pin = InboxMessage(
    "pin",
    message={
        "groupRecipients": [{"name": "platform-team"}],
        "sender": SENDER,
        "title": {"value": "Your break-glass PIN"},
        "body": {"value": pulumi.Output.secret("PIN 4711"), "formatStyle": "UNFORMATTED"},
        "security": UNCLASSIFIED,
    },
)
steps = InboxMessageBatch(
    "steps",
    messages=[
        {
            "groupRecipients": [{"name": "sre-oncall"}],
            "sender": SENDER,
            "title": {"value": f"Deploy window for {version} opens"},
            "security": UNCLASSIFIED,
        },
        {
            "groupRecipients": [{"name": "platform-team"}],
            "sender": SENDER,
            "title": {"value": "Watch the dashboards during the rollout"},
            "security": UNCLASSIFIED,
        },
    ],
)
release = ReleaseAnnouncement(
    "release",
    service="billing",
    version=version,
    changelog="",
    recipients=["platform-team"],
    markings=["UNCLASSIFIED"],
    sender="Release Bot",
    depends_on=[pin, steps],
)
pulumi.export("pinIdempotent", pin.idempotent)
pulumi.export("stepsStatuses", steps.statuses)
pulumi.export("releaseStatus", release.status)
pulumi.export("releaseIdempotent", release.idempotent)
"""

DECLARED = 4  # pin, two steps, the announcement


def outputs(project: PulumiProject) -> dict[str, Any]:
    text = project.run("stack", "output", "--json", "--stack", STACK).ok().stdout
    values: dict[str, Any] = json.loads(text)
    return values


def up(project: PulumiProject) -> str:
    run = project.run("up", "--yes", "--skip-preview", "--stack", STACK).ok()
    return run.output


def secret_state(project: PulumiProject) -> dict[str, bool]:
    """Per inbox resource name: is its recorded ``sourceId`` a secret in the state?"""
    found = {}
    for resource in state_resources(project.export()):
        recorded = resource.get("outputs", {})
        if "sourceId" in recorded:
            value = recorded["sourceId"]
            found[resource["urn"].rsplit("::", 1)[-1]] = isinstance(value, dict) and (
                "ciphertext" in value
            )
    return found


def workflow(project: PulumiProject, emulator: RunningEmulator, tmp: Path) -> dict[str, Any]:
    mode = emulator.source_ids
    honour = mode == "honour"
    outcome: dict[str, Any] = {"mode": mode}
    project.init_dev_stack(emulator.base_url)
    project.run("config", "set", "--stack", STACK, "version", "1.0.0").ok()

    up(project)
    first = outputs(project)
    assert len(emulator.messages()) == DECLARED
    assert first["pinIdempotent"] is honour and first["releaseIdempotent"] is honour
    assert first["stepsStatuses"] == ["sent", "sent"] and first["releaseStatus"] == "sent"
    # The id of the message with a secret body is a hash of secret content: secret in state.
    secrets = secret_state(project)
    assert secrets["pin"] is True and secrets["release-message"] is False, secrets
    outcome["up"] = {"stored": len(emulator.messages()), "outputs": first}

    again = up(project)
    assert len(emulator.messages()) == DECLARED
    assert "4 unchanged" in again or "unchanged" in again, again
    outcome["re-up"] = {"stored": len(emulator.messages())}

    project.run("config", "set", "--stack", STACK, "version", "1.1.0").ok()
    up(project)
    replaced = outputs(project)
    # The batch (its first title has the version) and the announcement are replaced. The
    # batch's second message did not change, so its id did not: honour adopts it, the other
    # hosts cannot recognise it and deliver it again.
    assert len(emulator.messages()) == DECLARED + (2 if honour else 3)
    assert replaced["releaseStatus"] == "sent"
    assert replaced["stepsStatuses"] == ["sent", "adopted" if honour else "sent"]
    outcome["replace"] = {"stored": len(emulator.messages()), "outputs": replaced}

    after_replace = len(emulator.messages())
    project.run("destroy", "--yes", "--skip-preview", "--stack", STACK).ok()
    assert len(emulator.messages()) == after_replace  # messages cannot be recalled
    assert [r for r in state_resources(project.export()) if "gotham" in r["type"]] == []
    outcome["destroy"] = {"stored": len(emulator.messages())}

    # State lost (destroyed), same version deployed again: only a host that honours ids can
    # recognise the messages; elsewhere they are delivered again.
    before = len(emulator.messages())
    up(project)
    redeployed = outputs(project)
    expected_new = 0 if honour else DECLARED
    assert len(emulator.messages()) == before + expected_new
    assert redeployed["releaseStatus"] == ("adopted" if honour else "sent")
    outcome["up-after-state-loss"] = {
        "stored": len(emulator.messages()),
        "outputs": redeployed,
    }
    project.run("destroy", "--yes", "--skip-preview", "--stack", STACK).ok()

    # Kill-and-recover on version 1.2.0.
    project.run("config", "set", "--stack", STACK, "version", "1.2.0").ok()
    before = len(emulator.messages())
    at_kill = kill_up_once_gotham_stored_a_message(
        project, emulator, tmp / "killed.log", successes_only=True
    )
    arrived = len(at_kill) - before
    assert arrived >= 1
    project.run("cancel", "--yes", "--stack", STACK).ok()
    assert {op["type"] for op in pending_operations(project.export())} == {"creating"}
    refresh = project.run("refresh", "--clear-pending-creates", "--yes", "--stack", STACK).ok()
    recovery = up(project)
    recovered = outputs(project)
    stored = len(emulator.messages())
    # honour: the pin and the batch's second message (same ids as before) are adopted, and so
    # is what the killed deploy delivered; only the two new messages of 1.2.0 are sent, once.
    # Elsewhere the recovery sends every message: what the killed deploy delivered arrives twice.
    assert stored == (before + 2 if honour else before + arrived + DECLARED)
    outcome["kill-and-recover"] = {
        "stored_before": before,
        "delivered_by_killed_up": arrived,
        "stored_after_recovery": stored,
        "duplicates": 0 if honour else arrived,
        "outputs": recovered,
        "refresh_said": [line for line in refresh.output.splitlines() if "pending" in line],
        "recovery_said": [line for line in recovery.splitlines() if "warning" in line],
    }
    return outcome


@pytest.mark.parametrize("mode", ["honour", "ignore", "reject"])
def test_the_workflow_per_source_id_mode(pulumi_engine: None, tmp_path: Path, mode: str) -> None:
    project = PulumiProject.copy_example(tmp_path)
    project.program().write_text(PROGRAM, encoding="utf-8")
    with running_emulator(source_ids=mode) as emulator:
        outcome = workflow(project, emulator, tmp_path)
    (tmp_path / "outcome.json").write_text(json.dumps(outcome, indent=2))
    print(json.dumps(outcome, indent=2))
