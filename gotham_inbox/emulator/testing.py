"""Running the emulator from tests: ``with running_emulator() as emu: ...``.

The server runs in a background thread on a free loopback port; leaving the block stops it
and closes its database.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from gotham_inbox.emulator.app import DEFAULT_MAX_BODY_BYTES, MESSAGES_PATH, create_app
from gotham_inbox.emulator.directory import Directory, load_directory
from gotham_inbox.emulator.oauth import DEFAULT_TOKEN_LIFETIME_SECONDS
from gotham_inbox.emulator.server import EmulatorServer
from gotham_inbox.emulator.store import MessageStore


@dataclass(frozen=True)
class RunningEmulator:
    """A live emulator. ``base_url`` is ``http://127.0.0.1:<port>``."""

    base_url: str
    directory: Directory = field(repr=False)
    db_path: Path | None = None

    @property
    def hostname(self) -> str:
        """``127.0.0.1:<port>``, as the official client's ``hostname`` argument wants it."""
        return self.base_url.removeprefix("http://")

    def url(self, path: str) -> str:
        """An absolute URL on the emulator."""
        return self.base_url + path

    def token_for(self, user: str = "release-bot") -> str:
        """The directory bearer token of ``user``."""
        token = self.directory.user(user).token
        if token is None:
            raise KeyError(f"user '{user}' has no token in the directory; use an OAuth2 client")
        return token

    def messages(self) -> list[dict[str, Any]]:
        """The stored messages as ``GET /emulator/messages`` serves them, oldest first."""
        response = httpx.get(self.url(MESSAGES_PATH), timeout=10)
        response.raise_for_status()
        records: list[dict[str, Any]] = response.json()["messages"]
        return records

    def clear(self) -> None:
        """Delete every stored message."""
        httpx.delete(self.url(MESSAGES_PATH), timeout=10).raise_for_status()


@contextlib.contextmanager
def running_emulator(
    directory: Directory | str | Path | None = None,
    db_path: str | Path | None = None,
    *,
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
    token_lifetime_seconds: int = DEFAULT_TOKEN_LIFETIME_SECONDS,
    host: str = "127.0.0.1",
    port: int = 0,
) -> Iterator[RunningEmulator]:
    """Serve an emulator in a background thread for the duration of the ``with`` block.

    Args:
        directory: a :class:`Directory`, a directory file, or ``None`` for the shipped example.
        db_path: a SQLite file to keep messages in (survives restarts); ``None``: in memory.
        max_body_bytes: larger request bodies are answered with 413.
        token_lifetime_seconds: lifetime of OAuth2 tokens from the token endpoint.
        host: the address to bind (loopback by default).
        port: the port; 0 picks a free one.
    """
    loaded = directory if isinstance(directory, Directory) else load_directory(directory)
    with MessageStore(db_path) as store:
        app = create_app(
            loaded,
            store,
            max_body_bytes=max_body_bytes,
            token_lifetime_seconds=token_lifetime_seconds,
        )
        server = EmulatorServer(app, host=host, port=port)
        with server.running():
            yield RunningEmulator(
                server.base_url, loaded, Path(db_path) if db_path is not None else None
            )
