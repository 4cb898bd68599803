"""Fixture projects for ``gotham-inbox check --explore``: programs of ``providers`` resources."""

from __future__ import annotations

import json
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from gotham_inbox.cli import main
from gotham_inbox.directory import load_directory
from gotham_inbox.policy.directory_config import policy_config_from_directory

FIXTURE_PROJECT = "explore-fixture"
BODY_LIMIT = 200
"""The fixtures' ``inbox-content`` maxBodyBytes (mandatory there), so a long changelog breaks."""
TOKEN_CIPHERTEXT = "v1:c2VjcmV0LW5ldmVyLXByaW50ZWQ=:never-printed"

SEMVER = r"^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)$"


_ANNOUNCEMENT_HEAD = textwrap.dedent(
    """\
    import pulumi
    from gotham_inbox.providers import ReleaseAnnouncement

    config = pulumi.Config()
    """
)
_ANNOUNCEMENT_TAIL = textwrap.dedent(
    """\
    ReleaseAnnouncement(
        "release",
        service="inventory",
        version=config.require("version"),
        changelog=config.get("changelog") or "",
        recipients=["platform-team"],
        markings=["UNCLASSIFIED"],
        sender="Release Bot",
    )
    """
)


def announcement_program(*lines: str) -> str:
    """The fixtures' program: a release announcement of the config's version and changelog;
    ``lines``, code it runs after reading the config (e.g. a secret it reads)."""
    return _ANNOUNCEMENT_HEAD + "".join(f"{line}\n" for line in lines) + _ANNOUNCEMENT_TAIL


ANNOUNCEMENT_PROGRAM = announcement_program()

ANNOUNCEMENT_CONFIG: dict[str, Any] = {
    "version": {"type": "string"},
    "changelog": {"type": "string", "default": ""},
    "apiToken": {"type": "string", "secret": True},
}


def announcement_header(version: str) -> str:
    """The start of the announcement's body, before the changelog (the default template)."""
    return f"**inventory {version}** is released.\n\n"


def policy_config(**content: Any) -> dict[str, Any]:
    """The example directory's policy config, ``inbox-content`` mandatory with a small body."""
    directory = load_directory()
    config = policy_config_from_directory(directory, directory.user("release-bot"))
    config["inbox-content"] = {
        "enforcementLevel": "mandatory",
        "maxBodyBytes": BODY_LIMIT,
        **content,
    }
    return config


@dataclass(frozen=True)
class Fixture:
    """A project on disk."""

    root: Path

    @property
    def stack_file(self) -> Path:
        """The dev stack's file."""
        return self.root / "Pulumi.dev.yaml"


def write_fixture(
    root: Path,
    program: str = ANNOUNCEMENT_PROGRAM,
    *,
    declared: dict[str, Any] | None = None,
    stack_config: dict[str, Any] | None = None,
    explore: dict[str, Any] | None = None,
    policy: dict[str, Any] | None = None,
    files: dict[str, str] | None = None,
) -> Fixture:
    """A project: Pulumi.yaml declaring ``declared``, the program, a dev stack, an explore file."""
    root.mkdir(parents=True, exist_ok=True)
    project = {
        "name": FIXTURE_PROJECT,
        "runtime": {"name": "python"},
        "config": ANNOUNCEMENT_CONFIG if declared is None else declared,
    }
    (root / "Pulumi.yaml").write_text(yaml.safe_dump(project, sort_keys=False))
    (root / "__main__.py").write_text(program)
    config = {
        "gotham:realm": "palantir-internal-realm",
        "gotham:hostname": "127.0.0.1:9",
        **(
            {
                "version": "1.0.0",
                "changelog": "- first release",
                "apiToken": {"secure": TOKEN_CIPHERTEXT},
            }
            if stack_config is None
            else stack_config
        ),
    }
    namespaced = {
        (key if ":" in key else f"{FIXTURE_PROJECT}:{key}"): value for key, value in config.items()
    }
    (root / "Pulumi.dev.yaml").write_text(yaml.safe_dump({"config": namespaced}))
    if explore is not None:
        (root / "gotham-inbox-explore.yaml").write_text(yaml.safe_dump(explore))
    (root / "policy-config.dev.json").write_text(
        json.dumps(policy if policy is not None else policy_config())
    )
    for name, text in (files or {}).items():
        (root / name).write_text(text)
    return Fixture(root)


def run_check(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str, str]:
    """``gotham-inbox check ARGS``: exit status, standard output, standard error."""
    code = main(["check", *map(str, args)])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def explore_json(
    capsys: pytest.CaptureFixture[str], fixture: Fixture, *args: str | Path
) -> tuple[int, dict[str, Any]]:
    """``check --explore --format json`` on the fixture: exit status and the document."""
    code, out, err = run_check(capsys, fixture.root, "--explore", "--format", "json", *args)
    assert out, err
    return code, json.loads(out)
