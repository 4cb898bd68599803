"""Concurrent requests carrying the same sourceId: exactly one stores it."""

from __future__ import annotations

import threading
import uuid
from pathlib import Path
from typing import Any

import httpx

from gotham_inbox.emulator.testing import running_emulator
from tests.emulator.emulator_helpers import RELEASE_BOT, SEND, message


def race(base_urls: list[str], source_id: str, racers: int) -> list[dict[str, Any]]:
    """``racers`` threads post the same sourceId at once, spread over ``base_urls``."""
    start = threading.Barrier(racers)
    answers: list[dict[str, Any]] = []
    lock = threading.Lock()

    def send(index: int) -> None:
        body = {"messages": [message(sourceId=source_id, title={"value": f"racer {index}"})]}
        with httpx.Client(base_url=base_urls[index % len(base_urls)], timeout=30) as client:
            start.wait()
            response = client.post(SEND, json=body, headers=RELEASE_BOT)
        with lock:
            answers.append(response.json())

    threads = [threading.Thread(target=send, args=(index,)) for index in range(racers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def test_concurrent_duplicates_are_stored_once() -> None:
    source_id = str(uuid.uuid4())
    with running_emulator() as emulator:
        answers = race([emulator.base_url], source_id, racers=8)
        stored = emulator.messages()
    winners = [answer for answer in answers if answer["responses"]]
    losers = [answer for answer in answers if answer["failures"]]
    assert len(winners) == 1
    assert len(losers) == 7
    assert all(
        answer["failures"] == [{"sourceId": source_id, "reason": "CONFLICTING_SOURCE_ID"}]
        for answer in losers
    )
    assert [record["sourceId"] for record in stored] == [source_id]


def test_two_emulators_sharing_a_database_file_store_a_duplicate_once(tmp_path: Path) -> None:
    source_id = str(uuid.uuid4())
    db = tmp_path / "shared.db"
    with running_emulator(db_path=db) as first, running_emulator(db_path=db) as second:
        answers = race([first.base_url, second.base_url], source_id, racers=6)
        assert len(first.messages()) == 1
    assert sum(len(answer["responses"]) for answer in answers) == 1
    assert sum(len(answer["failures"]) for answer in answers) == 5
