"""The distribution adds one import name, ``gotham_inbox``, and carries the repository's code.

The resources live in the repository's top-level ``providers/`` folder and are imported as
``gotham_inbox.providers`` (a committed link); the pack's files live in ``policies/`` and ship
as ``gotham_inbox/policy_pack``. These tests read the wheel a user installs, the editable
install this repository uses, and a virtualenv outside the checkout.
"""

from __future__ import annotations

import ast
import configparser
import json
import subprocess
import sys
from pathlib import Path

from gotham_inbox.distribution.pack_dir import PACK_FILES
from tests.distribution_support import REPO, Venv, Wheel, working_tree_files

PROVIDERS = REPO / "providers"
POLICIES = REPO / "policies"


def test_the_wheel_adds_only_the_gotham_inbox_import_name(gotham_wheel: Wheel) -> None:
    roots = {name.split("/")[0] for name in gotham_wheel.names}
    assert roots == {"gotham_inbox", f"gotham_inbox-{gotham_wheel.version}.dist-info"}
    assert gotham_wheel.dist_info("top_level.txt").split() == ["gotham_inbox"]


def test_the_wheel_registers_the_commands_and_the_pytest_plugin_only(gotham_wheel: Wheel) -> None:
    entry_points = configparser.ConfigParser()
    entry_points.read_string(gotham_wheel.dist_info("entry_points.txt"))
    assert {section: dict(entry_points[section]) for section in entry_points.sections()} == {
        "console_scripts": {
            "gotham-inbox": "gotham_inbox.console:main",
            # The provider plugin other Pulumi languages use, found by the engine on PATH.
            "pulumi-resource-gotham": "gotham_inbox.providers.plugin:main",
        },
        "pytest11": {"gotham_inbox": "gotham_inbox.pytest_plugin"},
    }


def test_the_wheel_carries_the_repository_providers_code_as_gotham_inbox_providers(
    gotham_wheel: Wheel,
) -> None:
    shipped = {
        name.removeprefix("gotham_inbox/providers/"): gotham_wheel.read(name)
        for name in gotham_wheel.names
        if name.startswith("gotham_inbox/providers/")
    }
    in_repo = {path.name: path.read_bytes() for path in sorted(PROVIDERS.glob("*.py"))}
    assert shipped == in_repo


def test_the_wheel_carries_the_pack_files_of_policies_and_nothing_else_of_it(
    gotham_wheel: Wheel,
) -> None:
    shipped = {
        name.removeprefix("gotham_inbox/policy_pack/"): gotham_wheel.read(name)
        for name in gotham_wheel.names
        if name.startswith("gotham_inbox/policy_pack/")
    }
    # Never the venv or analyzer links, whatever this checkout has beside the pack's files.
    assert set(shipped) == set(PACK_FILES)
    assert shipped == {name: (POLICIES / name).read_bytes() for name in PACK_FILES}


def test_the_links_are_committed_as_links_to_the_real_folders() -> None:
    staged = subprocess.run(
        ["git", "ls-files", "-s", "gotham_inbox/providers", "gotham_inbox/policy_pack"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    modes = {line.split("\t")[1]: line.split()[0] for line in staged}
    assert modes == {"gotham_inbox/providers": "120000", "gotham_inbox/policy_pack": "120000"}
    assert (REPO / "gotham_inbox" / "providers").readlink() == Path("../providers")
    assert (REPO / "gotham_inbox" / "policy_pack").readlink() == Path("../policies")


def _imports_of(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append(node.module)
    return found


def test_nothing_in_the_repository_imports_a_top_level_providers() -> None:
    offenders = [
        f"{name}: {module}"
        for name in working_tree_files()
        if name.endswith(".py") and not (REPO / name).is_symlink()
        for module in _imports_of(REPO / name)
        if module == "providers" or module.startswith("providers.")
    ]
    assert offenders == []


def test_importing_the_folder_as_top_level_providers_says_which_path_to_use() -> None:
    # From the repository root the folder is importable as `providers`: refused, clearly.
    finished = subprocess.run(
        [sys.executable, "-c", "import providers"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert finished.returncode == 1
    assert "ImportError" in finished.stderr
    assert "gotham_inbox.providers" in finished.stderr
    assert "gotham-inbox migrate-state" in finished.stderr


def test_the_editable_install_imports_the_real_providers_folder() -> None:
    import gotham_inbox.providers
    import gotham_inbox.providers.provider

    package = Path(gotham_inbox.providers.__file__ or "")
    assert package.resolve().parent == PROVIDERS
    # The pickled reference the engine records in state.
    provider = gotham_inbox.providers.provider.InboxMessageProvider
    assert f"{provider.__module__}.{provider.__qualname__}" == (
        "gotham_inbox.providers.provider.InboxMessageProvider"
    )


def test_a_user_virtualenv_imports_gotham_inbox_providers_and_no_providers(
    user_venv: Venv,
) -> None:
    script = (
        "import importlib.util, json\n"
        "from gotham_inbox.providers import InboxMessage, InboxMessageBatch, ReleaseAnnouncement\n"
        "import gotham_inbox.providers.provider as p\n"
        "print(json.dumps({'providers': importlib.util.find_spec('providers') is not None,\n"
        "                  'policies': importlib.util.find_spec('policies') is not None,\n"
        "                  'file': p.__file__}))\n"
    )
    finished = user_venv.run("python", "-c", script, cwd=user_venv.root.parent)
    seen = json.loads(finished.stdout)
    assert seen["providers"] is False
    assert seen["policies"] is False
    assert Path(seen["file"]).is_relative_to(user_venv.root)
    help_text = user_venv.run("gotham-inbox", "--help").stdout
    for command in ("check", "policy-pack", "migrate-state"):
        assert command in help_text
    # The plugin is installed as the engine looks for it; run by hand, it says what it is.
    plugin = subprocess.run(
        [str(user_venv.root / "bin" / "pulumi-resource-gotham")],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert plugin.returncode == 2
    assert "started by the Pulumi engine" in plugin.stderr
