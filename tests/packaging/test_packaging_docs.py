"""The README and the docs/ pages: every relative link and anchor resolves, examples run."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from distribution_support import REPO

from gotham_inbox.cli import main
from gotham_inbox.emulator.directory import load_directory
from gotham_inbox.policy.generate import policy_config_from_directory

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
