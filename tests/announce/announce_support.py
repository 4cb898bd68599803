"""A Pulumi project on disk for ``gotham-inbox announce``, and running the command in-process."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from gotham_inbox.cli import main
from gotham_inbox.directory import example_directory_path, load_directory
from gotham_inbox.emulator.testing import RunningEmulator
from gotham_inbox.policy.directory_config import policy_config_from_directory

PROJECT = "shop"
STACK = "prod"
REALM = "palantir-internal-realm"

DATABASE_URN = f"urn:pulumi:{STACK}::{PROJECT}::pulumi:pulumi:Stack$cloud:db:Instance::orders-db"

CI_VARIABLES = (
    "GITHUB_RUN_ID",
    "GITHUB_RUN_ATTEMPT",
    "GITHUB_SERVER_URL",
    "GITHUB_REPOSITORY",
    "CI_PIPELINE_ID",
    "CI_PIPELINE_URL",
)

FAILED_UP_EVENTS: list[dict[str, Any]] = [
    {
        "sequence": 1,
        "timestamp": 1,
        "diagnosticEvent": {
            "urn": DATABASE_URN,
            "message": "<{%reset%}>creating orders-db: quota exceeded<{%reset%}>\n",
            "severity": "error",
            "color": "never",
        },
    },
    {
        "sequence": 2,
        "timestamp": 1,
        "resOpFailedEvent": {
            "metadata": {
                "op": "create",
                "urn": DATABASE_URN,
                "type": "cloud:db:Instance",
            },
            "status": 1,
            "steps": 1,
        },
    },
    {
        "sequence": 3,
        "timestamp": 2,
        "summaryEvent": {
            "maybeCorrupt": False,
            "durationSeconds": 7,
            "resourceChanges": {"create": 2, "same": 3},
            "PolicyPacks": {},
        },
    },
]
"""The engine events of a ``pulumi up`` whose database failed to create (as --event-log)."""


@dataclass
class AnnounceProject:
    """A Python Pulumi project with one stack, pointed at an emulator."""

    root: Path

    @classmethod
    def create(
        cls, where: Path, emulator: RunningEmulator, config: Mapping[str, Any] | None = None
    ) -> AnnounceProject:
        """The project in ``where``: a stack sending as release-bot, announcing to
        platform-team, UNCLASSIFIED, version 1.4.0, plus ``config``."""
        where.mkdir(parents=True, exist_ok=True)
        (where / "Pulumi.yaml").write_text(f"name: {PROJECT}\nruntime: python\n", "utf-8")
        (where / "__main__.py").write_text("import pulumi\n", "utf-8")
        write_example_policy_config(where)
        project = cls(where)
        project.configure(emulator, **(config or {}))
        return project

    def configure(self, emulator: RunningEmulator, **changes: Any) -> None:
        """Write the stack's config: the defaults of :meth:`create` with ``changes`` (config
        keys as keyword names, ``gotham_token`` for ``gotham:token``; ``None`` removes one)."""
        config: dict[str, Any] = {
            "gotham:hostname": emulator.base_url,
            "gotham:token": emulator.token_for("release-bot"),
            "gotham:realm": REALM,
            "gotham:announceGroups": "platform-team",
            "gotham:announceMarkings": "UNCLASSIFIED",
            f"{PROJECT}:version": "1.4.0",
        }
        for name, value in changes.items():
            key = name.replace("_", ":", 1)
            if value is None:
                config.pop(key, None)
            else:
                config[key] = value
        self.write_config(config)

    def write_config(self, config: Mapping[str, Any]) -> None:
        """Replace the stack's config."""
        (self.root / f"Pulumi.{STACK}.yaml").write_text(
            yaml.safe_dump({"config": dict(config)}), "utf-8"
        )

    def write(self, name: str, content: str) -> Path:
        """A file in the project."""
        path = self.root / name
        path.write_text(content, "utf-8")
        return path

    def event_log(self, events: list[dict[str, Any]], name: str = "events.jsonl") -> Path:
        """An event log of ``events``, one JSON line each."""
        return self.write(name, "".join(json.dumps(event) + "\n" for event in events))


@dataclass(frozen=True)
class Announced:
    """One run of ``gotham-inbox announce``."""

    code: int
    out: str
    err: str

    def json(self) -> dict[str, Any]:
        """Standard output as JSON (``--format json``)."""
        document: dict[str, Any] = json.loads(self.out)
        return document


def announce(capsys: pytest.CaptureFixture[str], project: AnnounceProject, *args: str) -> Announced:
    """``gotham-inbox announce PROJECT --stack prod ARGS`` in this process."""
    code = main(["announce", str(project.root), "--stack", STACK, *args])
    captured = capsys.readouterr()
    return Announced(code, captured.out, captured.err)


def titles(emulator: RunningEmulator) -> list[str]:
    """The titles of the messages the emulator stored, oldest first."""
    return [record["message"]["title"]["value"] for record in emulator.messages()]


def write_example_policy_config(directory: Path) -> Path:
    """``policy-config.json`` in ``directory``, generated from the example directory the
    emulator serves for the caller release-bot, as a stack deployed against it has: without a
    policy config the pack's directory rules cannot judge an announcement, and refuse it."""
    example = load_directory(example_directory_path())
    config = policy_config_from_directory(example, example.user("release-bot"))
    path = directory / "policy-config.json"
    path.write_text(json.dumps(config), "utf-8")
    return path
