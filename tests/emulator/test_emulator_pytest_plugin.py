"""The installed pytest plugin: its fixtures work in a project that only installs gotham-inbox."""

from __future__ import annotations

import textwrap
from pathlib import Path

from gotham_inbox.client import InboxClient
from gotham_inbox.emulator.testing import RunningEmulator
from tests.emulator.emulator_helpers import message
from tests.support import run_pytest


def test_gotham_client_sends_to_gotham_emulator(
    gotham_emulator: RunningEmulator, gotham_client: InboxClient
) -> None:
    answer = gotham_client.send([message()])
    (record,) = gotham_emulator.messages()
    assert record["sourceId"] == str(answer.responses[0].source_id)
    assert record["caller"] == "release-bot"


def test_fixtures_reach_an_outside_project_and_each_test_gets_a_fresh_emulator(
    tmp_path: Path,
) -> None:
    (tmp_path / "test_outside.py").write_text(
        textwrap.dedent(
            """
            MESSAGE = {
                "groupRecipients": [{"name": "platform-team"}],
                "sender": {"displayName": "bot"},
                "title": {"value": "hello"},
                "security": {"portionMarkings": ["UNCLASSIFIED"]},
            }

            def test_first(gotham_client, gotham_emulator):
                gotham_client.send([MESSAGE])
                assert len(gotham_emulator.messages()) == 1

            def test_second_starts_empty(gotham_client, gotham_emulator):
                assert gotham_emulator.messages() == []
                gotham_client.send([MESSAGE, MESSAGE])
                assert len(gotham_emulator.messages()) == 2
            """
        )
    )
    result = run_pytest(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 passed" in result.stdout


def test_gotham_faults_is_the_emulators_plan(
    gotham_emulator: RunningEmulator, gotham_faults: object
) -> None:
    assert gotham_faults is gotham_emulator.faults


def test_gotham_fault_options_make_every_fixture_emulator_misbehave(tmp_path: Path) -> None:
    (tmp_path / "test_flaky.py").write_text(
        textwrap.dedent(
            """
            import httpx

            def test_the_first_send_is_throttled(gotham_emulator, gotham_faults):
                url = gotham_emulator.base_url + "/api/gotham/v1/inbox/messages?preview=true"
                headers = {"Authorization": "Bearer emu-7c41e9a3f05b2d86"}
                first = httpx.post(url, json={"messages": []}, headers=headers)
                second = httpx.post(url, json={"messages": []}, headers=headers)
                assert (first.status_code, first.headers["Retry-After"]) == (429, "3")
                assert second.status_code == 200
                assert gotham_faults.injected == ["throttle"]
            """
        )
    )
    result = run_pytest(
        tmp_path, "--gotham-fault", "throttle:times=1,retry-after=3", "--gotham-fault-seed", "1"
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed" in result.stdout
