"""Faults on demand, seen on the wire: what each one answers, and what the emulator then holds."""

from __future__ import annotations

import email.utils
import json
import logging
import time
import uuid
from typing import Any

import httpx
import pytest

from gotham_inbox.emulator.faults import FaultPlan, parse_fault, plan_from
from gotham_inbox.emulator.testing import RunningEmulator
from tests.emulator.emulator_helpers import RELEASE_BOT, SEND, message


def post(
    emulator: RunningEmulator, *messages: dict[str, Any], timeout: float = 10
) -> httpx.Response:
    return httpx.post(
        emulator.base_url + SEND,
        json={"messages": list(messages)},
        headers=RELEASE_BOT,
        timeout=timeout,
    )


def test_faults_are_off_by_default(gotham_emulator: RunningEmulator) -> None:
    for _ in range(5):
        assert post(gotham_emulator, message()).status_code == 200
    assert gotham_emulator.faults.injected == []
    assert len(gotham_emulator.messages()) == 5


def test_throttle_answers_429_with_retry_after_seconds_and_processes_nothing(
    gotham_emulator: RunningEmulator,
) -> None:
    gotham_emulator.faults.add("throttle", times=2, retry_after=3)
    answers = [post(gotham_emulator, message()) for _ in range(3)]
    assert [answer.status_code for answer in answers] == [429, 429, 200]
    assert answers[0].headers["Retry-After"] == "3"
    assert answers[0].content == b""
    assert len(gotham_emulator.messages()) == 1
    assert gotham_emulator.faults.injected == ["throttle", "throttle"]


def test_throttle_can_say_retry_after_as_an_http_date(gotham_emulator: RunningEmulator) -> None:
    gotham_emulator.faults.add("throttle", times=1, retry_after=30, retry_after_date=True)
    answer = post(gotham_emulator, message())
    assert answer.status_code == 429
    when = email.utils.parsedate_to_datetime(answer.headers["Retry-After"])
    assert 25 <= when.timestamp() - time.time() <= 31
    assert gotham_emulator.messages() == []


def test_unavailable_answers_503_before_processing(gotham_emulator: RunningEmulator) -> None:
    gotham_emulator.faults.add("unavailable", times=1)
    assert post(gotham_emulator, message()).status_code == 503
    assert gotham_emulator.messages() == []


@pytest.mark.parametrize(
    ("kind", "status"), [("error-after-commit", 500), ("unavailable-after-commit", 503)]
)
def test_an_error_after_commit_answers_badly_but_the_messages_are_stored(
    gotham_emulator: RunningEmulator, kind: str, status: int
) -> None:
    gotham_emulator.faults.add(kind, times=1)
    source_id = str(uuid.uuid4())
    answer = post(gotham_emulator, message(sourceId=source_id), message())
    assert answer.status_code == status
    if status == 500:
        assert answer.json()["errorName"] == "Default:Internal"
    assert len(gotham_emulator.messages()) == 2
    # A repeat of the same request now conflicts on the message that carried a sourceId.
    again = post(gotham_emulator, message(sourceId=source_id)).json()
    assert again["failures"] == [{"sourceId": source_id, "reason": "CONFLICTING_SOURCE_ID"}]


def test_drop_after_commit_closes_the_connection_unanswered(
    gotham_emulator: RunningEmulator, caplog: pytest.LogCaptureFixture
) -> None:
    gotham_emulator.faults.add("drop-after-commit", times=1)
    # The whole test at INFO, on the emulator's own logger: the request line is written by the
    # server's thread, and an earlier test may have left the root logger at WARNING.
    with caplog.at_level(logging.INFO, logger="gotham_inbox.emulator"):
        with pytest.raises(httpx.RemoteProtocolError):
            post(gotham_emulator, message())
        assert len(gotham_emulator.messages()) == 1
        assert post(gotham_emulator, message()).status_code == 200
    assert not [record for record in caplog.records if record.levelno >= logging.ERROR]
    lines = [record.getMessage() for record in caplog.records]
    assert any(
        "000 (no answer: connection closed)" in line and line.endswith("fault=drop-after-commit")
        for line in lines
    ), lines


def test_slow_answers_arrive_late_after_committing(gotham_emulator: RunningEmulator) -> None:
    gotham_emulator.faults.add("slow", times=1, delay=1.5)
    with pytest.raises(httpx.ReadTimeout):
        post(gotham_emulator, message(), timeout=0.3)
    assert len(gotham_emulator.messages()) == 1, "stored before the answer was held"


def test_unknown_conflict_leaves_the_first_message_unsent(gotham_emulator: RunningEmulator) -> None:
    gotham_emulator.faults.add("unknown-conflict", times=1)
    first, second = str(uuid.uuid4()), str(uuid.uuid4())
    answer = post(gotham_emulator, message(sourceId=first), message(sourceId=second)).json()
    assert answer == {
        "responses": [{"sourceId": second}],
        "failures": [{"sourceId": first, "reason": "UNKNOWN"}],
    }
    assert [record["sourceId"] for record in gotham_emulator.messages()] == [second]


def test_a_rate_with_a_seed_repeats_exactly() -> None:
    def run(seed: int) -> list[str]:
        plan = FaultPlan(seed=seed)
        plan.add("unavailable", rate=0.5)
        return ["fault" if plan.draw() else "ok" for _ in range(40)]

    assert run(7) == run(7)
    assert run(7) != run(8)
    assert 10 <= run(7).count("fault") <= 30


def test_rules_apply_in_order_and_run_out() -> None:
    plan = plan_from(["throttle:times=1", "unavailable:times=2"])
    kinds = [fault.kind if (fault := plan.draw()) else None for _ in range(4)]
    assert kinds == ["throttle", "unavailable", "unavailable", None]


@pytest.mark.parametrize(
    ("spec", "error"),
    [
        ("explode", "unknown fault 'explode'"),
        ("throttle:often=1", "unknown fault option 'often'"),
        ("throttle:times=many", "option values must be numbers"),
        ("throttle:times=0", "times must be at least 1"),
        ("unavailable:rate=2", "rate must be between 0 and 1"),
    ],
)
def test_bad_fault_specs_say_what_is_wrong(spec: str, error: str) -> None:
    with pytest.raises(ValueError, match=error):
        parse_fault(spec)


def test_fault_specs_read_every_option() -> None:
    rule = parse_fault("throttle:times=2,rate=0.5,retry-after=4,retry-after-date")
    assert (rule.fault.kind, rule.times, rule.rate) == ("throttle", 2, 0.5)
    assert (rule.fault.retry_after, rule.fault.retry_after_date) == (4.0, True)
    assert parse_fault("slow:delay=0.25").fault.delay == 0.25
    assert json.dumps(parse_fault("unavailable").fault.retry_after) == "null"
