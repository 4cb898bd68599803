"""`pulumi up` of the example stack, under the real CLI, against an emulator that misbehaves.

The first send is throttled (429: retried after Retry-After); a later send (that retry, or
another resource's: the engine creates them concurrently) is answered 503 by a "proxy" after
Gotham stored the message. That deploy cannot know whether the message arrived,
so it fails and says so, and nothing is sent twice; the next `pulumi up` adopts that message
and sends the rest, each exactly once.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gotham_inbox.emulator.testing import running_emulator
from tests.e2e.e2e_support import STACK, PulumiProject, declared_messages, emulator_calls, sends

pytestmark = pytest.mark.e2e

RERUN_IS_SAFE = (
    "The messages may or may not have been sent. Running the deploy again is safe: this host "
    "honours sourceIds"
)
CHECK_BEFORE_RERUN = (
    "The messages may or may not have been delivered, and nothing protects against a second "
    "delivery"
)


def test_a_503_after_commit_fails_the_deploy_honestly_and_the_next_up_sends_nothing_twice(
    pulumi_engine: None, tmp_path: Path
) -> None:
    project = PulumiProject.copy_example(tmp_path)
    with running_emulator() as emulator:
        project.init_dev_stack(emulator.base_url)
        declared = declared_messages(
            json.loads(project.run("preview", "--json", "--stack", STACK).ok().stdout)
        )
        emulator.faults.add("throttle", times=1, retry_after=0.2)
        emulator.faults.add("unavailable-after-commit", times=1)

        with emulator_calls() as first_calls:
            failed = project.run("up", "--yes", "--stack", STACK)
        assert failed.returncode != 0, failed.describe()
        assert "HTTP 503" in failed.output, failed.describe()
        # The engine creates resources concurrently: whether another send was answered (and
        # so showed that this host honours sourceIds) before the 503 decides which of the
        # provider's two pieces of advice the error gives.
        assert RERUN_IS_SAFE in failed.output or CHECK_BEFORE_RERUN in failed.output, (
            failed.describe()
        )
        assert emulator.faults.injected == ["throttle", "unavailable-after-commit"]
        first_sends = sends(first_calls)
        statuses = [call.status for call in first_sends]
        assert statuses.count(429) == 1 and statuses.count(503) == 1, statuses
        assert statuses.index(429) < statuses.index(503), statuses
        stored_after_failure = emulator.messages()
        assert len(stored_after_failure) == len(
            {record["sourceId"] for record in stored_after_failure}
        ), "nothing was stored twice"

        with emulator_calls() as second_calls:
            project.run("up", "--yes", "--stack", STACK).ok()
        assert {call.status for call in sends(second_calls)} == {200}
        stored = emulator.messages()

    assert sorted(record["sourceId"] for record in stored) == sorted(declared)
    assert {record["sourceId"]: record["message"] for record in stored} == declared


def test_a_deploy_gotham_keeps_throttling_tells_each_failure_once_and_briefly(
    pulumi_engine: None, tmp_path: Path
) -> None:
    # Tried as a new user would: every send is throttled, the client gives up after its
    # retries. The engine prints the host's traceback per failed resource; what is ours must
    # be short: the reason and what to do first, "Nothing was sent." once, the retries in one
    # log line per request (not one per retry).
    project = PulumiProject.copy_example(tmp_path)
    with running_emulator() as emulator:
        project.init_dev_stack(emulator.base_url)
        emulator.faults.add("throttle", retry_after=0.01)
        failed = project.run("up", "--yes", "--stack", STACK)
        assert emulator.messages() == []
    assert failed.returncode != 0, failed.describe()
    diagnostics = failed.stdout.partition("\nDiagnostics:")[2].partition("\nResources:")[0]
    inbox_failures = [
        line
        for line in diagnostics.splitlines()
        if line.startswith("  pulumi-python:dynamic/gotham:")
    ]
    assert inbox_failures, failed.describe()
    headline = (
        "InboxProviderError: Gotham throttled every attempt (HTTP 429). Nothing was sent. "
        "Run the deploy again in a few minutes."
    )
    assert diagnostics.count(headline) == len(inbox_failures), failed.describe()
    assert diagnostics.lower().count("was sent") == len(inbox_failures), failed.describe()
    assert diagnostics.count("gotham_inbox/providers/") == len(inbox_failures), diagnostics
    assert "retrying in" not in failed.output
    retried = [line for line in diagnostics.splitlines() if "retried" in line]
    assert len(retried) == len(inbox_failures), diagnostics
    assert all(line.strip().endswith("then failed: RateLimitedError") for line in retried)
