"""SQLite storage of accepted messages: one transaction per batch, each sourceId stored once.

``sourceId`` is the table's UNIQUE key and every batch runs inside ``BEGIN IMMEDIATE`` (which
takes SQLite's write lock up front), so two requests racing with the same sourceId, in this
process or in another one sharing the file, store it exactly once; the loser sees a conflict.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from gotham_inbox.errors import UserError

SCHEMA_VERSION = 1

_CREATE = """
CREATE TABLE IF NOT EXISTS messages (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    source_id   TEXT    NOT NULL UNIQUE,
    message     TEXT    NOT NULL,
    caller      TEXT    NOT NULL,
    recipients  TEXT    NOT NULL,
    received_at TEXT    NOT NULL
)
"""


class StoreError(UserError, RuntimeError):
    """The database file cannot be used (not SQLite, or written by an incompatible version)."""


@dataclass(frozen=True)
class ResolvedRecipient:
    """A group recipient with its realm resolved (explicit, else the caller's)."""

    name: str
    realm: str

    def to_wire(self) -> dict[str, str]:
        """``{"name", "realm"}``."""
        return {"name": self.name, "realm": self.realm}


@dataclass(frozen=True)
class NewMessage:
    """A validated message ready to store."""

    source_id: str
    message: dict[str, Any]
    """The message exactly as the caller sent it (wire form)."""
    caller: str
    recipients: tuple[ResolvedRecipient, ...]


@dataclass(frozen=True)
class StoredMessage(NewMessage):
    """A message the emulator accepted, and when."""

    received_at: str

    def to_wire(self) -> dict[str, Any]:
        """The record as ``GET /emulator/messages`` serves it."""
        return {
            "sourceId": self.source_id,
            "message": self.message,
            "caller": self.caller,
            "recipients": [recipient.to_wire() for recipient in self.recipients],
            "receivedAt": self.received_at,
        }


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class MessageStore:
    """Accepted messages in SQLite: a file that survives restarts, or memory (``path=None``).

    Thread-safe: one connection guarded by a lock. Use as a context manager or call
    :meth:`close`.
    """

    def __init__(self, path: str | Path | None = None, *, busy_timeout_seconds: float = 10.0):
        self.path = Path(path) if path is not None else None
        self._lock = threading.Lock()
        try:
            self._db = sqlite3.connect(
                str(self.path) if self.path is not None else ":memory:",
                isolation_level=None,  # transactions are explicit (BEGIN IMMEDIATE)
                check_same_thread=False,  # guarded by self._lock instead
                timeout=busy_timeout_seconds,
            )
            self._prepare()
        except sqlite3.DatabaseError as error:
            raise StoreError(f"cannot use {self.path} as the emulator database: {error}") from None

    def _prepare(self) -> None:
        version = self._db.execute("PRAGMA user_version").fetchone()[0]
        tables = self._db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        ).fetchall()
        if tables and version != SCHEMA_VERSION:
            raise StoreError(
                f"{self.path} is not a gotham-inbox emulator database (schema version "
                f"{version}, expected {SCHEMA_VERSION}); pass a new file to --db"
            )
        self._db.execute("BEGIN IMMEDIATE")
        try:
            self._db.execute(_CREATE)
            self._db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            self._db.execute("COMMIT")
        except BaseException:
            self._db.execute("ROLLBACK")
            raise

    def __repr__(self) -> str:
        return f"MessageStore(path={str(self.path) if self.path else ':memory:'!r})"

    def __enter__(self) -> MessageStore:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the database."""
        with self._lock:
            self._db.close()

    def add_batch(self, batch: Sequence[NewMessage]) -> list[bool]:
        """Store a batch in one transaction; per message, True if stored, False on a conflict.

        A message conflicts when its sourceId is already stored, including by an earlier
        message of the same batch. Either the whole outcome is committed or nothing is.
        """
        received_at = _now()
        outcomes: list[bool] = []
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                for item in batch:
                    cursor = self._db.execute(
                        "INSERT OR IGNORE INTO messages "
                        "(source_id, message, caller, recipients, received_at) "
                        "VALUES (?, ?, ?, ?, ?)",
                        (
                            item.source_id,
                            json.dumps(item.message),
                            item.caller,
                            json.dumps([recipient.to_wire() for recipient in item.recipients]),
                            received_at,
                        ),
                    )
                    outcomes.append(cursor.rowcount == 1)
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
        return outcomes

    def messages(self) -> list[StoredMessage]:
        """Every stored message, oldest first."""
        with self._lock:
            rows = self._db.execute(
                "SELECT source_id, message, caller, recipients, received_at "
                "FROM messages ORDER BY seq"
            ).fetchall()
        return [
            StoredMessage(
                source_id=source_id,
                message=json.loads(message),
                caller=caller,
                recipients=tuple(ResolvedRecipient(**item) for item in json.loads(recipients)),
                received_at=received_at,
            )
            for source_id, message, caller, recipients, received_at in rows
        ]

    def clear(self) -> int:
        """Delete every stored message; returns how many there were."""
        with self._lock:
            cursor = self._db.execute("DELETE FROM messages")
            return cursor.rowcount
