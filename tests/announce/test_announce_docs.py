"""The ready-to-copy CI steps of docs/announcements.md announce the event their condition means.

(The shell steps are run under the real CLI by tests/e2e/test_e2e_announce.py.)
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

import yaml

from gotham_inbox.cli import build_parser

DOCS = Path(__file__).resolve().parents[2] / "docs" / "announcements.md"


def yaml_blocks() -> list[Any]:
    text = DOCS.read_text(encoding="utf-8")
    return [yaml.safe_load(block) for block in re.findall(r"```yaml\n(.*?)```", text, re.DOTALL)]


def announced_event(command: str) -> str | None:
    """The event a shell line announces, parsed by the real parser; ``None`` if it is no
    announce command."""
    words = shlex.split(command)
    if words[:2] != ["gotham-inbox", "announce"]:
        return None
    event: str = build_parser().parse_args(words[1:]).event
    return event


def test_the_github_actions_steps_announce_what_their_condition_means() -> None:
    (steps,) = [
        block["steps"] for block in yaml_blocks() if isinstance(block, dict) and "steps" in block
    ]
    by_condition = {
        step.get("if"): announced_event(step["run"])
        for step in steps
        if announced_event(step["run"]) is not None
    }
    assert by_condition == {
        None: "started",
        "success()": "succeeded",
        "failure()": "failed",
        "cancelled()": "cancelled",
    }


def test_the_gitlab_jobs_announce_what_their_when_means() -> None:
    (pipeline,) = [
        block for block in yaml_blocks() if isinstance(block, dict) and "deploy" in block
    ]
    announced = {
        (job.get("when", "on_success"), event)
        for job in pipeline.values()
        for event in map(announced_event, job["script"])
        if event is not None
    }
    assert announced == {
        ("on_success", "started"),
        ("on_success", "succeeded"),
        ("on_failure", "failed"),
    }
