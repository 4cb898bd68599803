"""The emulator's verdict on a batch, from its app called in process.

Starting a server per hypothesis example is slow; the emulator's ASGI app with a fresh
in-memory store is cheap, so every example can have its own directory and an empty inbox.
The app is the one ``gotham-inbox emulator`` serves: same checks, same answers.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import anyio
import httpx

from gotham_inbox.directory import Directory, DirectorySource, as_directory
from gotham_inbox.emulator.app import MESSAGES_PATH, SEND_PATH, create_app
from gotham_inbox.emulator.store import MessageStore

IN_PROCESS_BASE_URL = "http://localhost"
"""The base URL of an :class:`InProcessEmulator` (loopback, so clients allow plain http)."""


@dataclass(frozen=True)
class ServerVerdict:
    """What the emulator answered to a send: the status and either the problems it listed
    (every one, each with ``messageIndex``, ``field``, ``path`` and ``reason``) or the
    sourceIds it stored and the ones that conflicted."""

    status_code: int
    error_name: str | None = None
    problems: tuple[dict[str, Any], ...] = ()
    sent: tuple[str, ...] = ()
    conflicts: tuple[str, ...] = ()

    @classmethod
    def from_response(cls, response: httpx.Response) -> ServerVerdict:
        """Read a send response (a success body or a Palantir error envelope)."""
        body = response.json()
        if response.status_code == 200:
            return cls(
                200,
                sent=tuple(item["sourceId"] for item in body["responses"]),
                conflicts=tuple(item["sourceId"] for item in body["failures"]),
            )
        parameters = body.get("parameters", {})
        problems = parameters.get("problems") or [parameters]
        return cls(response.status_code, body.get("errorName"), tuple(problems))

    @property
    def accepted(self) -> bool:
        """True when the server took the batch (some messages may still have conflicted)."""
        return self.status_code == 200

    def accepted_in_full(self, batch_size: int) -> bool:
        """True when every one of ``batch_size`` messages was stored, none conflicting."""
        return self.accepted and len(self.sent) == batch_size and not self.conflicts

    @property
    def objected_indexes(self) -> set[int | None]:
        """The batch positions the server named in its problems (``None``: the whole body)."""
        return {problem.get("messageIndex") for problem in self.problems}

    def lines(self) -> list[str]:
        """The verdict as text: the status, then one line per problem or per sourceId."""
        if self.accepted:
            return [f"200: sent {list(self.sent)}, conflicting {list(self.conflicts)}"]
        head = f"{self.status_code} {self.error_name}"
        return [head] + [f"{p.get('path')}: {p.get('reason')}" for p in self.problems]


class _AsyncBody(httpx.AsyncByteStream):
    """A synchronous request body as the async stream :class:`httpx.ASGITransport` reads."""

    def __init__(self, chunks: Iterable[bytes]) -> None:
        self._chunks = chunks

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for chunk in self._chunks:
            yield chunk


class InProcessTransport(httpx.BaseTransport):
    """A synchronous httpx transport that calls an ASGI app in this process (no socket).

    :class:`httpx.ASGITransport` does the ASGI work but is async only, so each request runs it
    to completion in an event loop of its own, its body streamed to the app. Starlette's
    ``TestClient`` is not used: its transport is private, it starts a thread per request (or
    per client, when entered), and
    from Starlette 1.x it is built on httpx2, whose transports an httpx client (the
    :class:`~gotham_inbox.client.InboxClient`, the provider) cannot use.
    """

    def __init__(self, app: Any) -> None:
        self._asgi = httpx.ASGITransport(app=app)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if not isinstance(request.stream, httpx.AsyncByteStream):
            # Chunk by chunk, as a socket would carry it: the app may answer (a 413, a 400)
            # before it has read the whole body, and the rest is then never read.
            request.stream = _AsyncBody(request.stream)

        async def call() -> httpx.Response:
            response = await self._asgi.handle_async_request(request)
            content = await response.aread()
            return httpx.Response(response.status_code, headers=response.headers, content=content)

        return anyio.run(call)


class InProcessEmulator:
    """The emulator's app over ``directory`` with an in-memory store, called in process.

    Use it as a context manager (it closes its store). :attr:`transport` plugs it into an
    :class:`~gotham_inbox.client.InboxClient` or the provider's settings, with
    :data:`IN_PROCESS_BASE_URL` as the hostname.
    """

    def __init__(self, directory: DirectorySource = None, caller: str = "release-bot") -> None:
        self.directory: Directory = as_directory(directory)
        self.caller = caller
        self._store = MessageStore()
        self._admin = {"Authorization": "Bearer in-process-admin"}
        self.transport = InProcessTransport(
            create_app(self.directory, self._store, admin_token="in-process-admin")
        )
        self._http = httpx.Client(transport=self.transport, base_url=IN_PROCESS_BASE_URL)

    def __enter__(self) -> InProcessEmulator:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the client and the store."""
        self._http.close()
        self._store.close()

    @property
    def base_url(self) -> str:
        """The base URL to give a client along with :attr:`transport`."""
        return IN_PROCESS_BASE_URL

    def token_for(self, user: str | None = None) -> str:
        """The directory bearer token of ``user`` (default: the caller)."""
        token = self.directory.user(user or self.caller).token
        if token is None:
            raise KeyError(f"user '{user or self.caller}' has no token in the directory")
        return token

    def send(self, messages: Sequence[Any], *, as_user: str | None = None) -> ServerVerdict:
        """POST the batch exactly as given (no client-side validation) and read the answer."""
        response = self._http.post(
            SEND_PATH,
            params={"preview": "true"},
            json={"messages": list(messages)},
            headers={"Authorization": f"Bearer {self.token_for(as_user)}"},
        )
        return ServerVerdict.from_response(response)

    def messages(self) -> list[dict[str, Any]]:
        """The stored messages as ``GET /emulator/messages`` serves them, oldest first."""
        response = self._http.get(MESSAGES_PATH, headers=self._admin)
        response.raise_for_status()
        records: list[dict[str, Any]] = response.json()["messages"]
        return records
