"""Every documented ``gotham-inbox`` command is registered, and only those.

The command line imports its subcommand modules explicitly; these tests hold the parser to the
lists users read (the exit-code table names every command, the distribution table too).
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import pytest

from gotham_inbox.cli import build_parser

DOCS = Path(__file__).resolve().parents[2] / "docs"


def registered_commands() -> set[str]:
    """The subcommand names the parser accepts."""
    parser = build_parser()
    (subparsers,) = (
        action for action in parser._actions if isinstance(action, argparse._SubParsersAction)
    )
    return set(subparsers.choices)


def documented_commands(page: str, lead: str) -> set[str]:
    """The backquoted command names in the sentence of ``page`` that starts with ``lead``."""
    text = " ".join((DOCS / page).read_text(encoding="utf-8").split())
    start = text.index(lead) + len(lead)
    sentence = text[start : text.index(")" if lead.endswith("(") else "|", start)]
    return set(re.findall(r"`([a-z-]+)`", sentence))


@pytest.mark.parametrize(
    ("page", "lead"),
    [
        ("exit-codes.md", "Every `gotham-inbox` command ("),
        ("your-project.md", "| `gotham-inbox` | the command:"),
    ],
)
def test_every_documented_command_is_registered(page: str, lead: str) -> None:
    assert documented_commands(page, lead) == registered_commands()


def test_every_command_answers_help(capsys: pytest.CaptureFixture[str]) -> None:
    for command in sorted(registered_commands()):
        with pytest.raises(SystemExit) as stopped:
            build_parser().parse_args([command, "--help"])
        assert stopped.value.code == 0, command
        assert f"gotham-inbox {command}" in capsys.readouterr().out
