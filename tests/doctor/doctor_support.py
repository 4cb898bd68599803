"""A scripted host on loopback for the doctor's command line: it issues access tokens and
answers every send as its script says (echoing what it was sent, an HTML page, a redirect)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TOKEN_PATH = "/multipass/api/oauth2/token"

Answer = tuple[int, dict[str, str], bytes]
Script = Callable[[str, dict[str, str]], Answer]
"""(path, request headers) -> (status, headers, body) for every send."""


@dataclass
class ScriptedHost:
    """What the host issued and was sent; ``base_url`` is ``http://127.0.0.1:<port>``."""

    base_url: str = ""
    issued: list[str] = field(default_factory=list)
    sends: int = 0


@contextmanager
def scripted_host(script: Script, *, token_length: int = 37) -> Iterator[ScriptedHost]:
    """Serve ``script`` on loopback; every token request gets a new access token."""
    host = ScriptedHost()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # the name http.server calls
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if self.path.startswith(TOKEN_PATH):
                token = f"issued-{len(host.issued):02d}-".ljust(token_length, "z")
                host.issued.append(token)
                body = b'{"access_token": "%s", "expires_in": 3600}' % token.encode()
                self._answer(200, {"Content-Type": "application/json"}, body)
                return
            host.sends += 1
            self._answer(*script(self.path, dict(self.headers.items())))

        def _answer(self, status: int, headers: dict[str, str], body: bytes) -> None:
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    host.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield host
    finally:
        server.shutdown()
        server.server_close()
