"""9. The gotham plugin against the dynamic provider, under the real CLI.

Two copies of the example project whose Python program declares the same 200 messages, one
resource each: through the dynamic provider (``InboxMessage``: a pickled provider per resource,
the dynamic-provider host) and through the plugin (``pulumi.CustomResource`` of
``gotham:index:InboxMessage``: one long-lived ``pulumi-resource-gotham``). Same language host,
same engine, same served emulator: only the provider differs. Side by side and alternating:
``pulumi up`` from an empty stack (200 sends; the stack destroyed and the emulator cleared
before each run, untimed), then ``pulumi preview`` of the deployed stack (nothing to do).
"""

from __future__ import annotations

import functools
import json
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from bench import workload
from bench.report import Section, Target
from bench.served import ADMIN_HEADERS, served_emulator
from bench.timing import side_by_side
from tests.e2e.e2e_support import STACK, PulumiProject, engine_problem
from tests.e2e.languages_support import LanguageProject

NAME = "plugin-provider"
MESSAGES = 200

DYNAMIC_PROGRAM = """\
import json
from pathlib import Path

from gotham_inbox.providers import InboxMessage

for index, message in enumerate(json.loads(Path("messages.json").read_text())):
    InboxMessage(f"notice-{index}", message=message)
"""

PLUGIN_PROGRAM = """\
import json
from pathlib import Path

import pulumi

for index, message in enumerate(json.loads(Path("messages.json").read_text())):
    pulumi.CustomResource("gotham:index:InboxMessage", f"notice-{index}", {"message": message})
"""


def _project(where: Path, program: str, messages: list[dict[str, Any]], url: str) -> Any:
    project = LanguageProject.copy_example(where)
    (project.root / "__main__.py").write_text(program, encoding="utf-8")
    (project.root / "messages.json").write_text(json.dumps(messages), encoding="utf-8")
    project.init_dev_stack(url)
    return project


def _checked(project: Any, *args: str) -> None:
    run = project.run(*args, "--stack", STACK)
    if run.returncode != 0:
        raise RuntimeError(f"the bench command failed:\n{run.describe()[-3000:]}")


def _emptied(project: PulumiProject, url: str) -> None:
    _checked(project, "destroy", "--yes")
    httpx.delete(f"{url}/emulator/messages", headers=ADMIN_HEADERS, timeout=30).raise_for_status()


def run(quick: bool = False) -> Section:
    """Run benchmark 9."""
    started = time.perf_counter()
    repeats = 1 if quick else 3
    section = Section(
        9,
        "The gotham plugin against the dynamic provider",
        f"The same {MESSAGES} messages (one resource each) through the dynamic provider and "
        "through the plugin, from the same Python program shape, under the same CLI and "
        "emulator: `pulumi up` from an empty stack (200 sends), then `pulumi preview` of the "
        f"deployed stack; alternating, {repeats} runs each after a warm-up; medians. "
        "*Ratio* is plugin / dynamic (below 1: the plugin is faster).",
        ("command", "dynamic s", "plugin s", "ratio", "runs (dynamic / plugin) s"),
    )
    problem = engine_problem()
    if problem is not None:
        section.notes.append(f"Not run: the Pulumi CLI is not installed ({problem}).")
        return section
    messages = workload.messages(MESSAGES, seed=9, source_ids=False)
    ratios: dict[str, float] = {}
    with (
        tempfile.TemporaryDirectory(prefix="gotham-inbox-bench-plugin-") as scratch,
        served_emulator() as url,
    ):
        projects = {
            "dynamic": _project(Path(scratch, "dynamic"), DYNAMIC_PROGRAM, messages, url),
            "plugin": _project(Path(scratch, "plugin"), PLUGIN_PROGRAM, messages, url),
        }
        ups = side_by_side(
            {
                name: functools.partial(lambda project, _: _checked(project, "up", "--yes"), p)
                for name, p in projects.items()
            },
            repeats,
            setups={
                name: functools.partial(_emptied, project, url)
                for name, project in projects.items()
            },
        )
        previews = side_by_side(
            {
                name: functools.partial(lambda project, _: _checked(project, "preview"), p)
                for name, p in projects.items()
            },
            repeats,
        )
        for command, samples in (("up", ups), ("preview", previews)):
            dynamic, plugin = samples["dynamic"].median, samples["plugin"].median
            ratios[command] = plugin / dynamic
            section.rows.append(
                (
                    f"`pulumi {command}`, {MESSAGES} messages",
                    f"{dynamic:.2f}",
                    f"{plugin:.2f}",
                    f"{ratios[command]:.2f}",
                    f"{samples['dynamic'].spread} / {samples['plugin'].spread}",
                )
            )
    for command, ratio in ratios.items():
        section.targets.append(
            Target(
                f"the plugin no slower than the dynamic provider (`{command}`)",
                f"{ratio:.2f}",
                ratio <= 1.0,
            )
        )
    section.seconds = time.perf_counter() - started
    return section
