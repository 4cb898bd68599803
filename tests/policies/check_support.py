"""Projects on disk for the tests of ``gotham-inbox check``: a program, its stacks, the files
beside it (a policy config, a mocks file), and ``check`` run in this process."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

import yaml

from gotham_inbox.cli import main
from tests.policies.builders import REALM, example_config

MESSAGE_HELPERS = textwrap.dedent(
    """\
    import pulumi
    from gotham_inbox.providers import InboxMessage


    def message(title, group="platform-team"):
        return {
            "groupRecipients": [{"name": group}],
            "sender": {"displayName": "release-bot"},
            "title": {"value": title},
            "security": {"portionMarkings": ["UNCLASSIFIED"]},
        }


    class Custom(pulumi.CustomResource):
        # A provider's resource without its plugin (random.RandomPet, a Deployment): under the
        # mocks, only its inputs and what the user declares are known.
        def __init__(self, token, name, props):
            super().__init__(token, name, props)


    """
)


def write_project(
    root: Path,
    program: str,
    *,
    name: str = "inbox-fixture",
    stacks: dict[str, dict[str, Any]] | None = None,
    policy_config: dict[str, Any] | None = None,
    policy_config_name: str = "policy-config.dev.json",
) -> Path:
    """A Pulumi project on disk: Pulumi.yaml, the program, a file per stack (``dev`` alone by
    default) with the example's realm, and a policy config when given."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "Pulumi.yaml").write_text(
        f"name: {name}\nruntime:\n  name: python\n  options:\n    virtualenv: venv\n"
    )
    (root / "__main__.py").write_text(program)
    for stack, config in (stacks if stacks is not None else {"dev": {}}).items():
        settings = {"config": {"gotham:realm": REALM, "gotham:hostname": "127.0.0.1:9", **config}}
        (root / f"Pulumi.{stack}.yaml").write_text(yaml.safe_dump(settings))
    if policy_config is not None:
        (root / policy_config_name).write_text(json.dumps(policy_config))
    return root


def write_check_project(
    root: Path,
    body: str,
    *,
    mocks: dict[str, Any] | None = None,
    config: dict[str, str] | None = None,
) -> Path:
    """A project whose program is :data:`MESSAGE_HELPERS` then ``body`` (dedented), with the
    example's policy config and, when given, a ``gotham-inbox-mocks.yaml``."""
    write_project(
        root,
        MESSAGE_HELPERS + textwrap.dedent(body),
        name="runner-fixture",
        stacks={"dev": dict(config or {})},
        policy_config=example_config(),
    )
    if mocks is not None:
        (root / "gotham-inbox-mocks.yaml").write_text(yaml.safe_dump(mocks))
    return root


def check(*args: str | Path) -> int:
    """``gotham-inbox check ARGS`` in this process; its exit status."""
    return main(["check", *map(str, args)])


def line_in(program: str, text: str) -> int:
    """The line of ``program`` (its text) that holds ``text``."""
    return next(number for number, line in enumerate(program.splitlines(), 1) if text in line)


def program_line(root: Path, text: str) -> int:
    """The line of the project's program that holds ``text``."""
    return line_in((root / "__main__.py").read_text(), text)
