"""The token and the client secret never reach state, outputs, logs or error text.

State is the serialised provider plus the recorded outputs; logs are everything any logger
writes at DEBUG; error text is what the provider host sends the engine: the exception's full
traceback.
"""

from __future__ import annotations

import base64
import dataclasses
import json
import logging
import traceback
from collections.abc import Callable
from typing import Any

import pytest
from pulumi.dynamic import Config, ConfigureRequest
from pulumi.dynamic.dynamic import serialize_provider

from gotham_inbox.emulator.testing import RunningEmulator
from gotham_inbox.providers.provider import InboxMessageBatchProvider, InboxMessageProvider
from tests.provider.provider_support import fast_retries, message, with_id


def configured(config: dict[str, Any], batch: bool = False) -> Any:
    provider = InboxMessageBatchProvider() if batch else InboxMessageProvider()
    provider.configure(ConfigureRequest(Config(config, "inbox-project")))
    # Settings come from configure; only the retry pacing is made fast for the test.
    provider.use_settings(dataclasses.replace(provider.settings, retry=fast_retries()))
    return provider


def everything_written(
    caplog: pytest.LogCaptureFixture, provider: Any, results: list[Any], errors: list[str]
) -> str:
    """All text that could reach state, outputs, logs or the engine, in one string."""
    pickled = base64.b64decode(serialize_provider(provider)).decode("latin-1")
    outputs = json.dumps([result.outs for result in results])
    return "\n".join([caplog.text, pickled, outputs, repr(provider), *errors])


def attempt(action: Callable[[], Any], results: list[Any], errors: list[str]) -> None:
    try:
        results.append(action())
    except Exception:
        errors.append(traceback.format_exc())


@pytest.mark.parametrize(
    "credentials",
    [
        {"gotham:token": "emu-7c41e9a3f05b2d86"},
        {
            "gotham:clientId": "release-pipeline",
            "gotham:clientSecret": "emu-secret-5a3e8c19d07f42b6",
        },
    ],
    ids=["token", "client-credentials"],
)
def test_no_secret_in_state_outputs_logs_or_errors(
    gotham_emulator: RunningEmulator,
    caplog: pytest.LogCaptureFixture,
    credentials: dict[str, str],
) -> None:
    caplog.set_level(logging.DEBUG)
    secret = next(v for k, v in credentials.items() if k != "gotham:clientId")
    config = {"gotham:hostname": gotham_emulator.base_url, **credentials}
    results: list[Any] = []
    errors: list[str] = []

    single = configured(config)
    batch = configured(config, batch=True)
    sent = with_id()
    attempt(lambda: single.create({"message": sent}), results, errors)  # sent
    attempt(lambda: single.create({"message": sent}), results, errors)  # adopted
    attempt(lambda: batch.create({"messages": [with_id(), with_id()]}), results, errors)
    invalid = with_id(message(security={"portionMarkings": ["TOPSECRET"]}))
    attempt(lambda: single.create({"message": invalid}), results, errors)  # 400
    forbidden = with_id(message(security={"portionMarkings": ["SECRET"]}))
    attempt(lambda: single.create({"message": forbidden}), results, errors)  # 403
    unreachable = configured({**config, "gotham:hostname": "http://127.0.0.1:9"})
    attempt(lambda: unreachable.create({"message": with_id()}), results, errors)
    no_host = configured(credentials)
    attempt(lambda: no_host.create({"message": with_id()}), results, errors)

    assert [result.outs.get("status", result.outs.get("statuses")) for result in results] == [
        "sent",
        "adopted",
        ["sent", "sent"],
    ]
    assert len(errors) == 4
    assert len(gotham_emulator.messages()) == 3
    for provider in (single, batch, unreachable, no_host):
        assert secret not in everything_written(caplog, provider, results, errors)


def test_a_rejected_token_is_not_echoed_in_the_error(
    gotham_emulator: RunningEmulator, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    wrong = "wrong-token-0d9e8f7a6b5c"
    provider = configured({"gotham:hostname": gotham_emulator.base_url, "gotham:token": wrong})
    errors: list[str] = []
    attempt(lambda: provider.create({"message": with_id()}), [], errors)
    (error,) = errors
    assert "HTTP 401" in error
    assert wrong not in everything_written(caplog, provider, [], errors)
