"""``announced_up`` with a stand-in for ``auto.Stack`` (under the real CLI: tests/e2e).

The stand-in replays engine events to ``on_event`` and then returns, raises a deploy error or is
interrupted, so each outcome's announcement is checked against the emulator.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import pytest
from pulumi import automation as auto
from pulumi.automation import CommandResult

from gotham_inbox._retry import NO_RETRIES
from gotham_inbox.announce import AnnounceRefused
from gotham_inbox.announce.automation import announced_up, stack_announcer
from gotham_inbox.emulator.testing import RunningEmulator, running_emulator
from tests.announce.announce_support import (
    CI_VARIABLES,
    FAILED_UP_EVENTS,
    PROJECT,
    REALM,
    write_example_policy_config,
)


class FakeStack:
    """What ``announced_up`` uses of an ``auto.Stack``; ``up`` replays events, then ``ending``."""

    def __init__(self, work_dir: Path, config: dict[str, str], ending: BaseException | None):
        self.name = "organization/shop/prod"
        self.workspace = SimpleNamespace(
            work_dir=str(work_dir),
            project_settings=lambda: SimpleNamespace(name=PROJECT),
        )
        self._config = config
        self._ending = ending
        self.ups = 0

    def get_all_config(self) -> dict[str, auto.ConfigValue]:
        return {
            key: auto.ConfigValue(value, secret=key == "gotham:token")
            for key, value in self._config.items()
        }

    def up(self, on_event: Callable[[auto.EngineEvent], Any], **_: Any) -> str:
        self.ups += 1
        for event in FAILED_UP_EVENTS:
            on_event(auto.EngineEvent.from_json(event))
        if self._ending is not None:
            raise self._ending
        return "the up result"


@pytest.fixture(autouse=True)
def policy_config(tmp_path: Path) -> Path:
    """The stack's policy config, from the directory the emulator serves."""
    return write_example_policy_config(tmp_path)


@pytest.fixture
def emulator(monkeypatch: pytest.MonkeyPatch) -> Iterator[RunningEmulator]:
    for name in CI_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    with running_emulator() as running:
        yield running


def stack_config(emulator: RunningEmulator, **more: str) -> dict[str, str]:
    return {
        "gotham:hostname": emulator.base_url,
        "gotham:token": emulator.token_for(),
        "gotham:realm": REALM,
        "gotham:announceGroups": "platform-team",
        "gotham:announceMarkings": "UNCLASSIFIED",
        f"{PROJECT}:version": "2.0.0",
        **more,
    }


def titles(emulator: RunningEmulator) -> list[str]:
    return [record["message"]["title"]["value"] for record in emulator.messages()]


def run(stack: FakeStack, run_id: str) -> Any:
    return announced_up(cast(auto.Stack, stack), run_id=run_id)


def test_a_successful_up_is_announced_started_then_succeeded(
    tmp_path: Path, emulator: RunningEmulator
) -> None:
    stack = FakeStack(tmp_path, stack_config(emulator), None)
    done = run(stack, "7")
    assert done.result == "the up result"
    assert titles(emulator) == [
        "shop/prod: deploy of version 2.0.0 (run 7) started",
        "shop/prod: deploy of version 2.0.0 (run 7) succeeded",
    ]
    assert done.summary.failed[0].name == "orders-db"


def test_a_failed_up_is_announced_with_its_failing_resource_and_the_error_is_raised(
    tmp_path: Path, emulator: RunningEmulator
) -> None:
    stack = FakeStack(
        tmp_path,
        stack_config(emulator),
        auto.CommandError(CommandResult(stdout="", stderr="update failed", code=255)),
    )
    with pytest.raises(auto.CommandError):
        run(stack, "8")
    with pytest.raises(auto.CommandError):
        run(stack, "8")  # the same run again: nothing new
    assert titles(emulator) == [
        "shop/prod: deploy of version 2.0.0 (run 8) started",
        "shop/prod: deploy of version 2.0.0 (run 8) failed",
    ]
    assert "`orders-db`" in emulator.messages()[1]["message"]["body"]["value"]


def test_an_interrupted_up_is_announced_cancelled(
    tmp_path: Path, emulator: RunningEmulator
) -> None:
    stack = FakeStack(tmp_path, stack_config(emulator), KeyboardInterrupt())
    with pytest.raises(KeyboardInterrupt):
        run(stack, "9")
    assert titles(emulator)[-1] == "shop/prod: deploy of version 2.0.0 (run 9) cancelled"


def test_a_route_the_pack_refuses_stops_everything_before_the_deploy(
    tmp_path: Path, emulator: RunningEmulator
) -> None:
    (tmp_path / "policy-config.json").write_text(
        json.dumps({"inbox-markings": {"allowedMarkings": ["UNCLASSIFIED"]}})
    )
    (tmp_path / "gotham-inbox-announce.yaml").write_text(
        "events:\n  cancelled:\n    markings: [SECRET]\n"
    )
    stack = FakeStack(tmp_path, stack_config(emulator), None)
    with pytest.raises(AnnounceRefused, match="inbox-markings"):
        run(stack, "10")
    assert stack.ups == 0
    assert emulator.messages() == []


def test_an_announcement_that_cannot_be_sent_after_the_deploy_is_a_note_not_a_lost_error(
    tmp_path: Path, emulator: RunningEmulator
) -> None:
    error = RuntimeError("the deploy failed")
    stack = FakeStack(tmp_path, stack_config(emulator), error)
    original_up = stack.up

    def up_then_gotham_goes_away(on_event: Callable[[auto.EngineEvent], Any], **_: Any) -> str:
        emulator.faults.add("unavailable")
        return original_up(on_event)

    stack.up = up_then_gotham_goes_away  # type: ignore[method-assign]
    announcer = stack_announcer(cast(auto.Stack, stack), run_id="11")
    announcer.settings = replace(announcer.settings, retry=NO_RETRIES)
    with pytest.raises(RuntimeError) as raised:
        announced_up(cast(auto.Stack, stack), announcer=announcer)
    assert raised.value is error
    (note,) = raised.value.__notes__
    assert note.startswith("the failed announcement was not sent:")
    assert titles(emulator) == ["shop/prod: deploy of version 2.0.0 (run 11) started"]
