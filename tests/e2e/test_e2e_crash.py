"""7. The engine killed during `pulumi up` after Gotham stored the messages, then recovered.

The emulator holds back its answers (``hold_answers``), so the deploy is caught at the worst
moment: the messages are in Gotham but the provider never learnt it, and the engine has only
"creating" pending operations in its state. The test SIGKILLs the `pulumi` process (then the
plugins it leaves behind) and recovers the way this CLI tells a user to: `pulumi cancel` for the
stale lock, `pulumi refresh --clear-pending-creates` for the interrupted creates, then
`pulumi up`. Each message must end up in Gotham exactly once, adopted by the provider.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gotham_inbox.emulator.testing import running_emulator
from tests.e2e.e2e_support import (
    MESSAGE_TYPE,
    STACK,
    PulumiProject,
    Update,
    declared_messages,
    emulator_calls,
    kill_up_once_gotham_stored_a_message,
    pending_operations,
    planned_inbox_resources,
    sends,
    state_resources,
)

pytestmark = pytest.mark.e2e


def test_up_killed_after_the_request_was_sent_recovers_and_sends_each_message_once(
    pulumi_engine: None, tmp_path: Path
) -> None:
    """7. Kill the engine during an `up` after the request was sent; after `pulumi cancel` and
    `pulumi refresh --clear-pending-creates`, the next `up` completes, adopts what was already
    sent, and the emulator holds each message once."""
    project = PulumiProject.copy_example(tmp_path)
    with running_emulator() as emulator:
        project.init_dev_stack(emulator.base_url)
        plan = json.loads(project.run("preview", "--json", "--stack", STACK).ok().stdout)
        declared = declared_messages(plan)
        planned = planned_inbox_resources(plan)

        stored_at_kill = kill_up_once_gotham_stored_a_message(
            project, emulator, tmp_path / "killed-up.log"
        )
        killed_output = (tmp_path / "killed-up.log").read_text()
        assert "Updating (dev)" in killed_output, killed_output
        assert stored_at_kill, "the kill came after a request was stored"
        sent_before = {record["sourceId"] for record in stored_at_kill}
        assert sent_before <= set(declared)
        assert len(sent_before) == len(stored_at_kill)

        with emulator_calls() as calls_while_recovering:
            # The killed engine's lock is still there: the CLI refuses and says what to do.
            locked = project.run("up", "--yes", "--stack", STACK)
            assert locked.returncode != 0, locked.describe()
            assert "locked" in locked.output, locked.describe()
            assert "pulumi cancel" in locked.output, locked.describe()
            project.run("cancel", "--yes", "--stack", STACK).ok()

            # Each resource whose message Gotham stored was left as an interrupted create.
            pending = pending_operations(project.export())
            assert {op["type"] for op in pending} == {"creating"}, pending
            pending_urns = {op["resource"]["urn"] for op in pending}
            for resource in planned:
                if {m["sourceId"] for m in resource.messages} & sent_before:
                    assert resource.urn in pending_urns, pending

            project.run("refresh", "--clear-pending-creates", "--yes", "--stack", STACK).ok()
            assert pending_operations(project.export()) == []
        assert calls_while_recovering == []

        with emulator_calls() as recovery_calls:
            recovery = Update.of(project.run("up", "--yes", "--json", "--stack", STACK))
        recovery.run.ok()
        assert recovery.summary["result"] == "succeeded", recovery.run.describe()
        assert {call.status for call in sends(recovery_calls)} == {200}
        stored = emulator.messages()

    # Each declared message exactly once; those stored before the kill untouched.
    order = [record["sourceId"] for record in stored]
    assert sorted(order) == sorted(declared)
    assert {record["sourceId"]: record["message"] for record in stored} == declared
    assert [r for r in stored if r["sourceId"] in sent_before] == stored_at_kill

    # The provider adopted exactly what the killed deploy had sent, and sent the rest.
    exported = project.export()
    assert pending_operations(exported) == []
    outputs = {item["urn"]: item["outputs"] for item in state_resources(exported)}
    for resource in planned:
        recorded = outputs[resource.urn]
        statuses = [recorded["status"]] if resource.type == MESSAGE_TYPE else recorded["statuses"]
        expected = [
            "adopted" if message["sourceId"] in sent_before else "sent"
            for message in resource.messages
        ]
        assert statuses == expected, resource.urn
