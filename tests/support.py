"""Helpers the tests of more than one folder share: a hand-moved clock, a transport that loses
answers, the release message and its variants, and pytest run in another project."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import httpx

RELEASE_MESSAGE: dict[str, Any] = {
    "groupRecipients": [{"name": "platform-team"}],
    "sender": {"displayName": "release-bot"},
    "title": {"value": "release 4.2 is live"},
    "body": {"value": "**4.2** is out", "formatStyle": "MARKDOWN"},
    "security": {"portionMarkings": ["UNCLASSIFIED"]},
}
"""A valid wire message of the example directory's release-bot, to platform-team."""


def changed(base: Mapping[str, Any], changes: Mapping[str, Any]) -> dict[str, Any]:
    """A deep copy of ``base`` with top-level fields replaced (``None`` removes a field)."""
    data = copy.deepcopy(dict(base))
    for key, value in changes.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return data


class FakeClock:
    """A clock tests move by hand (``now``), whose ``sleep`` only records and moves it."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


class LosesAnswers(httpx.BaseTransport):
    """Delivers each request to the server, then loses the first ``times`` answers.

    This is a crash or network failure after the server processed the request: the messages
    are stored, but the caller never hears so. ``inner`` may be shared by several clients (a
    new transport per client spends its time building TLS contexts plain http never uses);
    whoever made it closes it.
    """

    def __init__(self, times: int, inner: httpx.BaseTransport | None = None) -> None:
        self.inner = inner or httpx.HTTPTransport()
        self.remaining = times
        self.delivered = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        self.delivered += 1
        if self.remaining == 0:
            return response
        self.remaining -= 1
        response.read()
        response.close()
        raise httpx.ReadTimeout("the answer was lost", request=request)


def run_pytest(
    project: Path, *options: str, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """pytest run in ``project`` (its folder, not this repository's) with ``options``."""
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *options, str(project)],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def shows_any_part(text: str, secret: str) -> bool:
    """True if ``text`` holds 8 or more consecutive characters of ``secret`` (issue 23: no
    output may show a credential whole or in part)."""
    return any(secret[start : start + 8] in text for start in range(len(secret) - 7))


def page_cutting_the_token(authorization: str, *, shown: int = 18, cut: int = 200) -> str:
    """An HTML error page echoing ``authorization`` (``Bearer <token>``) so that a cut at
    ``cut`` characters keeps the token's first ``shown`` characters."""
    head = "<html><body>refused: "
    filler = "x" * (cut - shown - len(head) - len("Bearer "))
    return f"{head}{filler}{authorization} and the rest of the page</body></html>"


class RevokedThenEchoing:
    """A send endpoint that accepts the first send (each message under its own sourceId),
    answers the second with a 401 (the client refreshes its access token and repeats), then
    refuses every send with an error naming each ``Authorization`` header it was sent."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(request.headers["Authorization"])
        if len(self.seen) == 1:
            messages = json.loads(request.content)["messages"]
            ids = [message.get("sourceId") or str(uuid.uuid4()) for message in messages]
            return httpx.Response(200, json={"responses": [{"sourceId": i} for i in ids]})
        if len(self.seen) == 2:
            return httpx.Response(401, json={"errorCode": "UNAUTHORIZED", "errorName": "Expired"})
        envelope = {
            "errorCode": "INVALID_ARGUMENT",
            "errorName": f"Seen:{'|'.join(self.seen)}",
            "errorInstanceId": "1",
            "parameters": {"seen": list(self.seen)},
        }
        return httpx.Response(400, json=envelope)
