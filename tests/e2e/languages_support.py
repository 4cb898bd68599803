"""Programs in other Pulumi languages, deployed through the gotham plugin under the real CLI.

The language hosts come from ``scripts/install-language-hosts`` (``.pulumi-hosts/bin``, and
the TypeScript program's npm packages in ``.pulumi-hosts/nodejs``); the plugin is the
``pulumi-resource-gotham`` console script of the repository's virtualenv, found by the engine
on PATH as after ``pip install gotham-inbox`` in an activated virtualenv.
"""

from __future__ import annotations

import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from tests.e2e.e2e_support import (
    REPO,
    STACK,
    EmulatorRequest,
    PulumiProject,
    Run,
    skip_or_fail,
)

HOSTS_BIN = Path(os.environ.get("LANGUAGE_HOSTS_DIR", REPO / ".pulumi-hosts" / "bin"))
PLUGIN_BIN = Path(sys.executable).parent
NODE_MODULES = HOSTS_BIN.parent / "nodejs" / "node_modules"
TYPESCRIPT_PROGRAM = Path(__file__).parent / "typescript"
NODEJS_SDK = REPO / "sdk" / "nodejs"
"""The typed Node.js SDK scripts/gen-sdks/run generates from the plugin's schema."""
PLUGIN_MESSAGE_TYPE = "gotham:index:InboxMessage"
PLUGIN_BATCH_TYPE = "gotham:index:InboxMessageBatch"


@dataclass
class Step:
    """One command: how it ended, the requests it made to Gotham, the state after it."""

    run: Run
    requests: list[EmulatorRequest]
    stored: list[dict[str, Any]]
    outputs: dict[str, Any]


def require_host(name: str) -> None:
    """Skip (fail under CI) when language host ``pulumi-language-NAME`` is not built, or, for
    Node.js, the TypeScript program's packages are not installed."""
    host = HOSTS_BIN / f"pulumi-language-{name}"
    missing = None if os.access(host, os.X_OK) else host
    if name == "nodejs" and not (NODE_MODULES / "@pulumi" / "pulumi").is_dir():
        missing = NODE_MODULES / "@pulumi" / "pulumi"
    if missing is None:
        return
    message = (
        f"{missing} is missing; build it with scripts/install-language-hosts (needs Go, "
        "and npm for TypeScript)"
    )
    skip_or_fail(message)


class LanguageProject(PulumiProject):
    """A project of another language, its hosts and the plugin on the CLI's PATH."""

    def env(self) -> dict[str, str]:
        """The engine's environment, with the language hosts and the plugin found on PATH."""
        env = super().env()
        env["PATH"] = os.pathsep.join([str(HOSTS_BIN), str(PLUGIN_BIN), env["PATH"]])
        return env

    @classmethod
    def yaml_program(cls, where: Path, resources: dict[str, Any]) -> LanguageProject:
        """A YAML project declaring ``resources`` (its ``outputs``: every resource's id)."""
        root, state, home = where / "project", where / "state", where / "pulumi-home"
        for folder in (root, state, home):
            folder.mkdir(parents=True)
        project = cls(root, state, home)
        project.write_yaml(resources)
        return project

    @classmethod
    def typescript_program(cls, where: Path) -> LanguageProject:
        """A copy of the TypeScript program (tests/e2e/typescript) with the generated SDK as
        ``./gotham``, its npm packages linked."""
        root, state, home = where / "project", where / "state", where / "pulumi-home"
        shutil.copytree(TYPESCRIPT_PROGRAM, root)
        shutil.copytree(NODEJS_SDK, root / "gotham")
        (root / "node_modules").symlink_to(NODE_MODULES, target_is_directory=True)
        for folder in (state, home):
            folder.mkdir(parents=True)
        return cls(root, state, home)

    def write_yaml(self, resources: dict[str, Any]) -> None:
        """Replace the YAML program's resources."""
        program = {
            "name": "inbox-yaml",
            "runtime": "yaml",
            "resources": resources,
            "outputs": {name: f"${{{name}.id}}" for name in resources},
        }
        (self.root / "Pulumi.yaml").write_text(yaml.safe_dump(program, sort_keys=False), "utf-8")

    def init_stack(self, hostname: str, token: str) -> None:
        """Create the stack: the emulator, its token as a secret, the caller's realm."""
        self.run("stack", "init", STACK).ok()
        self.run("config", "set", "gotham:hostname", hostname).ok()
        self.run("config", "set", "gotham:realm", "palantir-internal-realm").ok()
        self.run("config", "set", "--secret", "gotham:token", token).ok()

    def outputs(self) -> dict[str, Any]:
        """The state's gotham resources' outputs, by resource name."""
        found = {}
        for resource in self.export()["deployment"].get("resources") or []:
            if resource["type"] in (PLUGIN_MESSAGE_TYPE, PLUGIN_BATCH_TYPE):
                found[resource["urn"].rsplit("::", 1)[-1]] = resource["outputs"]
        return found
