"""``gotham:sourceIdSalt`` keys derived sourceIds: without the salt they cannot be predicted."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pulumi
import pytest

from gotham_inbox.providers.announcement import release_source_id
from gotham_inbox.providers.release import ReleaseAnnouncement
from gotham_inbox.providers.resources import InboxMessage
from gotham_inbox.source_ids import derive_source_id
from tests.provider.provider_support import MESSAGE, RecordingMocks

SALT = "a-long-random-salt-0f9e"


def resolve(output: pulumi.Output[Any]) -> Any:
    return asyncio.get_event_loop().run_until_complete(output.future())


def test_a_salt_keys_the_derivation_and_changes_every_id() -> None:
    plain = derive_source_id("p", "s", "r", MESSAGE)
    salted = derive_source_id("p", "s", "r", MESSAGE, salt=SALT)
    assert salted != plain
    assert salted == derive_source_id("p", "s", "r", {**MESSAGE}, salt=SALT)  # stable
    assert salted != derive_source_id("p", "s", "r", MESSAGE, salt=SALT + "x")
    assert release_source_id("svc", "1.0", SALT) != release_source_id("svc", "1.0")
    assert release_source_id("svc", "1.0", SALT) == release_source_id("svc", "1.0", SALT)


def test_the_program_reads_the_salt_and_never_registers_it(
    use_mocks: Callable[..., RecordingMocks], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GOTHAM_SOURCE_ID_SALT", SALT)
    mocks = use_mocks()
    message = InboxMessage("release", message=MESSAGE)
    announcement = ReleaseAnnouncement(
        "announce",
        service="billing",
        version="2.0",
        changelog="",
        recipients=["platform-team"],
        markings=["UNCLASSIFIED"],
        sender="bot",
    )
    resolve(message.source_id)
    resolve(announcement.source_id)
    registered = {args.name: args.inputs for args in mocks.registered}
    assert registered["release"]["message"]["sourceId"] == derive_source_id(
        "inbox-project", "dev", "release", MESSAGE, salt=SALT
    )
    assert registered["announce-message"]["message"]["sourceId"] == release_source_id(
        "billing", "2.0", SALT
    )
    assert SALT not in repr(mocks.registered)
