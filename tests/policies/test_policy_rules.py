"""Each rule, positive and negative, through the pure functions and through the real pack.

The cases live in ``tests/policies/cases/``, one module per policy. ``evaluate`` is what
``gotham-inbox check`` runs; the analyzer is ``policies/__main__.py`` started as Pulumi starts
it and driven over gRPC with Configure (resolved as the Pulumi CLI resolves it), Analyze and
AnalyzeStack (``tests/policies/harness.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import pytest

from tests.policies.cases import CASES, Case, assert_expectations
from tests.policies.harness import Analyzer, reported_by_evaluate


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_rule_through_pure_functions(case: Case) -> None:
    assert_expectations(case, reported_by_evaluate(case))


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_rule_through_the_analyzer(case: Case, analyzer_for: Callable[..., Analyzer]) -> None:
    analyzer = analyzer_for(case.stack, case.stack_config)
    assert_expectations(case, analyzer.report(case.resources, case.settings()))


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_check_and_analyzer_report_the_same_violations(
    case: Case, analyzer_for: Callable[..., Analyzer]
) -> None:
    analyzer = analyzer_for(case.stack, case.stack_config)
    from_pack = analyzer.report(case.resources, case.settings())
    assert sorted(reported_by_evaluate(case)) == sorted(from_pack)


def test_credential_findings_never_quote_the_credential(
    analyzer_for: Callable[..., Analyzer],
) -> None:
    case = next(case for case in CASES if case.id == "credential-in-body")
    texts = [item.text for item in reported_by_evaluate(case)]
    texts += [item.text for item in analyzer_for().report(case.resources, case.settings())]
    assert any("looks like it contains a credential" in text for text in texts)
    for text in texts:
        assert "hunter2" not in text
        assert "AKIAABCDEFGHIJKLMNOP" not in text


def test_what_could_not_be_judged_names_the_same_resource_in_any_order() -> None:
    # The engine hands AnalyzeStack the resources in an order of its own: check and the pack
    # must still name the same resource, or their findings differ.
    case = next(
        case
        for case in CASES
        if case.id == "no-directory-in-the-config-is-a-finding-at-each-policys-level"
    )
    forwards = reported_by_evaluate(case)
    backwards = reported_by_evaluate(replace(case, resources=list(reversed(case.resources))))
    assert sorted(forwards) == sorted(backwards)
    assert {item.urn for item in forwards if item.policy == "inbox-markings"} == {
        min(resource.urn for resource in case.resources)
    }
