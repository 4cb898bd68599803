"""SQLite storage: conflicts, atomic batches, durability and concurrent writers."""

from __future__ import annotations

import threading
import uuid
from pathlib import Path
from typing import Any

import pytest

from gotham_inbox.emulator.store import MessageStore, NewMessage, ResolvedRecipient, StoreError


def new(source_id: str, title: Any = "hello") -> NewMessage:
    return NewMessage(
        source_id=source_id,
        message={"title": {"value": title}},
        caller="release-bot",
        recipients=(ResolvedRecipient("platform-team", "palantir-internal-realm"),),
    )


def test_conflicts_with_stored_and_earlier_in_batch_are_not_stored() -> None:
    a, b, c = (str(uuid.uuid4()) for _ in range(3))
    with MessageStore() as store:
        assert store.add_batch([new(a)]) == [True]
        assert store.add_batch([new(b), new(a), new(c), new(b, "again")]) == [
            True,
            False,
            True,
            False,
        ]
        records = store.messages()
    assert [record.source_id for record in records] == [a, b, c]
    assert records[1].message == {"title": {"value": "hello"}}


def test_a_batch_that_fails_midway_leaves_nothing_behind() -> None:
    unserialisable = NewMessage(str(uuid.uuid4()), {"bad": {1, 2}}, "release-bot", ())
    with MessageStore() as store:
        with pytest.raises(TypeError):
            store.add_batch([new(str(uuid.uuid4())), unserialisable])
        assert store.messages() == []
        assert store.add_batch([new(str(uuid.uuid4()))]) == [True]


def test_a_file_database_survives_reopening(tmp_path: Path) -> None:
    path = tmp_path / "inbox.db"
    source_id = str(uuid.uuid4())
    with MessageStore(path) as store:
        store.add_batch([new(source_id)])
    with MessageStore(path) as store:
        (record,) = store.messages()
        assert record.source_id == source_id
        assert record.recipients == (ResolvedRecipient("platform-team", "palantir-internal-realm"),)
        assert store.add_batch([new(source_id)]) == [False]


def test_writers_racing_on_one_file_store_a_source_id_once(tmp_path: Path) -> None:
    path = tmp_path / "inbox.db"
    source_id = str(uuid.uuid4())
    stores = [MessageStore(path) for _ in range(4)]  # separate connections, like processes
    start = threading.Barrier(len(stores))
    outcomes: list[bool] = []

    def write(store: MessageStore) -> None:
        start.wait()
        outcomes.extend(store.add_batch([new(source_id)]))

    threads = [threading.Thread(target=write, args=(store,)) for store in stores]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == [False, False, False, True]
    assert len(stores[0].messages()) == 1
    for store in stores:
        store.close()


def test_a_file_that_is_not_sqlite_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("shopping list\n" * 100)
    with pytest.raises(StoreError, match=r"cannot use .*notes.txt as the emulator database"):
        MessageStore(path)


def test_a_foreign_sqlite_file_is_refused(tmp_path: Path) -> None:
    import sqlite3

    path = tmp_path / "other.db"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE accounts (id INTEGER)")
    with pytest.raises(StoreError, match="not a gotham-inbox emulator database"):
        MessageStore(path)


def test_clear_counts_and_removes() -> None:
    with MessageStore() as store:
        store.add_batch([new(str(uuid.uuid4())), new(str(uuid.uuid4()))])
        assert store.clear() == 2
        assert store.messages() == []
