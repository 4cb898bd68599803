"""The toolkit users get with the package: the policy checker, its config, the fixtures.

The property tests lean on these, so they are tested for what a user relies on: the checker
is configured exactly as ``gotham-inbox policy-config`` would configure the pack, the
in-process emulator answers as the real one, and the fixtures work in a project that only
installs gotham-inbox.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from hypothesis import given

from gotham_inbox import strategies as gs
from gotham_inbox._auth import TokenAuth
from gotham_inbox.cli import main
from gotham_inbox.client import InboxClient
from gotham_inbox.directory import load_directory, parse_directory
from gotham_inbox.emulator.app import create_app
from gotham_inbox.emulator.store import MessageStore
from gotham_inbox.emulator.testing import RunningEmulator
from gotham_inbox.errors import BadRequestError
from gotham_inbox.verdicts import InProcessEmulator, PolicyChecker
from gotham_inbox.verdicts._server_verdict import IN_PROCESS_BASE_URL, InProcessTransport
from tests.properties.property_support import CALLER, directories_of_every_kind
from tests.support import run_pytest


@given(directory=gs.directories(caller=CALLER))
def test_the_checker_uses_the_config_the_policy_config_command_prints(
    directory: dict[str, Any],
) -> None:
    # One source of truth: the file a user would pass to `pulumi preview --policy-pack-config`.
    with tempfile.TemporaryDirectory() as folder:
        file = Path(folder) / "directory.json"
        file.write_text(json.dumps(directory))
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            assert main(["policy-config", "--directory", str(file), "--caller", CALLER]) == 0
    assert PolicyChecker.for_directory(directory, CALLER).raw_config == json.loads(
        printed.getvalue()
    )


def test_overrides_are_merged_over_the_generated_config() -> None:
    checker = PolicyChecker.for_directory(
        None, "release-bot", overrides={"inbox-markings": "advisory", "inbox-content": "disabled"}
    )
    generated = PolicyChecker.for_directory(None, "release-bot").raw_config
    assert checker.raw_config["inbox-markings"] == {
        **generated["inbox-markings"],
        "enforcementLevel": "advisory",
    }
    everyone = {
        "groupRecipients": [{"name": "Everyone"}],
        "sender": {"displayName": "bot"},
        "title": {"value": "hello"},
        "security": {"portionMarkings": ["SECRET"]},
    }
    verdict = checker.check_message(everyone)
    assert [(v.policy, v.level.value, v.field) for v in verdict.violations] == [
        # Everyone cannot read SECRET: advice by default
        ("inbox-recipients-can-read", "advisory", "message.groupRecipients[0]"),
        # over release-bot's clearance: mandatory by default, now only advice
        ("inbox-markings", "advisory", "message.security.portionMarkings[0]"),
    ]


def test_policy_checker_fixture_flags_a_group_of_another_realm_without_its_realm(
    policy_checker: PolicyChecker,
) -> None:
    message = {
        "groupRecipients": [{"name": "partner-ops"}],
        "sender": {"displayName": "bot"},
        "title": {"value": "hello"},
        "security": {"portionMarkings": ["UNCLASSIFIED"]},
    }
    verdict = policy_checker.check_batch([message])
    # The realm policy says what is wrong; the batch policy that the server refuses the batch.
    batch, realm = sorted(verdict.mandatory, key=lambda violation: violation.policy)
    assert realm.policy == "inbox-realm-requirements"
    assert realm.field == "messages[0].groupRecipients[0].realm"
    assert "set realm: 'partner-realm'" in realm.reason
    assert batch.policy == "inbox-batch-atomicity"
    assert batch.field == realm.field
    assert "so the server refuses the whole batch and sends none of its 1 messages" in (
        batch.reason
    )


def test_the_in_process_emulator_answers_like_the_running_one(
    gotham_emulator: RunningEmulator,
) -> None:
    batch = [
        {
            "groupRecipients": [{"name": "partner-ops"}],
            "sender": {"displayName": "bot"},
            "title": {"value": "hello"},
            "security": {"portionMarkings": ["SECRET"]},
        }
    ]
    with InProcessEmulator(None, "release-bot") as emulator:
        in_process = emulator.send(batch)
    over_http = InboxClient(gotham_emulator.base_url, auth=TokenAuth("emu-7c41e9a3f05b2d86"))
    with over_http, pytest.raises(BadRequestError) as refused:
        over_http.send(batch)
    assert in_process.status_code == refused.value.status_code == 400
    assert in_process.error_name == refused.value.error_name == "UnknownRecipients"
    # The example directory's tokens are random-looking, so nothing in the server's answer is
    # part of a held credential: the client passes it on as the in-process emulator gave it.
    assert list(in_process.problems) == refused.value.parameters["problems"]
    assert in_process.objected_indexes == {0}


def test_the_in_process_transport_takes_a_streamed_body() -> None:
    # httpx's ASGI transport is async only: a sync client's streamed body must still arrive.
    body = json.dumps({"messages": [{**SEED_LIKE_MESSAGE}]}).encode()
    with InProcessEmulator(None, "release-bot") as emulator:
        client = httpx.Client(transport=emulator.transport, base_url=emulator.base_url)
        with client:
            answer = client.post(
                "/api/gotham/v1/inbox/messages?preview=true",
                content=iter([body[:10], body[10:]]),
                headers={
                    "Authorization": f"Bearer {emulator.token_for()}",
                    "Content-Type": "application/json",
                },
            )
        assert answer.status_code == 200, answer.text
        assert [record["sourceId"] for record in emulator.messages()] == [
            answer.json()["responses"][0]["sourceId"]
        ]


def test_the_in_process_transport_streams_so_an_oversized_body_is_refused_early() -> None:
    # As over a socket: the app answers 413 once the limit is passed, and the rest of the body
    # is never read (so a huge or endless body is refused without being held in memory).
    served = 0

    def large_body() -> Iterator[bytes]:
        nonlocal served
        yield b'{"messages": ['
        for _ in range(4096):
            served += 1
            yield b" " * 1024
        yield b"]}"

    with MessageStore() as store:
        app = create_app(load_directory(), store, max_body_bytes=4096)
        with httpx.Client(
            transport=InProcessTransport(app), base_url=IN_PROCESS_BASE_URL
        ) as client:
            answer = client.post(
                "/api/gotham/v1/inbox/messages?preview=true",
                content=large_body(),
                headers={
                    "Authorization": "Bearer emu-7c41e9a3f05b2d86",
                    "Content-Type": "application/json",
                },
            )
    assert answer.status_code == 413, answer.text
    assert answer.json()["errorName"] == "Default:RequestEntityTooLarge"
    assert served <= 8, f"{served} KiB read of a body refused at 4 KiB"


SEED_LIKE_MESSAGE: dict[str, Any] = {
    "groupRecipients": [{"name": "platform-team"}],
    "sender": {"displayName": "Release Bot"},
    "title": {"value": "v1.2.3 is out"},
    "security": {"portionMarkings": ["UNCLASSIFIED"]},
}


SMALL_DIRECTORY: dict[str, Any] = {
    "markings": ["PUBLIC", "RESTRICTED"],
    "groups": [
        {"name": "External Inbox Alert Producers", "realm": "home-realm"},
        {"name": "ops", "realm": "home-realm"},
        {"name": "ops", "realm": "away-realm", "clearance": ["PUBLIC"]},
    ],
    "users": [
        {
            "name": CALLER,
            "realm": "home-realm",
            "token": "caller-token",
            "groups": ["External Inbox Alert Producers"],
        }
    ],
}


def test_gotham_emulator_factory_serves_directory_data(gotham_emulator_factory: Any) -> None:
    home, away = gotham_emulator_factory(SMALL_DIRECTORY), gotham_emulator_factory()
    assert home.base_url != away.base_url
    message = {
        "groupRecipients": [{"name": "ops"}, {"name": "ops", "realm": "away-realm"}],
        "sender": {"displayName": "bot"},
        "title": {"value": "hello"},
        "security": {"portionMarkings": ["RESTRICTED"]},
    }
    with InboxClient(home.base_url, auth=TokenAuth(home.token_for(CALLER))) as client:
        client.send([message])
    (record,) = home.messages()
    assert record["caller"] == CALLER
    assert record["recipients"] == [
        {"name": "ops", "realm": "home-realm"},
        {"name": "ops", "realm": "away-realm"},
    ]
    assert away.messages() == []
    verdict = PolicyChecker.for_directory(SMALL_DIRECTORY, CALLER).check_batch([message])
    (unreadable,) = verdict.about(policy="inbox-recipients-can-read")
    assert unreadable.field == "messages[0].groupRecipients[1]"


@given(directory=directories_of_every_kind())
def test_directory_data_gives_back_the_directory_it_was_read_from(
    directory: dict[str, Any],
) -> None:
    loaded = parse_directory(directory)
    assert parse_directory(gs.directory_data(loaded)) == loaded


def test_directory_data_keeps_the_files_limits(tmp_path: Path) -> None:
    file = tmp_path / "directory.yaml"
    file.write_text(
        yaml.safe_dump({**SMALL_DIRECTORY, "limits": {"max_recipients_per_message": 1}})
    )
    data = gs.directory_data(file)
    assert data["limits"] == {"max_recipients_per_message": 1}
    two_recipients = {
        "groupRecipients": [{"name": "ops"}, {"name": "ops", "realm": "away-realm"}],
        "sender": {"displayName": "bot"},
        "title": {"value": "hello"},
        "security": {"portionMarkings": ["PUBLIC"]},
    }
    with InProcessEmulator(data, CALLER) as emulator:
        refused = emulator.send([two_recipients])
    assert (refused.status_code, refused.error_name) == (400, "InvalidMessageRequests")


def documented_example_files() -> dict[str, str]:
    """The files of the "Your own property tests" example (docs/property-testing.md), by name."""
    page = Path(__file__).parents[2] / "docs" / "property-testing.md"
    section = page.read_text(encoding="utf-8").split("## Your own property tests", 1)[1]
    section = section.split("\n## ", 1)[0]
    blocks = re.findall(r'```\w+ title="([^"]+)"\n(.*?)```', section, flags=re.DOTALL)
    return dict(blocks)


def test_the_documented_example_passes_in_a_project_that_only_installs_gotham_inbox(
    tmp_path: Path,
) -> None:
    files = documented_example_files()
    assert set(files) == {
        "gotham-directory.yaml",
        "release_notes.py",
        "conftest.py",
        "test_announcements.py",
    }
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    result = run_pytest(tmp_path, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 passed" in result.stdout, result.stdout
