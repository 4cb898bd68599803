"""End to end: gotham-inbox used from a user's own Pulumi project, far from this checkout.

The project lives in a temporary folder with its own virtualenv (the wheel installed, nothing
from this checkout), its own program (a config file of its own infrastructure, two messages,
and a release announcement that waits for both) and its own stack config. Its policy pack is
the one ``gotham-inbox policy-pack`` lays out, installed from its own ``requirements.txt``.
Under the real CLI: ``gotham-inbox check``, a violation that ``pulumi preview`` with the pack
blocks (nothing sent), ``pulumi up`` to the emulator, a re-up that sends nothing, the state of
an old stack (``providers.provider`` pickled in it) which cannot be destroyed until
``gotham-inbox migrate-state`` rewrites it, and destroy.

The CLI built here runs a Python pack through the ``pulumi-analyzer-policy-python`` launcher
linked into the pack directory (see scripts/install-pulumi); with an official CLI a user
passes the pack directory itself.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from gotham_inbox.emulator.testing import RunningEmulator, running_emulator
from tests.distribution_support import Venv, Wheel, make_venv
from tests.e2e.e2e_support import (
    ENGINE_BIN,
    INBOX_TYPES,
    STACK,
    EmulatorRequest,
    PulumiProject,
    Run,
    Update,
    emulator_calls,
    sends,
    state_resources,
)

pytestmark = pytest.mark.e2e

GOLDEN = json.loads(
    (Path(__file__).parents[1] / "provider" / "golden" / "provider-references.json").read_text()
)
PROJECT = "user-infra"

PULUMI_YAML = f"""\
name: {PROJECT}
description: A platform team's own infrastructure, with gotham-inbox installed from a wheel.
runtime:
  name: python
  options:
    toolchain: pip
    virtualenv: venv
"""

# The team's own infrastructure: a config file written by a dynamic resource of its own.
INFRA_PY = '''\
"""A config file on this machine: the project's own infrastructure, no cloud needed."""

from pathlib import Path
from typing import Any

import pulumi
import pulumi.dynamic


class ConfigFileProvider(pulumi.dynamic.ResourceProvider):
    serialize_as_secret_always = False

    def create(self, props: dict[str, Any]) -> pulumi.dynamic.CreateResult:
        Path(props["path"]).write_text(props["text"])
        return pulumi.dynamic.CreateResult(props["path"], dict(props))

    def delete(self, _id: str, props: dict[str, Any]) -> None:
        Path(props["path"]).unlink(missing_ok=True)


class ConfigFile(pulumi.dynamic.Resource, module="infra", name="ConfigFile"):
    def __init__(self, name: str, path: str, text: str, opts: Any = None) -> None:
        super().__init__(ConfigFileProvider(), name, {"path": path, "text": text}, opts)
'''

MAIN_PY = """\
import pulumi

from gotham_inbox.providers import InboxMessage, ReleaseAnnouncement
from infra import ConfigFile

config = pulumi.Config()
version = config.require("version")

service_config = ConfigFile("service-config", path="service.conf", text=f"version={version}\\n")

heads_up = InboxMessage(
    "heads-up",
    message={
        "groupRecipients": [{"name": "platform-team"}],
        "sender": {"displayName": "Infra Bot"},
        "title": {"value": f"user-infra {version} rolls out today"},
        "security": {"portionMarkings": ["UNCLASSIFIED"]},
    },
)

announcement = ReleaseAnnouncement(
    "release",
    service="user-infra",
    version=version,
    changelog="- the service config file",
    recipients=["platform-team", "sre-oncall"],
    markings=["UNCLASSIFIED"],
    sender="Infra Bot",
    depends_on=[service_config, heads_up],
)

pulumi.export("announcementId", announcement.source_id)
"""

# A message valid for the provider's own checks, which only the policy pack can stop.
VIOLATION = """
InboxMessage(
    "too-secret",
    message={
        "groupRecipients": [{"name": "partner-ops"}],
        "sender": {"displayName": "Infra Bot"},
        "title": {"value": "this must never be sent"},
        "security": {"portionMarkings": ["SECRET"]},
    },
)
"""


@dataclass
class Journey:
    """What each step printed, sent and recorded."""

    venv: Venv
    pack_installed: dict[str, str]
    violating_check: Any
    violating_preview: Run
    violating_calls: list[EmulatorRequest]
    clean_check: Any
    up: Update
    up_calls: list[EmulatorRequest]
    stored_after_up: list[dict[str, Any]]
    reup: Update
    reup_calls: list[EmulatorRequest]
    old_up: Run
    old_up_calls: list[EmulatorRequest]
    old_destroy: Run
    migrate: Any
    migrated_state: dict[str, Any]
    destroy: Update
    destroy_calls: list[EmulatorRequest]
    state_after_destroy: dict[str, Any]
    config_file_after_destroy: bool
    transcript: list[Run]


def _check(venv: Venv, root: Path) -> Any:
    finished = venv.run(
        "gotham-inbox", "check", str(root), "--stack", STACK, "--format", "json",
        cwd=root, check=False,
    )  # fmt: skip
    assert finished.returncode in (0, 1), finished.stdout + finished.stderr
    return finished.returncode, json.loads(finished.stdout)


def _as_old_stack(exported: dict[str, Any]) -> dict[str, Any]:
    """The export as a stack deployed with the top-level ``providers`` package records it."""
    current = {value: name for name, value in GOLDEN["current"].items()}
    for resource in state_resources(exported):
        if resource["type"] not in INBOX_TYPES:
            continue
        for part in ("inputs", "outputs"):
            value = resource[part]["__provider"]
            resource[part]["__provider"] = GOLDEN["top-level providers"][current[value]]
    return exported


def run_journey(emulator: RunningEmulator, venv: Venv, wheel: Wheel, where: Path) -> Journey:
    root = venv.root.parent
    (root / "Pulumi.yaml").write_text(PULUMI_YAML)
    (root / "infra.py").write_text(INFRA_PY)
    (root / "__main__.py").write_text(MAIN_PY + VIOLATION)
    state, home = where / "state", where / "pulumi-home"
    state.mkdir()
    home.mkdir()
    project = PulumiProject(root, state, home)

    # The pack, as the user lays it out in their project and installs it.
    venv.run("gotham-inbox", "policy-pack", "policy", cwd=root)
    pack_venv = make_venv(root / "policy" / "venv", find_links=wheel.path.parent)
    pack_venv.run(
        "python", "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
        "--find-links", str(wheel.path.parent), "-r", str(root / "policy" / "requirements.txt"),
    )  # fmt: skip
    (root / "policy" / "analyzer").symlink_to(ENGINE_BIN / "pulumi-analyzer-policy-python")
    venv.run(
        "gotham-inbox", "policy-config", "--caller", "release-bot",
        "--output", "policy-config.json", cwd=root,
    )  # fmt: skip
    policy = ("--policy-pack", "policy/analyzer", "--policy-pack-config", "policy-config.json")

    project.run("stack", "init", STACK).ok()
    for key, value in (("gotham:hostname", emulator.base_url), ("version", "2.0.0")):
        project.run("config", "set", "--stack", STACK, key, value).ok()
    project.run("config", "set", "--stack", STACK, "gotham:realm", "palantir-internal-realm").ok()
    token = emulator.token_for("release-bot")
    project.run("config", "set", "--stack", STACK, "--secret", "gotham:token", token).ok()

    violating_check = _check(venv, root)
    with emulator_calls() as violating_calls:
        violating_preview = project.run("preview", "--stack", STACK, *policy)

    (root / "__main__.py").write_text(MAIN_PY)
    clean_check = _check(venv, root)
    with emulator_calls() as up_calls:
        up = Update.of(project.run("up", "--yes", "--json", "--stack", STACK, *policy))
    stored_after_up = emulator.messages()
    with emulator_calls() as reup_calls:
        reup = Update.of(
            project.run("up", "--yes", "--json", "--expect-no-changes", "--stack", STACK, *policy)
        )

    # The state of a stack deployed when gotham-inbox installed a top-level `providers`.
    old = _as_old_stack(project.export())
    (where / "old.json").write_text(json.dumps(old))
    project.run("stack", "import", "--stack", STACK, "--file", str(where / "old.json")).ok()
    with emulator_calls() as old_up_calls:
        old_up = project.run("up", "--yes", "--expect-no-changes", "--stack", STACK, *policy)
    old_destroy = project.run("destroy", "--yes", "--stack", STACK)

    # The documented fix: export, migrate, import.
    project.run("stack", "export", "--stack", STACK, "--file", str(where / "state.json")).ok()
    migrated = venv.run(
        "gotham-inbox", "migrate-state", str(where / "state.json"),
        "--output", str(where / "migrated.json"), check=False,
    )  # fmt: skip
    project.run("stack", "import", "--stack", STACK, "--file", str(where / "migrated.json")).ok()
    migrated_state = project.export()
    with emulator_calls() as destroy_calls:
        destroy = Update.of(project.run("destroy", "--yes", "--json", "--stack", STACK))
    return Journey(
        venv=venv,
        pack_installed=pack_venv.installed(),
        violating_check=violating_check,
        violating_preview=violating_preview,
        violating_calls=violating_calls,
        clean_check=clean_check,
        up=up,
        up_calls=up_calls,
        stored_after_up=stored_after_up,
        reup=reup,
        reup_calls=reup_calls,
        old_up=old_up,
        old_up_calls=old_up_calls,
        old_destroy=old_destroy,
        migrate=migrated,
        migrated_state=migrated_state,
        destroy=destroy,
        destroy_calls=destroy_calls,
        state_after_destroy=project.export(),
        config_file_after_destroy=(root / "service.conf").exists(),
        transcript=project.transcript,
    )


@pytest.fixture(scope="module")
def journey(
    pulumi_engine: None,
    user_venv: Venv,
    gotham_wheel: Wheel,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Journey]:
    """The whole journey, once for this module."""
    with running_emulator() as emulator:
        yield run_journey(emulator, user_venv, gotham_wheel, tmp_path_factory.mktemp("journey"))


def test_check_and_preview_block_the_violation_and_nothing_is_sent(journey: Journey) -> None:
    code, report = journey.violating_check
    assert code == 1
    mandatory = [v for v in report["violations"] if v["level"] == "mandatory"]
    assert {v["resource"] for v in mandatory} == {"too-secret"}
    preview = journey.violating_preview
    assert preview.returncode != 0, preview.describe()
    assert "too-secret" in preview.output
    assert "not cleared for marking 'SECRET'" in preview.output, preview.describe()
    assert journey.violating_calls == []


def test_the_clean_project_checks_clean(journey: Journey) -> None:
    code, report = journey.clean_check
    assert (code, report["violations"]) == (0, [])
    assert report["resources"] == 2  # the message and the announcement's message


def test_up_sends_each_message_once_with_the_travelled_pack(journey: Journey) -> None:
    up = journey.up
    assert up.summary["result"] == "succeeded", up.run.describe()
    assert any(pack.startswith("gotham-inbox|") for pack in up.summary["PolicyPacks"])
    titles = sorted(record["message"]["title"]["value"] for record in journey.stored_after_up)
    assert len(titles) == 2 and "user-infra 2.0.0 rolls out today" in titles
    assert len(sends(journey.up_calls)) == 2
    # The pack ran in its own virtualenv, from the wheel: not this checkout's editable install.
    assert journey.pack_installed["gotham-inbox"] == journey.venv.installed()["gotham-inbox"]


def test_re_up_sends_nothing(journey: Journey) -> None:
    journey.reup.run.ok()
    assert journey.reup.summary["result"] == "succeeded"
    assert journey.reup_calls == []


def test_an_old_stack_updates_without_sending_but_cannot_be_destroyed_until_migrated(
    journey: Journey,
) -> None:
    # Check and Diff use the program's (new) __provider: the update works and sends nothing.
    journey.old_up.ok()
    assert journey.old_up_calls == []
    # Delete uses the recorded one: the provider host cannot import `providers`.
    assert journey.old_destroy.returncode != 0
    assert "No module named 'providers'" in journey.old_destroy.output, (
        journey.old_destroy.describe()
    )

    assert journey.migrate.returncode == 0, journey.migrate.stderr
    # The update above already recorded the program's value as each resource's input; the
    # outputs (what Delete and Read get) still held the old one: two resources, two values.
    rewritten = [line.strip() for line in journey.migrate.stderr.splitlines()[1:-1]]
    assert "rewrote 2 __provider value(s)" in journey.migrate.stderr
    assert sorted(line.rsplit(" ", 1)[1] for line in rewritten) == ["outputs", "outputs"]
    recorded = {
        resource["outputs"]["__provider"]
        for resource in state_resources(journey.migrated_state)
        if resource["type"] in INBOX_TYPES
    }
    assert recorded <= set(GOLDEN["current"].values())


def test_destroy_after_migration_removes_everything_and_sends_nothing(journey: Journey) -> None:
    destroy = journey.destroy
    assert destroy.summary["result"] == "succeeded", destroy.run.describe()
    assert journey.destroy_calls == []
    assert state_resources(journey.state_after_destroy) == []
    assert not journey.config_file_after_destroy
