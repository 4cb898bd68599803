"""Projects on disk for ``gotham-inbox check``'s runner tests: a program, its stack, the files
beside it (a policy config, a mocks file)."""

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


def write_check_project(
    root: Path,
    body: str,
    *,
    mocks: dict[str, Any] | None = None,
    config: dict[str, str] | None = None,
) -> Path:
    """A project whose program is :data:`MESSAGE_HELPERS` then ``body`` (dedented), with the
    example's policy config and, when given, a ``gotham-inbox-mocks.yaml``."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "Pulumi.yaml").write_text("name: runner-fixture\nruntime: python\n")
    (root / "__main__.py").write_text(MESSAGE_HELPERS + textwrap.dedent(body))
    settings = {
        "config": {"gotham:realm": REALM, "gotham:hostname": "127.0.0.1:9", **(config or {})}
    }
    (root / "Pulumi.dev.yaml").write_text(yaml.safe_dump(settings))
    (root / "policy-config.dev.json").write_text(json.dumps(example_config()))
    if mocks is not None:
        (root / "gotham-inbox-mocks.yaml").write_text(yaml.safe_dump(mocks))
    return root


def check(*args: str | Path) -> int:
    """``gotham-inbox check ARGS`` in this process; its exit status."""
    return main(["check", *map(str, args)])


def program_line(root: Path, text: str) -> int:
    """The line of the project's program that holds ``text``."""
    lines = (root / "__main__.py").read_text().splitlines()
    return next(number for number, line in enumerate(lines, 1) if text in line)
