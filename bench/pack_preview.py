"""7. The pack's cost to a real preview, and ``check`` against a preview with the pack.

Under the Pulumi CLI that ``scripts/install-pulumi`` builds, on two stacks (the example stack,
and a copy of it whose program declares 1,000 ``InboxMessage`` resources), side by side and
alternating: ``pulumi preview`` without the pack, ``pulumi preview --policy-pack`` (the pack
started as the e2e tests start it, ``policies/analyzer``), and ``gotham-inbox check`` (end to
end, as a user runs it). The copies and the CLI driving are the e2e tests' own
(``tests/e2e/e2e_support.py``): a local file backend, no network, nothing sent.
"""

from __future__ import annotations

import functools
import json
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from bench import workload
from bench.report import Section, Target
from bench.timing import side_by_side
from tests.e2e.e2e_support import (
    GOTHAM_INBOX,
    POLICY_CONFIG,
    POLICY_PACK,
    STACK,
    PulumiProject,
    engine_problem,
)

NAME = "pack-preview"
MESSAGES = 1_000
MAX_PACK_OVERHEAD = 0.15
MIN_CHECK_SPEEDUP = 3.0
UNREACHABLE = "http://127.0.0.1:9"

MANY_PROGRAM = """\
import json
from pathlib import Path

from gotham_inbox.providers import InboxMessage

for index, message in enumerate(json.loads(Path("messages.json").read_text())):
    InboxMessage(f"notice-{index}", message=message)
"""


def _project(where: Path, messages: list[dict[str, Any]] | None) -> Any:
    project = PulumiProject.copy_example(where)
    if messages is not None:
        (project.root / "__main__.py").write_text(MANY_PROGRAM, encoding="utf-8")
        (project.root / "messages.json").write_text(json.dumps(messages), encoding="utf-8")
        (project.root / POLICY_CONFIG).write_text(
            json.dumps(workload.policy_config()), encoding="utf-8"
        )
    project.init_dev_stack(UNREACHABLE)
    return project


def _preview(project: Any, pack: tuple[str, ...], _prepared: object = None) -> None:
    run = project.run("preview", "--stack", STACK, *pack)
    if run.returncode != 0:
        raise RuntimeError(f"the bench preview failed:\n{run.describe()[-3000:]}")


def _check(project: Any, _prepared: object = None) -> None:
    completed = subprocess.run(
        [str(GOTHAM_INBOX), "check", str(project.root), "--stack", STACK, "--format", "json"],
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"check exited {completed.returncode}: {completed.stderr[-2000:]}")


def run(quick: bool = False) -> Section:
    """Run benchmark 7."""
    started = time.perf_counter()
    repeats = 1 if quick else 3
    section = Section(
        7,
        "The pack under `pulumi preview`, and `check` against it",
        "Two stacks: the example stack (5 messages in 4 inbox resources, a component, a local "
        f"resource) and a copy whose program declares {MESSAGES:,} `InboxMessage` resources "
        "(policy config generated from the example directory; every message clean). On each, "
        "`pulumi preview` without a pack, `pulumi preview --policy-pack policies/analyzer "
        "--policy-pack-config ...`, and `gotham-inbox check --format json` (end to end) run "
        f"alternately, {repeats} runs each after a warm-up; medians. *Pack overhead* is "
        "(with pack - without) / without; *check speed-up* is preview-with-pack / check.",
        (
            "stack",
            "preview s",
            "preview + pack s",
            "check s",
            "pack overhead",
            "check speed-up",
            "runs (preview / + pack / check) s",
        ),
    )
    problem = engine_problem()
    if problem is not None:
        section.notes.append(f"Not run: the Pulumi CLI is not installed ({problem}).")
        return section
    pack = ("--policy-pack", str(POLICY_PACK), "--policy-pack-config", POLICY_CONFIG)
    overheads: dict[str, float] = {}
    speedups: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="gotham-inbox-bench-pack-") as scratch:
        stacks = {
            "example stack": _project(Path(scratch, "example"), None),
            f"{MESSAGES:,} InboxMessage": _project(
                Path(scratch, "many"), workload.messages(MESSAGES, seed=7, source_ids=False)
            ),
        }
        for label, project in stacks.items():
            samples = side_by_side(
                {
                    "preview": functools.partial(_preview, project, ()),
                    "preview + pack": functools.partial(_preview, project, pack),
                    "check": functools.partial(_check, project),
                },
                repeats,
                warmup=1,
            )
            bare = samples["preview"].median
            with_pack = samples["preview + pack"].median
            check = samples["check"].median
            overheads[label] = (with_pack - bare) / bare
            speedups[label] = with_pack / check
            section.rows.append(
                (
                    label,
                    f"{bare:.2f}",
                    f"{with_pack:.2f}",
                    f"{check:.2f}",
                    f"{overheads[label]:+.0%}",
                    f"{speedups[label]:.1f}x",
                    " / ".join(samples[name].spread for name in samples),
                )
            )
    many = f"{MESSAGES:,} InboxMessage"
    section.targets.append(
        Target(
            f"the pack adds at most {MAX_PACK_OVERHEAD:.0%} to a preview of {MESSAGES:,} messages",
            f"{overheads[many]:+.0%}",
            overheads[many] <= MAX_PACK_OVERHEAD,
        )
    )
    slowest = min(speedups, key=lambda label: speedups[label])
    section.targets.append(
        Target(
            f"`check` at least {MIN_CHECK_SPEEDUP:g}x faster than a preview with the pack at "
            "every size",
            f"{speedups[slowest]:.1f}x at the least ({slowest})",
            speedups[slowest] >= MIN_CHECK_SPEEDUP,
        )
    )
    section.seconds = time.perf_counter() - started
    return section
