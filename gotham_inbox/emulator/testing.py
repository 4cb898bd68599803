"""Running the emulator from tests: ``with running_emulator() as emu: ...``.

The server runs in a background thread on a free loopback port; leaving the block stops it
and closes its database. ``emu.hold_answers()`` is a test hook for crash-recovery tests: the
emulator stores what it receives but keeps the HTTP answer back until the block ends.
``emu.faults`` is the emulator's :class:`~gotham_inbox.emulator.faults.FaultPlan`: add rules to
make it misbehave (``emu.faults.add("unavailable", times=2)``); ``docs/faults.md``.
``emu.messages()`` and ``emu.clear()`` send the emulator's admin token (``emu.admin_token``),
which ``/emulator/messages`` requires.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gotham_inbox.directory import Directory, DirectorySource, as_directory
from gotham_inbox.emulator.app import DEFAULT_MAX_BODY_BYTES, MESSAGES_PATH, SEND_PATH, create_app
from gotham_inbox.emulator.faults import FaultPlan
from gotham_inbox.emulator.oauth import DEFAULT_TOKEN_LIFETIME_SECONDS
from gotham_inbox.emulator.server import EmulatorServer
from gotham_inbox.emulator.source_id_modes import DEFAULT_SOURCE_ID_MODE
from gotham_inbox.emulator.store import MessageStore


class AnswerGate:
    """ASGI middleware that, while closed, holds back the answers to send requests.

    The request itself goes through: the emulator checks and stores the messages as usual; only
    the answer waits until the gate opens. This recreates the moment a deploy can die (killed,
    out of memory, network gone) after Gotham stored a message but before the caller learnt it,
    which is what crash-recovery tests need. Open by default, so it changes nothing until closed.
    """

    _POLL_SECONDS = 0.01

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._open = threading.Event()
        self._open.set()
        self._lock = threading.Lock()
        self._held = 0  # answers waiting at the gate
        self._unfinished = 0  # requests whose answer was held and that are not done yet
        self.successes_only = False
        """Hold only 2xx answers (a refusal, which stored nothing, goes out at once)."""

    @property
    def held(self) -> int:
        """How many answers to send requests are being held right now."""
        with self._lock:
            return self._held

    def close(self) -> None:
        """Hold the answers of send requests from now on."""
        self._open.clear()

    def open(self, timeout: float = 10.0) -> None:
        """Let every held answer, and every later one, go out.

        Returns once the requests that were held are finished (their log lines written), so
        whatever a test observes next belongs to later requests.
        """
        self._open.set()
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                if self._unfinished == 0:
                    return
            if time.monotonic() > deadline:
                raise RuntimeError(f"held requests did not finish within {timeout}s")
            time.sleep(self._POLL_SECONDS)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != SEND_PATH:
            await self.app(scope, receive, send)
            return

        was_held = False

        async def send_when_open(message: Message) -> None:
            nonlocal was_held
            if (
                message["type"] == "http.response.start"
                and not self._open.is_set()
                and (not self.successes_only or 200 <= message["status"] < 300)
            ):
                with self._lock:
                    self._held += 1
                    self._unfinished += 1
                was_held = True
                try:
                    # Polling keeps the server's event loop free; the gate is opened from
                    # another thread.
                    while not self._open.is_set():
                        await asyncio.sleep(self._POLL_SECONDS)
                finally:
                    with self._lock:
                        self._held -= 1
            await send(message)

        try:
            await self.app(scope, receive, send_when_open)
        finally:
            if was_held:
                with self._lock:
                    self._unfinished -= 1


# The emulator speaks plain http on loopback: loading the system CA store (tens of ms) for every
# look-up would only slow tests down.
_PLAIN_HTTP = False


@dataclass(frozen=True)
class RunningEmulator:
    """A live emulator. ``base_url`` is ``http://127.0.0.1:<port>``."""

    base_url: str
    directory: Directory = field(repr=False)
    db_path: Path | None = None
    source_ids: str = DEFAULT_SOURCE_ID_MODE
    """``honour``, ``ignore`` or ``reject``: how this emulator treats a caller's sourceId."""
    gate: AnswerGate | None = field(default=None, repr=False, compare=False)
    admin_token: str = field(default="", repr=False)
    """The bearer token ``/emulator/messages`` requires."""
    faults: FaultPlan = field(default_factory=FaultPlan, repr=False, compare=False)
    """The send endpoint's faults on demand (empty: none)."""

    @property
    def admin_headers(self) -> dict[str, str]:
        """``{"Authorization": "Bearer <admin token>"}`` for ``/emulator/messages``."""
        return {"Authorization": f"Bearer {self.admin_token}"}

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
        response = httpx.get(
            self.url(MESSAGES_PATH), headers=self.admin_headers, timeout=10, verify=_PLAIN_HTTP
        )
        response.raise_for_status()
        records: list[dict[str, Any]] = response.json()["messages"]
        return records

    def clear(self) -> None:
        """Delete every stored message."""
        httpx.delete(
            self.url(MESSAGES_PATH), headers=self.admin_headers, timeout=10, verify=_PLAIN_HTTP
        ).raise_for_status()

    @contextlib.contextmanager
    def hold_answers(self, *, successes_only: bool = False) -> Iterator[AnswerGate]:
        """Within the block, sends are stored but not answered; the answers go out at its end
        (which waits until those requests are finished). With ``successes_only`` refusals are
        answered at once (under ``--source-ids reject`` the first, refused try goes through).

        A test starts a deploy, waits until ``gate.held`` answers are held (the messages are
        then in :meth:`messages`), kills the deploy, and checks how the next one recovers.
        """
        if self.gate is None:
            raise RuntimeError("this emulator was not started by running_emulator()")
        self.gate.successes_only = successes_only
        self.gate.close()
        try:
            yield self.gate
        finally:
            self.gate.open()


@contextlib.contextmanager
def running_emulator(
    directory: DirectorySource = None,
    db_path: str | Path | None = None,
    *,
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
    token_lifetime_seconds: int = DEFAULT_TOKEN_LIFETIME_SECONDS,
    host: str = "127.0.0.1",
    port: int = 0,
    source_ids: str = DEFAULT_SOURCE_ID_MODE,
    faults: FaultPlan | None = None,
    admin_token: str | None = None,
) -> Iterator[RunningEmulator]:
    """Serve an emulator in a background thread for the duration of the ``with`` block.

    Args:
        directory: a :class:`Directory`, directory data (a mapping, as a directory file holds
            it), a directory file, or ``None`` for the shipped example.
        db_path: a SQLite file to keep messages in (survives restarts); ``None``: in memory.
        max_body_bytes: larger request bodies are answered with 413.
        token_lifetime_seconds: lifetime of OAuth2 tokens from the token endpoint.
        host: the address to bind (loopback by default).
        port: the port; 0 picks a free one.
        source_ids: ``honour``, ``ignore`` or ``reject`` a caller-chosen sourceId
            (:mod:`gotham_inbox.emulator.source_id_modes`).
        faults: a fault plan to start with (``None``: none; add rules later via ``.faults``).
        admin_token: the token of ``/emulator/messages`` (``None``: a random one).
    """
    loaded = as_directory(directory)
    plan = faults if faults is not None else FaultPlan()
    admin = admin_token or "emu-admin-" + secrets.token_urlsafe(24)
    with MessageStore(db_path) as store:
        app = create_app(
            loaded,
            store,
            max_body_bytes=max_body_bytes,
            token_lifetime_seconds=token_lifetime_seconds,
            source_ids=source_ids,
            admin_token=admin,
            faults=plan,
        )
        gate = AnswerGate(app)
        server = EmulatorServer(gate, host=host, port=port)
        with server.running():
            yield RunningEmulator(
                server.base_url,
                loaded,
                Path(db_path) if db_path is not None else None,
                source_ids=source_ids,
                gate=gate,
                admin_token=admin,
                faults=plan,
            )
