"""docs/policy-pack.md documents what the code does: every policy's section, the JSON format."""

from __future__ import annotations

import json
import re
from pathlib import Path

from gotham_inbox.check.report import JSON_REPORT_VERSION, CheckReport, render_json
from gotham_inbox.policy import POLICIES, evaluate, resolve_pack_config
from tests.policies.builders import REPO, message, single

DOC = (REPO / "docs" / "policy-pack.md").read_text(encoding="utf-8")


def test_every_policy_url_points_at_a_section_of_the_docs() -> None:
    for spec in POLICIES:
        # GitHub's anchor of "### inbox-markings" is #inbox-markings, the end of spec.url.
        assert f"\n### {spec.name}\n" in DOC, spec.name
        assert spec.url.endswith(f"docs/policy-pack.md#{spec.name}")
        # The section opens with what the pack declares: display name, level, severity.
        section = DOC.split(f"\n### {spec.name}\n", 1)[1].lstrip("\n")
        declared = f"*{spec.display_name}* · {spec.default_level.value} · severity "
        assert section.startswith(declared + f"{spec.severity.value}"), (spec.name, section[:120])


def test_every_field_of_the_json_report_is_documented_with_its_version() -> None:
    resource = single("no-sender", message(sender=None))
    report = CheckReport(
        project="p",
        stack="dev",
        directory=Path("."),
        program=Path("__main__.py"),
        policy_config=None,
        resources=[resource],
        resource_count=1,
        violations=evaluate([resource], resolve_pack_config(None)),
    )
    document = json.loads(render_json(report))
    table = DOC[DOC.index("## `--format json`") : DOC.index("## `--format sarif`")]
    spans = re.findall(r"`([^`]+)`", table)
    documented = {word for span in spans for word in re.findall(r"[A-Za-z]+", span)}
    assert set(document) <= documented
    assert set(document["violations"][0]) <= documented
    assert f'"version": {JSON_REPORT_VERSION}' in table
