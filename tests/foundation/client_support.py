"""Helpers of the client tests: a scripted host that records requests, its answers, clients."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import httpx

from gotham_inbox import InboxClient, RetryPolicy, TokenAuth
from gotham_inbox._delivery import HostMemory
from tests.support import FakeClock

TOKEN = "tok-very-secret-123"
CLIENT_SECRET = "client-secret-456"
MESSAGE = {
    "groupRecipients": [{"name": "platform-team"}],
    "sender": {"displayName": "release-bot"},
    "title": {"value": "release 4.2 is live"},
    "security": {"portionMarkings": ["UNCLASSIFIED"]},
}

Handler = Callable[[httpx.Request], httpx.Response]


class Recorder:
    """A MockTransport handler that answers from a script and remembers every request."""

    def __init__(self, *answers: httpx.Response | Exception | Handler) -> None:
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []
        # Auth flows mutate and re-send the same request object: keep the header as sent.
        self.authorizations: list[str | None] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if request.url.path == "/api/gotham/v1/inbox/messages":
            self.authorizations.append(request.headers.get("Authorization"))
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, Exception):
            raise answer
        if callable(answer) and not isinstance(answer, httpx.Response):
            return answer(request)
        return answer

    @property
    def send_requests(self) -> list[httpx.Request]:
        return [r for r in self.requests if r.url.path == "/api/gotham/v1/inbox/messages"]


def ok(source_ids: list[str] | None = None) -> httpx.Response:
    ids = source_ids or [str(uuid.uuid4())]
    return httpx.Response(200, json={"responses": [{"sourceId": i} for i in ids], "failures": []})


def envelope(status: int, code: str, name: str, **parameters: Any) -> httpx.Response:
    return httpx.Response(
        status,
        json={
            "errorCode": code,
            "errorName": name,
            "errorInstanceId": "e-1",
            "parameters": parameters,
        },
    )


def make_client(
    recorder: Recorder,
    *,
    clock: FakeClock | None = None,
    auth: httpx.Auth | None = None,
    honours_ids: bool = False,
    **retry: Any,
) -> InboxClient:
    """A client of a scripted host; ``honours_ids``: the host was already seen to honour ids."""
    clock = clock or FakeClock()
    policy = RetryPolicy(sleep=clock.sleep, clock=clock, jitter=False, **retry)
    memory = HostMemory()
    if honours_ids:
        memory.record("https://gotham.example.com", "honours")
    return InboxClient(
        "gotham.example.com",
        auth=auth or TokenAuth(TOKEN),
        retry=policy,
        transport=httpx.MockTransport(recorder),
        memory=memory,
    )


def with_ids(count: int = 1) -> list[dict[str, Any]]:
    return [{**MESSAGE, "sourceId": str(uuid.uuid4())} for _ in range(count)]


def token_answer(token: str, expires_in: int = 3600) -> httpx.Response:
    return httpx.Response(
        200, json={"access_token": token, "token_type": "bearer", "expires_in": expires_in}
    )


def routed(
    tokens: list[httpx.Response], sends: list[httpx.Response]
) -> Callable[[httpx.Request], httpx.Response]:
    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/multipass/api/oauth2/token":
            return tokens.pop(0)
        return sends.pop(0)

    return handle
