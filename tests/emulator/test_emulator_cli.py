"""``gotham-inbox emulator`` as a process: start, serve, log, stop on signals, persist."""

from __future__ import annotations

import json
import signal
import socket
import uuid
from pathlib import Path
from typing import Any

import httpx
from jsonschema import Draft202012Validator

from gotham_inbox.cli import exit_codes
from gotham_inbox.directory import example_directory_path
from tests.emulator.emulator_helpers import RELEASE_BOT, SEND, message
from tests.emulator.process_support import emulator_process, run_emulator_command


def send(base_url: str, *messages: dict[str, Any]) -> httpx.Response:
    return httpx.post(base_url + SEND, json={"messages": list(messages)}, headers=RELEASE_BOT)


def test_serves_logs_each_request_and_exits_0_on_sigterm() -> None:
    with emulator_process() as emulator:
        assert send(emulator.base_url, message()).status_code == 200
        assert send(emulator.base_url, message(groupRecipients=[])).status_code == 400
        assert emulator.stop(signal.SIGTERM) == 0
    request_lines = [line for line in emulator.log if "/api/gotham/v1/inbox/messages" in line]
    assert len(request_lines) == 2
    assert "POST /api/gotham/v1/inbox/messages 200 caller=release-bot" in request_lines[0]
    assert "POST /api/gotham/v1/inbox/messages 400 caller=release-bot" in request_lines[1]
    assert "stopped" in emulator.log[-1]
    assert not any("emu-7c41e9a3f05b2d86" in line for line in emulator.log)


def test_ctrl_c_also_exits_0() -> None:
    with emulator_process() as emulator:
        assert httpx.get(emulator.base_url + "/emulator/health").json() == {"status": "ok"}
        assert emulator.stop(signal.SIGINT) == 0
    assert not any("Traceback" in line for line in emulator.log)


def test_db_file_keeps_messages_across_restarts(tmp_path: Path) -> None:
    db = tmp_path / "inbox.db"
    source_id = str(uuid.uuid4())
    with emulator_process("--db", str(db)) as emulator:
        assert send(emulator.base_url, message(sourceId=source_id)).status_code == 200
        assert emulator.stop() == 0
    with emulator_process("--db", str(db)) as emulator:
        records = httpx.get(emulator.base_url + "/emulator/messages", headers=emulator.admin)
        assert [record["sourceId"] for record in records.json()["messages"]] == [source_id]
        # Without the admin token printed at start-up, the store is neither read nor wiped.
        assert httpx.get(emulator.base_url + "/emulator/messages").status_code == 401
        assert httpx.delete(emulator.base_url + "/emulator/messages").status_code == 401
        assert emulator.stop() == 0


def test_a_custom_directory_and_body_limit_are_used(tmp_path: Path) -> None:
    directory = tmp_path / "directory.json"
    producers = "External Inbox Alert Producers"
    directory.write_text(
        json.dumps(
            {
                "markings": ["PUBLIC"],
                "groups": [{"name": "ops", "realm": "r"}, {"name": producers, "realm": "r"}],
                "users": [
                    {"name": "ci", "realm": "r", "token": "ci-token", "groups": [producers]},
                    {"name": "viewer", "realm": "r", "token": "viewer-token", "groups": ["ops"]},
                ],
            }
        )
    )
    ours = message(groupRecipients=[{"name": "ops"}], security={"portionMarkings": ["PUBLIC"]})
    with emulator_process("--directory", str(directory), "--max-body-bytes", "300") as emulator:
        url = emulator.base_url + SEND

        def post(token: str, body: dict[str, Any]) -> int:
            headers = {"Authorization": f"Bearer {token}"}
            return httpx.post(url, json=body, headers=headers).status_code

        assert post("ci-token", {"messages": [ours]}) == 200
        assert post("viewer-token", {"messages": [ours]}) == 403
        assert post("emu-7c41e9a3f05b2d86", {"messages": [ours]}) == 401
        assert post("ci-token", {"messages": [message()]}) == 400  # the example's names
        assert post("ci-token", {"messages": [ours] * 3}) == 413
        assert emulator.stop() == 0


def test_a_bad_directory_file_is_a_clear_error(tmp_path: Path) -> None:
    directory = tmp_path / "directory.yaml"
    directory.write_text("markings: [A]\ngroups: []\nusers: [{name: x}]\n")
    result = run_emulator_command("--directory", str(directory))
    assert result.returncode == 2
    assert f"invalid directory {directory}" in result.stderr
    assert "users[0]: required field 'realm' is missing; add it" in result.stderr


def test_a_port_in_use_is_a_clear_error() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run_emulator_command("--port", str(port))
    # 3, "the environment refused", from the one exit-code table: not 1, which check uses for
    # a mandatory violation.
    assert result.returncode == exit_codes.UNAVAILABLE == 3
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr


def test_the_printed_directory_schema_accepts_the_example_directory() -> None:
    import yaml

    result = run_emulator_command("--print-directory-schema")
    assert result.returncode == 0, result.stderr
    schema = json.loads(result.stdout)
    validator = Draft202012Validator(schema)
    assert validator.is_valid(yaml.safe_load(example_directory_path().read_text()))
    assert not validator.is_valid({"markings": ["A"], "groups": [], "users": [{"name": "x"}]})


def test_sigterm_while_a_client_holds_a_keep_alive_connection_still_exits() -> None:
    with emulator_process() as emulator, httpx.Client(base_url=emulator.base_url) as client:
        assert client.get("/emulator/health").status_code == 200  # connection stays open
        assert emulator.stop() == 0


def test_faults_from_the_command_line_misbehave_and_are_logged() -> None:
    with emulator_process("--fault", "throttle:times=1,retry-after=2") as emulator:
        throttled = send(emulator.base_url, message())
        assert throttled.status_code == 429
        assert throttled.headers["Retry-After"] == "2"
        assert send(emulator.base_url, message()).status_code == 200
        assert emulator.stop() == 0
    assert any("fault on: throttle (times 1, rate 1)" in line for line in emulator.log)
    (faulted,) = [line for line in emulator.log if "fault=" in line]
    assert "POST /api/gotham/v1/inbox/messages 429" in faulted
    assert faulted.endswith("fault=throttle")


def test_a_bad_fault_spec_exits_2_naming_the_problem() -> None:
    done = run_emulator_command("--fault", "explode")
    assert done.returncode == 2
    assert "unknown fault 'explode'" in done.stderr
