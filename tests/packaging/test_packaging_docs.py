"""The README and the docs/ pages: every relative link and anchor resolves, examples run."""

from __future__ import annotations

import argparse
import importlib
import json
import re
from pathlib import Path

import pytest
import yaml

from gotham_inbox.cli import build_parser, main
from gotham_inbox.directory import load_directory
from gotham_inbox.models import SendMessageRequest
from gotham_inbox.policy.directory_config import policy_config_from_directory
from gotham_inbox.policy.inbox_resource import MESSAGE_TYPES
from tests.distribution_support import REPO

PAGES = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")


def _outside_code(text: str) -> str:
    return re.sub(r"```.*?```", "", text, flags=re.DOTALL)


def anchors(page: Path) -> set[str]:
    """GitHub's heading anchors of a page."""
    found = set()
    for line in _outside_code(page.read_text(encoding="utf-8")).splitlines():
        if line.startswith("#"):
            title = line.lstrip("#").strip().lower()
            found.add(re.sub(r"\s", "-", re.sub(r"[^\w\s-]", "", title)))
    return found


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.name)
def test_every_relative_link_and_anchor_resolves(page: Path) -> None:
    broken = []
    for target in LINK.findall(_outside_code(page.read_text(encoding="utf-8"))):
        if re.match(r"[a-z]+:", target):
            continue  # http(s):, mailto:
        path, _, anchor = target.partition("#")
        linked = (page.parent / path).resolve() if path else page
        if not linked.exists():
            broken.append(f"{target}: no such file")
        elif anchor and linked.suffix == ".md" and anchor not in anchors(linked):
            broken.append(f"{target}: no heading #{anchor} in {linked.name}")
    assert broken == []


def test_the_readme_links_every_docs_page() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    linked = {Path(target.partition("#")[0]).name for target in LINK.findall(readme)}
    assert {page.name for page in PAGES[1:]} <= linked


def _block(page: Path, section: str, language: str) -> str:
    text = page.read_text(encoding="utf-8").split(f"## {section}\n", 1)[1].split("\n## ", 1)[0]
    found = re.search(rf"```{language}\n(.*?)```", text, flags=re.DOTALL)
    assert found is not None, f"no {language} block under '{section}' in {page.name}"
    return found.group(1)


def test_the_your_project_page_declares_a_program_that_checks_clean(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    page = REPO / "docs" / "your-project.md"
    (tmp_path / "Pulumi.yaml").write_text(_block(page, "Install", "yaml"))
    (tmp_path / "__main__.py").write_text(_block(page, "Declare", "python"))
    stack = {"config": {"my-infra:version": "1.0.0", "gotham:realm": "palantir-internal-realm"}}
    (tmp_path / "Pulumi.prod.yaml").write_text(json.dumps(stack))
    directory = load_directory()
    config = policy_config_from_directory(directory, directory.user("release-bot"))
    (tmp_path / "policy-config.prod.json").write_text(json.dumps(config))

    assert main(["check", str(tmp_path), "--stack", "prod"]) == 0
    out = capsys.readouterr().out
    assert "2 inbox resource(s), 2 message(s)" in out and "no violations" in out


DOTTED_NAME = re.compile(r"\bgotham_inbox(?:\.[A-Za-z_]\w*)+")
SHOWN_EXCEPTION = re.compile(r"^([A-Za-z_]\w*(?:\.\w+)+): ", flags=re.MULTILINE)


def _resolves(dotted: str) -> bool:
    """Whether ``dotted`` is an importable module, or an attribute path inside one."""
    parts = dotted.split(".")
    for split in range(len(parts), 0, -1):
        try:
            found: object = importlib.import_module(".".join(parts[:split]))
        except ModuleNotFoundError:
            continue
        for attribute in parts[split:]:
            if not hasattr(found, attribute):
                return False
            found = getattr(found, attribute)
        return True
    return False


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.name)
def test_every_name_a_page_gives_exists(page: Path) -> None:
    """A reader copies these into imports and searches tracebacks for them: e.g. an error line
    shown under an old import path (``providers.announcement.AnnouncementError``)."""
    text = page.read_text(encoding="utf-8")
    shown = {
        name for name in SHOWN_EXCEPTION.findall(text) if name.endswith(("Error", "Exception"))
    }
    named = set(DOTTED_NAME.findall(text)) | shown
    assert sorted(name for name in named if not _resolves(name)) == []


def _subparsers() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    (subparsers,) = [
        action for action in parser._actions if isinstance(action, argparse._SubParsersAction)
    ]
    return dict(subparsers.choices)


def _subcommands() -> set[str]:
    return set(_subparsers())


@pytest.mark.parametrize(
    ("page", "section"),
    [("exit-codes.md", "# Exit codes"), ("your-project.md", "## Install")],
)
def test_the_pages_that_list_the_commands_list_every_command(page: str, section: str) -> None:
    text = (REPO / "docs" / page).read_text(encoding="utf-8").split(f"{section}\n", 1)[1]
    text = text.split("\n## ", 1)[0]
    assert sorted(name for name in _subcommands() if f"`{name}`" not in text) == []


def test_the_emulator_page_lists_every_emulator_flag() -> None:
    flags = {
        option
        for action in _subparsers()["emulator"]._actions
        for option in action.option_strings
        if option.startswith("--") and option != "--help"
    }
    table = (REPO / "docs" / "emulator.md").read_text(encoding="utf-8").split("| Option |", 1)[1]
    rows = table.split("\n\n", 1)[0]
    assert sorted(flag for flag in flags if f"| `{flag}" not in rows) == []


REPOSITORY_PATH = re.compile(
    r"`((?:gotham_inbox|providers|policies|tests|bench|scripts)/[\w./-]+)`"
)
MADE_BY_SETUP = {"policies/analyzer", "policies/venv"}  # scripts/install-pulumi, make setup


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.name)
def test_every_repository_path_a_page_names_exists(page: Path) -> None:
    named = set(REPOSITORY_PATH.findall(page.read_text(encoding="utf-8"))) - MADE_BY_SETUP
    assert sorted(path for path in named if not (REPO / path.rstrip("/")).exists()) == []


def test_the_readme_yaml_program_declares_a_valid_message_of_the_plugin() -> None:
    # The "From TypeScript / Go / YAML" example: the plugin's type, and a message the send
    # endpoint's model takes (a typo in a field would make a user's first program fail).
    program = yaml.safe_load(_block(REPO / "README.md", "Use it in your own project", "yaml"))
    resources = program["resources"]
    assert resources
    for resource in resources.values():
        assert resource["type"] in MESSAGE_TYPES
        SendMessageRequest.model_validate(resource["properties"]["message"])
