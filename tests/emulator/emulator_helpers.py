"""Helpers for the emulator tests: example messages, directories and in-process clients."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
from gotham import PalantirRPCException

from gotham_inbox.directory import Directory, load_directory
from gotham_inbox.emulator.app import create_app
from gotham_inbox.emulator.store import MessageStore
from gotham_inbox.verdicts._server_verdict import InProcessTransport

SEND = "/api/gotham/v1/inbox/messages?preview=true"
RELEASE_BOT = {"Authorization": "Bearer emu-7c41e9a3f05b2d86"}
PARTNER_BOT = {"Authorization": "Bearer emu-b28f6d0a947e13c5"}
INTERN = {"Authorization": "Bearer emu-0e9d35c7a1f84b62"}
ADMIN_TOKEN = "test-admin-token"
ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
"""The admin token of apps made by :func:`app_client` (``/emulator/messages``)."""

# The example of the endpoint's documentation page, verbatim.
SEED_MESSAGE: dict[str, Any] = {
    "sender": {"displayName": "My External Message Sender"},
    "title": {"value": "Hello from the sendMessages API!"},
    "security": {"portionMarkings": ["SENSITIVE"]},
    "groupRecipients": [{"name": "my-example-group"}],
    "body": {
        "value": "Some **styled** extra content for my message",
        "formatStyle": "MARKDOWN",
    },
}

# A directory in which the documentation example is deliverable: "my-example-group" exists in
# the caller's realm.
SEED_DIRECTORY: dict[str, Any] = {
    "markings": ["UNCLASSIFIED", "SENSITIVE"],
    "groups": [
        {"name": "my-example-group", "realm": "example-realm"},
        {"name": "External Inbox Alert Producers", "realm": "example-realm"},
    ],
    "users": [
        {
            "name": "docs-bot",
            "realm": "example-realm",
            "token": "docs-bot-token",
            "groups": ["External Inbox Alert Producers"],
        }
    ],
}


def message(**changes: Any) -> dict[str, Any]:
    """A message valid for release-bot under the example directory, with ``changes`` applied."""
    base: dict[str, Any] = {
        "groupRecipients": [{"name": "platform-team"}],
        "sender": {"displayName": "Release Bot"},
        "title": {"value": "v1.2.3 is out"},
        "security": {"portionMarkings": ["UNCLASSIFIED"]},
    }
    base.update(copy.deepcopy(changes))
    return base


@contextmanager
def app_client(
    directory: Directory | None = None,
    store: MessageStore | None = None,
    **options: Any,
) -> Iterator[tuple[httpx.Client, MessageStore]]:
    """An httpx client calling the app in process, and the app's store."""
    owned = store is None
    store = store or MessageStore()
    options.setdefault("admin_token", ADMIN_TOKEN)
    app = create_app(directory or load_directory(), store, **options)
    transport = InProcessTransport(app)
    try:
        with httpx.Client(transport=transport, base_url="http://emulator.test") as client:
            yield client, store
    finally:
        if owned:
            store.close()


def assert_envelope(response: Any, status: int, error_name: str) -> dict[str, Any]:
    """The response is a Palantir error envelope with this status and name; its parameters."""
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"errorCode", "errorName", "errorInstanceId", "parameters"}
    assert body["errorName"] == error_name
    parameters: dict[str, Any] = body["parameters"]
    return parameters


def error_parameters(error: PalantirRPCException) -> dict[str, Any]:
    """The parameters of an official-client error (the SDK types the attribute ``Any | None``)."""
    assert isinstance(error.parameters, dict), error
    return error.parameters
