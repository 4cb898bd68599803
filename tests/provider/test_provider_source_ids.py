"""``gotham:sourceIds`` auto / send / omit against an emulator that honours, ignores or rejects.

A message that was delivered is never reported as not sent; what the outputs say about the
server's id and idempotency is true for the host's behaviour.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from gotham_inbox._delivery import HostMemory
from gotham_inbox.emulator.testing import RunningEmulator
from gotham_inbox.providers.provider import (
    InboxMessageBatchProvider,
    InboxMessageProvider,
    InboxProviderError,
)
from gotham_inbox.providers.settings import ProviderSettings
from tests.provider.provider_support import fast_retries, message, with_id

MODES = ("honour", "ignore", "reject")


class Counting(httpx.BaseTransport):
    """A real transport that keeps every send request body."""

    def __init__(self) -> None:
        self.inner = httpx.HTTPTransport()
        self.bodies: list[dict[str, Any]] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/inbox/messages"):
            self.bodies.append(json.loads(request.content))
        return self.inner.handle_request(request)

    def ids_on_wire(self) -> list[bool]:
        return [any("sourceId" in m for m in body["messages"]) for body in self.bodies]


Start = Callable[..., RunningEmulator]


def provider_for(
    emulator: RunningEmulator, policy: str, transport: httpx.BaseTransport, batch: bool = False
) -> Any:
    provider = InboxMessageBatchProvider() if batch else InboxMessageProvider()
    provider.use_settings(
        ProviderSettings(
            hostname=emulator.base_url,
            token=emulator.token_for("release-bot"),
            source_ids=policy,
            retry=fast_retries(),
            transport=transport,
            memory=HostMemory(),
        )
    )
    return provider


@pytest.mark.parametrize("mode", MODES)
def test_auto_delivers_once_and_records_the_servers_id_in_every_mode(
    gotham_emulator_factory: Start, mode: str
) -> None:
    emulator = gotham_emulator_factory(source_ids=mode)
    transport = Counting()
    provider = provider_for(emulator, "auto", transport)
    sent = with_id()
    outs = provider.create({"message": sent}).outs
    (record,) = emulator.messages()
    assert outs["status"] == "sent"
    assert outs["sourceId"] == record["sourceId"]
    assert outs["requestedSourceId"] == sent["sourceId"]
    assert outs["idempotent"] is (mode == "honour")
    assert (outs["sourceId"] == sent["sourceId"]) is (mode == "honour")
    # reject: refused with the ids (nothing stored), sent again at once without them.
    assert transport.ids_on_wire() == ([True, False] if mode == "reject" else [True])

    # The host's answer is remembered: reject is not tried with ids again in this process.
    provider.create({"message": with_id(message(title={"value": "second"}))})
    assert transport.ids_on_wire()[-1] is (mode != "reject")


@pytest.mark.parametrize("mode", MODES)
def test_a_repeated_create_adopts_only_where_ids_are_honoured(
    gotham_emulator_factory: Start, mode: str
) -> None:
    # The state was lost: the same message is created again with the same id.
    emulator = gotham_emulator_factory(source_ids=mode)
    sent = with_id()
    provider_for(emulator, "auto", Counting()).create({"message": sent})
    again = provider_for(emulator, "auto", Counting()).create({"message": dict(sent)}).outs
    stored = emulator.messages()
    if mode == "honour":
        assert again["status"] == "adopted" and len(stored) == 1
    else:
        # Nothing on the host can recognise the repeat: it is delivered again, and said so.
        assert again["status"] == "sent" and again["idempotent"] is False
        assert len(stored) == 2


@pytest.mark.parametrize("mode", MODES)
def test_a_batch_maps_the_servers_ids_to_its_messages_in_order(
    gotham_emulator_factory: Start, mode: str
) -> None:
    emulator = gotham_emulator_factory(source_ids=mode)
    messages = [with_id(message(title={"value": f"m{i}"})) for i in range(3)]
    outs = (
        provider_for(emulator, "auto", Counting(), batch=True).create({"messages": messages}).outs
    )
    stored = emulator.messages()
    by_title = {r["message"]["title"]["value"]: r["sourceId"] for r in stored}
    assert outs["sourceIds"] == [by_title[f"m{i}"] for i in range(3)]
    assert outs["requestedSourceIds"] == [m["sourceId"] for m in messages]
    assert outs["statuses"] == ["sent"] * 3
    assert outs["idempotent"] is (mode == "honour")


def test_send_never_falls_back_and_says_what_to_set(gotham_emulator_factory: Start) -> None:
    emulator = gotham_emulator_factory(source_ids="reject")
    transport = Counting()
    with pytest.raises(InboxProviderError) as caught:
        provider_for(emulator, "send", transport).create({"message": with_id()})
    text = str(caught.value)
    assert "Default:InvalidArgument" in text and "messages[0].sourceId" in text
    assert "Nothing was sent." in text and "gotham:sourceIds" in text and "'auto'" in text
    assert transport.ids_on_wire() == [True]
    assert emulator.messages() == []


@pytest.mark.parametrize("mode", MODES)
def test_omit_never_sends_ids(gotham_emulator_factory: Start, mode: str) -> None:
    emulator = gotham_emulator_factory(source_ids=mode)
    transport = Counting()
    sent = with_id()
    outs = provider_for(emulator, "omit", transport).create({"message": sent}).outs
    (record,) = emulator.messages()
    assert transport.ids_on_wire() == [False]
    assert outs["sourceId"] == record["sourceId"] != sent["sourceId"]
    assert outs["idempotent"] is False
    assert outs["message"] == sent  # the declared message: its id stays the resource's key


def test_the_setting_comes_from_config_or_env_and_a_wrong_value_is_named() -> None:
    assert ProviderSettings.resolve({}, {}).source_ids == "auto"
    assert ProviderSettings.resolve({}, {"GOTHAM_SOURCE_IDS": "OMIT"}).source_ids == "omit"
    configured = ProviderSettings.resolve(
        {"gotham:sourceIds": "send"}, {"GOTHAM_SOURCE_IDS": "omit"}
    )
    assert configured.source_id_policy() == "send"
    provider = InboxMessageProvider()
    provider.use_settings(
        ProviderSettings(hostname="gotham.example.com", token="t", source_ids="sometimes")
    )
    with pytest.raises(InboxProviderError, match=r"gotham:sourceIds is 'sometimes'.*auto"):
        provider.create({"message": with_id()})


def test_the_salt_is_redacted_like_the_other_secrets() -> None:
    settings = ProviderSettings.resolve({"gotham:sourceIdSalt": "salt-value-1234"}, {})
    assert "salt-value-1234" not in repr(settings)
    assert settings.redact("x salt-value-1234 y") == "x *** y"
