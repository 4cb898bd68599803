"""``--source-ids honour|ignore|reject``: the three ways a real Gotham may treat a sourceId."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest

from gotham_inbox.emulator.testing import running_emulator
from tests.emulator.emulator_helpers import RELEASE_BOT, SEND, app_client, assert_envelope, message
from tests.emulator.process_support import emulator_process, run_emulator_command
from tests.support import run_pytest

MODES = ("honour", "ignore", "reject")


def send(client: httpx.Client, *messages: dict[str, Any]) -> httpx.Response:
    return client.post(SEND, json={"messages": list(messages)}, headers=RELEASE_BOT)


def titled(title: str, source_id: str | None = None) -> dict[str, Any]:
    data = message(title={"value": title})
    if source_id is not None:
        data["sourceId"] = source_id
    return data


@pytest.mark.parametrize("mode", MODES)
def test_a_message_without_source_id_gets_a_server_id_in_every_mode(mode: str) -> None:
    with app_client(source_ids=mode) as (client, store):
        answer = send(client, titled("a"), titled("b"))
        assert answer.status_code == 200, answer.text
        ids = [item["sourceId"] for item in answer.json()["responses"]]
        stored = store.messages()
        # Answered in request order: the i-th answer is the i-th message of the request.
        assert ids == [item.source_id for item in stored]
        assert [item.message["title"]["value"] for item in stored] == ["a", "b"]
        assert all(uuid.UUID(source_id).version == 4 for source_id in ids)


def test_honour_uses_the_callers_id_and_refuses_it_a_second_time() -> None:
    chosen = str(uuid.uuid4())
    with app_client(source_ids="honour") as (client, store):
        first = send(client, titled("a", chosen)).json()
        second = send(client, titled("a", chosen)).json()
        assert first == {"responses": [{"sourceId": chosen}], "failures": []}
        assert second == {
            "responses": [],
            "failures": [{"sourceId": chosen, "reason": "CONFLICTING_SOURCE_ID"}],
        }
        assert len(store.messages()) == 1


def test_ignore_drops_the_field_assigns_ids_in_request_order_and_sends_again() -> None:
    chosen = [str(uuid.uuid4()) for _ in range(3)]
    with app_client(source_ids="ignore") as (client, store):
        first = send(client, *(titled(str(i), chosen[i]) for i in range(3))).json()
        again = send(client, titled("0", chosen[0])).json()
        stored = store.messages()
        assert first["failures"] == [] and again["failures"] == []
        answered = [item["sourceId"] for item in first["responses"] + again["responses"]]
        assert answered == [item.source_id for item in stored]
        assert not set(answered) & set(chosen)
        assert [item.message["title"]["value"] for item in stored] == ["0", "1", "2", "0"]
        assert all("sourceId" not in item.message for item in stored)


def test_reject_refuses_the_whole_request_naming_the_field_and_stores_nothing() -> None:
    with app_client(source_ids="reject") as (client, store):
        answer = send(client, titled("a"), titled("b", str(uuid.uuid4())), titled("c"))
        parameters = assert_envelope(answer, 400, "Default:InvalidArgument")
        assert answer.json()["errorCode"] == "INVALID_ARGUMENT"
        assert parameters["path"] == "messages[1].sourceId"
        assert parameters["messageIndex"] == 1
        assert [item["path"] for item in parameters["problems"]] == ["messages[1].sourceId"]
        assert store.messages() == []
        # The same request without the field is delivered.
        assert send(client, titled("a"), titled("b"), titled("c")).status_code == 200
        assert len(store.messages()) == 3


def test_reject_refuses_before_validation_of_the_rest() -> None:
    # An unknown field fails deserialisation, so even an otherwise invalid batch names it.
    invalid = message(security={"portionMarkings": ["NO-SUCH-MARKING"]}, sourceId=str(uuid.uuid4()))
    with app_client(source_ids="reject") as (client, store):
        answer = send(client, invalid)
        assert assert_envelope(answer, 400, "Default:InvalidArgument")["field"] == "sourceId"
        assert store.messages() == []


def test_an_unknown_mode_is_refused() -> None:
    with (
        pytest.raises(ValueError, match="honour, ignore, reject"),
        running_emulator(source_ids="sometimes"),
    ):
        pass


@pytest.mark.parametrize("mode", MODES)
def test_running_emulator_plays_the_mode_it_reports(mode: str) -> None:
    with running_emulator(source_ids=mode) as emulator:
        assert emulator.source_ids == mode
        answer = httpx.post(
            emulator.url(SEND),
            json={"messages": [titled("a", str(uuid.uuid4()))]},
            headers=RELEASE_BOT,
            timeout=10,
        )
        assert answer.status_code == (400 if mode == "reject" else 200)
        assert len(emulator.messages()) == (0 if mode == "reject" else 1)


def test_the_cli_flag_sets_the_mode_and_the_start_up_line_says_so() -> None:
    with emulator_process("--source-ids", "reject") as emulator:
        answer = httpx.post(
            emulator.base_url + SEND,
            json={"messages": [titled("a", str(uuid.uuid4()))]},
            headers=RELEASE_BOT,
        )
        emulator.stop()
    assert answer.status_code == 400
    assert any("sourceIds reject" in line for line in emulator.log), emulator.log


def test_the_cli_refuses_an_unknown_mode_with_exit_2() -> None:
    result = run_emulator_command("--source-ids", "maybe")
    assert result.returncode == 2
    assert "honour" in result.stderr and "reject" in result.stderr


def test_the_pytest_option_reaches_the_fixtures(tmp_path: Path) -> None:
    (tmp_path / "test_mode.py").write_text(
        "def test_mode(gotham_emulator, gotham_emulator_factory, gotham_source_ids):\n"
        "    assert gotham_source_ids == 'ignore'\n"
        "    assert gotham_emulator.source_ids == 'ignore'\n"
        "    assert gotham_emulator_factory().source_ids == 'ignore'\n"
        "    assert gotham_emulator_factory(source_ids='reject').source_ids == 'reject'\n"
    )
    result = run_pytest(tmp_path, "--gotham-source-ids=ignore")
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("mode", MODES)
def test_the_official_client_sends_the_documented_request_in_every_mode(
    seed_directory: Any, mode: str
) -> None:
    # The documented request carries no sourceId: every mode accepts it and assigns the id.
    import gotham

    from tests.emulator.emulator_helpers import SEED_MESSAGE

    with running_emulator(seed_directory, source_ids=mode) as emulator:
        client = gotham.GothamClient(
            auth=gotham.UserTokenAuth(emulator.token_for("docs-bot")),
            hostname=emulator.hostname,
            config=gotham.Config(scheme="http"),
        )
        answer = client.inbox.Messages.send(messages=[SEED_MESSAGE], preview=True)
        (record,) = emulator.messages()
        assert [str(sent.source_id) for sent in answer.responses] == [record["sourceId"]]
