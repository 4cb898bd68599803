"""Serving the emulator with uvicorn: in the foreground (the CLI) or in a background thread."""

from __future__ import annotations

import contextlib
import signal
import socket
import threading
import time
from collections.abc import Iterator
from types import FrameType
from typing import Any

import uvicorn
from starlette.types import ASGIApp, Receive, Scope, Send
from uvicorn.protocols.http.h11_impl import H11Protocol

from gotham_inbox.emulator.faults import TRANSPORT_EXTENSION

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class _Server(uvicorn.Server):
    # uvicorn re-raises a captured SIGINT/SIGTERM after its graceful shutdown, which kills the
    # process with the signal's status. We install our own handlers instead, so a stop request
    # ends in a clean exit 0.
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


class _H11WithTransport(H11Protocol):
    """uvicorn's h11 protocol, handing each request's transport to the app in the ASGI scope
    (``extensions``), so the ``drop-after-commit`` fault can close a connection unanswered."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        inner = self.app

        async def app(scope: Scope, receive: Receive, send: Send) -> None:
            scope.setdefault("extensions", {})[TRANSPORT_EXTENSION] = self.transport
            await inner(scope, receive, send)

        self.app = app


def bind_socket(host: str, port: int) -> socket.socket:
    """A listening TCP socket on ``host:port`` (port 0 picks a free one).

    Raises:
        OSError: the address cannot be bound (in use, or not an address of this machine).
    """
    family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(128)
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


class EmulatorServer:
    """An ASGI app bound to ``host:port`` and served by uvicorn.

    The socket is bound on construction, so :attr:`port` is known (and taken) before serving
    starts; with ``port=0`` the system picks a free port.
    """

    def __init__(self, app: ASGIApp, host: str = "127.0.0.1", port: int = 0) -> None:
        self._socket = bind_socket(host, port)
        self.host = host
        self.port: int = self._socket.getsockname()[1]
        config = uvicorn.Config(
            app,
            log_config=None,
            access_log=False,  # RequestLogMiddleware logs each request, without query strings
            lifespan="off",
            http=_H11WithTransport,
            ws="none",
            loop="asyncio",
            timeout_graceful_shutdown=5,
        )
        self._server = _Server(config)
        self._thread: threading.Thread | None = None

    def __repr__(self) -> str:
        return f"EmulatorServer(base_url={self.base_url!r})"

    @property
    def base_url(self) -> str:
        """``http://host:port``."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def serve(self) -> None:
        """Serve in the calling (main) thread until SIGINT or SIGTERM, then shut down cleanly."""

        def request_stop(signum: int, frame: FrameType | None) -> None:
            self._server.handle_exit(signum, frame)

        previous = {sig: signal.signal(sig, request_stop) for sig in STOP_SIGNALS}
        try:
            self._server.run(sockets=[self._socket])
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
            self._socket.close()

    def start(self, timeout: float = 10.0) -> None:
        """Serve in a background thread; returns once requests are being answered."""
        self._thread = threading.Thread(
            target=self._server.run,
            kwargs={"sockets": [self._socket]},
            name=f"gotham-inbox-emulator-{self.port}",
            daemon=True,
        )
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive():
                raise RuntimeError(f"the emulator on {self.base_url} failed to start")
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"the emulator on {self.base_url} did not start in {timeout}s")
            time.sleep(0.01)

    def stop(self, timeout: float = 10.0) -> None:
        """Stop a server started with :meth:`start` and wait for its thread."""
        self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        self._socket.close()

    @contextlib.contextmanager
    def running(self) -> Iterator[EmulatorServer]:
        """``with server.running():`` serves in the background for the block's duration."""
        self.start()
        try:
            yield self
        finally:
            self.stop()
