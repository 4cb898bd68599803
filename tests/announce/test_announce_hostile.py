"""Hostile summaries: whatever JSON a summary file holds, announce exits 0 or 2, never 70."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gotham_inbox.announce.summary import (
    MAX_ITEMS,
    SummaryBuilder,
    read_summary,
)
from gotham_inbox.cli import exit_codes
from gotham_inbox.verdicts import PolicyChecker
from tests.announce.announce_support import (
    DATABASE_URN,
    AnnounceProject,
    announce,
)

HUGE = "\x00huge\x00"
"""Stands for an integer of 5,000 digits in a generated document (json cannot write one)."""
HUGE_DIGITS = "9" * 5000


def dumped(document: Any) -> str:
    """``document`` as JSON, a lone surrogate escaped (``\\ud800``), :data:`HUGE` as digits."""
    return json.dumps(document).replace(json.dumps(HUGE), HUGE_DIGITS)


def dry_run(capsys: pytest.CaptureFixture[str], project: AnnounceProject, text: str) -> Any:
    path = project.write("summary.json", text)
    return announce(
        capsys, project, "--event", "failed", "--run-id", "1", "--summary", str(path), "--dry-run"
    )


@pytest.mark.parametrize(
    ("document", "shown"),
    [
        ({"diagnosticEvent": {"message": "lone \ud800 surrogate", "severity": "error"}}, "lone"),
        ({"summaryEvent": {"durationSeconds": 10**400, "resourceChanges": {}}}, None),
        ({"summaryEvent": {"durationSeconds": 1, "resourceChanges": {"create": 10**400}}}, None),
        ({"steps": [], "duration": 10**400}, None),
    ],
)
def test_a_lone_surrogate_or_an_astronomic_number_is_read_not_a_crash(
    capsys: pytest.CaptureFixture[str],
    project: AnnounceProject,
    document: dict[str, Any],
    shown: str | None,
) -> None:
    done = dry_run(capsys, project, dumped(document))
    assert done.code == exit_codes.OK, done.err
    assert "e+" not in done.out and "inf" not in done.out
    if shown is not None:
        assert f"{shown} \ufffd surrogate" in done.out


def test_an_integer_of_thousands_of_digits_is_bad_input(
    capsys: pytest.CaptureFixture[str], project: AnnounceProject
) -> None:
    done = dry_run(capsys, project, dumped({"summaryEvent": {"durationSeconds": HUGE}}))
    assert done.code == exit_codes.BAD_INPUT, done.err
    assert "document 1 holds a number thousands of digits long" in done.err


def test_errors_of_resources_past_the_bound_are_counted_as_not_listed(tmp_path: Path) -> None:
    # A preview's digest names failures by their diagnostics only.
    diagnostics = [
        {"severity": "error", "message": f"boom {index}", "urn": f"{DATABASE_URN}{index}"}
        for index in range(MAX_ITEMS * 5)
    ]
    path = tmp_path / "preview.json"
    path.write_text(json.dumps({"steps": [], "diagnostics": diagnostics}), "utf-8")
    summary = read_summary(path)
    assert len(summary.failed) == MAX_ITEMS
    assert len(summary.failed) + summary.left_out == MAX_ITEMS * 5


def test_a_resource_past_the_bound_that_also_fails_is_counted_once() -> None:
    builder = SummaryBuilder()
    for index in range(MAX_ITEMS * 4 + 3):
        builder.diagnostic("error", "boom", f"urn:{index}")
        builder.diagnostic("error", "boom again", f"urn:{index}")
        builder.resource_failed(f"urn:{index}", "t", "create")
    summary = builder.finish()
    assert len(summary.failed) + summary.left_out == MAX_ITEMS * 4 + 3


_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.sampled_from([10**400, -(10**400), HUGE, 2**63, 1e308]),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=20),
    st.sampled_from(["error", "warning", "create", DATABASE_URN, "\ud800", "\udfff x"]),
)
_KEYS = st.sampled_from(
    [
        "diagnosticEvent",
        "resOpFailedEvent",
        "policyEvent",
        "summaryEvent",
        "steps",
        "changeSummary",
        "duration",
        "diagnostics",
        "metadata",
        "urn",
        "type",
        "op",
        "message",
        "severity",
        "policyName",
        "enforcementLevel",
        "resourceUrn",
        "durationSeconds",
        "resourceChanges",
        "create",
    ]
) | st.text(max_size=5)
_VALUES = st.recursive(
    _SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_KEYS, inner, max_size=5),
    max_leaves=25,
)


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(documents=st.lists(st.dictionaries(_KEYS, _VALUES, max_size=5), min_size=1, max_size=4))
def test_any_json_summary_is_announced_or_refused_never_an_internal_error(
    capsys: pytest.CaptureFixture[str], project: AnnounceProject, documents: list[Any]
) -> None:
    text = "\n".join(dumped(document) for document in documents) + "\n"
    done = dry_run(capsys, project, text)
    assert done.code in (exit_codes.OK, exit_codes.BAD_INPUT), done.err


def test_the_pack_measures_a_body_holding_a_lone_surrogate_instead_of_crashing() -> None:
    # A program's message (or an announcement read elsewhere) may hold one: JSON escapes it.
    message = {
        "groupRecipients": [{"name": "platform-team"}],
        "sender": {"displayName": "release-bot"},
        "title": {"value": "hello"},
        "body": {"value": "\ud800" * 30_000},
        "security": {"portionMarkings": ["UNCLASSIFIED"]},
    }
    verdict = PolicyChecker.for_directory(None, "release-bot").check_message(message)
    assert any("the body is 90000 bytes" in line for line in verdict.lines()), verdict.lines()
