"""8. ``gotham-inbox check --explore``: examples per second.

The search as ``check --explore`` runs it (:func:`gotham_inbox.explore.search.explore`: one worker
process running the program under mocks per example, the pack's policies on each run,
hypothesis generating from the JSON Schemas), on the example stack with its shipped
``gotham-inbox-explore.yaml``, and on a generated stack whose program declares 100 messages
whose titles and bodies are built from the explored config. No database, a fixed seed; the
budget is a number of examples. Examples per second counts program runs (repeats hypothesis
draws are not run twice), the worker's start-up included.
"""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path

import yaml

from bench import workload
from bench.report import Section, Target
from gotham_inbox.check.project import load_policy_config, load_project
from gotham_inbox.explore.domains import declared_keys
from gotham_inbox.explore.schema_file import default_explore_file, load_explore_schemas
from gotham_inbox.explore.search import Budget, ExploreResult, explore

NAME = "explore"
REPO = Path(__file__).resolve().parents[1]
TARGET_RATE = 20.0
MESSAGES = 100

HUNDRED_PROGRAM = """\
import pulumi

from gotham_inbox.providers import InboxMessageBatch

config = pulumi.Config()
version = config.require("version")
changelog = config.get("changelog") or ""
InboxMessageBatch(
    "notices",
    messages=[
        {
            "groupRecipients": [{"name": "platform-team"}],
            "sender": {"displayName": "Release Bot"},
            "title": {"value": f"notice {index} for {version}"},
            "body": {"value": f"{changelog}", "formatStyle": "MARKDOWN"},
            "security": {"portionMarkings": ["UNCLASSIFIED"]},
        }
        for index in range(100)
    ],
)
"""


def write_hundred(root: Path) -> Path:
    """A project of one batch of 100 messages built from ``version`` and ``changelog``."""
    root.mkdir(parents=True)
    project = {
        "name": workload.PROJECT,
        "runtime": {"name": "python"},
        "config": {
            "version": {"type": "string"},
            "changelog": {"type": "string", "default": ""},
        },
    }
    (root / "Pulumi.yaml").write_text(yaml.safe_dump(project), encoding="utf-8")
    stack = {
        "config": {
            "gotham:realm": workload.REALM,
            f"{workload.PROJECT}:version": "1.0.0",
            f"{workload.PROJECT}:changelog": "- notes",
        }
    }
    (root / f"Pulumi.{workload.STACK}.yaml").write_text(yaml.safe_dump(stack), encoding="utf-8")
    (root / f"policy-config.{workload.STACK}.json").write_text(
        json.dumps(workload.policy_config()), encoding="utf-8"
    )
    schema = (REPO / "gotham-inbox-explore.yaml").read_text(encoding="utf-8")
    explore_file = yaml.safe_load(schema)
    explore_file["config"].pop("service")
    (root / "gotham-inbox-explore.yaml").write_text(yaml.safe_dump(explore_file), "utf-8")
    (root / "__main__.py").write_text(HUNDRED_PROGRAM, encoding="utf-8")
    return root


def explore_project(directory: Path, examples: int) -> ExploreResult:
    """``check --explore`` on ``directory`` (its explore file, policy config, seed 0)."""
    project = load_project(directory)
    keys = declared_keys(project)
    schemas = load_explore_schemas(default_explore_file(directory), keys, project.project)
    _, policy = load_policy_config(project)
    budget = Budget(max_examples=examples, max_seconds=600.0, seed=0, database=None)
    return explore(project, keys, schemas, policy, budget)


def run(quick: bool = False) -> Section:
    """Run benchmark 8."""
    started = time.perf_counter()
    examples = 60 if quick else 200
    section = Section(
        8,
        "`gotham-inbox check --explore`: examples per second",
        f"`explore()` as `check --explore` calls it, budget {examples} examples, seed 0, no "
        "database: the example stack (the repository root, with its shipped "
        "`gotham-inbox-explore.yaml`), and a generated stack of one `InboxMessageBatch` of "
        f"{MESSAGES} messages built from the explored `version` and `changelog`. One worker "
        "process runs the program per example; its start-up is included.",
        ("stack", "examples run", "seconds", "examples/s", "found"),
    )
    rates: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="gotham-inbox-bench-explore-") as scratch:
        stacks = {
            "example stack": REPO,
            f"{MESSAGES} messages": write_hundred(Path(scratch, "hundred")),
        }
        for label, directory in stacks.items():
            result = explore_project(directory, examples)
            rates[label] = result.rate
            found = "nothing" if result.counterexample is None else "a counterexample"
            section.rows.append(
                (label, str(result.examples), f"{result.seconds:.1f}", f"{result.rate:.1f}", found)
            )
    section.targets.append(
        Target(
            f"at least {TARGET_RATE:g} examples/s on the example stack",
            f"{rates['example stack']:.1f} examples/s",
            rates["example stack"] >= TARGET_RATE,
        )
    )
    section.seconds = time.perf_counter() - started
    return section
