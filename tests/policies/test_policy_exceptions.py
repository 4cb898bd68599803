"""Pulumi's version-2 policy config: its policies, and exceptions matched as the engine does.

The matching rules follow the Pulumi CLI v3.274.1 (``pkg/resource/analyzer/exceptions.go``):
an exception exempts a violation of one of its policies on one of its target URNs (exact), the
exceptions of a violation are listed lowest id first with digits compared as numbers, and an
exempted mandatory violation does not stop the deployment.
"""

from __future__ import annotations

from typing import Any

import pytest

from gotham_inbox.policy import EnforcementLevel, PolicyConfigError, StackContext, evaluate
from gotham_inbox.policy.exceptions import apply_exceptions
from gotham_inbox.policy.pack_config import parse_pack_config
from tests.policies.builders import example_config, marked, message, single

SECRET = single("secret-notice", message(security=marked("SECRET")))
OTHER = single("other-notice", message("o", security=marked("SECRET")))


def version_2(exceptions: dict[str, Any], **policies: Any) -> dict[str, Any]:
    return {"version": 2, "policies": {**example_config(), **policies}, "exceptions": exceptions}


def exception(reason: str, policies: list[str], targets: list[str]) -> dict[str, Any]:
    return {"reason": reason, "match": [{"policies": policies, "targets": targets}]}


def judged(raw: dict[str, Any]) -> list[Any]:
    config = parse_pack_config(raw)
    found = evaluate([SECRET, OTHER], config.settings, StackContext(stack="dev"))
    return apply_exceptions(found, config.exceptions)


def test_a_version_2_file_reads_its_policies_like_a_plain_one() -> None:
    plain = parse_pack_config({**example_config(), "inbox-content": "disabled"})
    versioned = parse_pack_config(
        {"version": 2, "policies": {**example_config(), "inbox-content": "disabled"}}
    )
    assert versioned.settings == plain.settings
    assert versioned.exceptions == ()
    assert versioned.settings["inbox-content"].level is EnforcementLevel.DISABLED


def test_an_exception_exempts_its_policy_on_its_targets_only() -> None:
    raw = version_2({"EXC-1": exception("approved", ["inbox-markings"], [SECRET.urn])})
    found = judged(raw)
    markings = [v for v in found if v.policy == "inbox-markings"]
    assert {v.urn: v.is_exempted for v in markings} == {SECRET.urn: True, OTHER.urn: False}
    exempted = next(v for v in markings if v.urn == SECRET.urn)
    assert [(e.id, e.reason) for e in exempted.exemptions] == [("EXC-1", "approved")]
    # Still mandatory in level, but it stops nothing; the other resource's violation does.
    assert exempted.level is EnforcementLevel.MANDATORY and not exempted.is_mandatory
    assert any(v.is_mandatory for v in markings if v.urn == OTHER.urn)


def test_an_exception_of_another_policy_or_urn_exempts_nothing() -> None:
    raw = version_2(
        {
            "EXC-1": exception("other policy", ["inbox-content"], [SECRET.urn]),
            "EXC-2": exception("other urn", ["inbox-markings"], [SECRET.urn + "-2"]),
        }
    )
    assert not any(v.is_exempted for v in judged(raw))


def test_every_matching_exception_is_listed_lowest_id_first() -> None:
    raw = version_2(
        {
            "EXC-10": exception("ten", ["inbox-markings"], [SECRET.urn]),
            "EXC-2": exception("two", ["inbox-content", "inbox-markings"], [SECRET.urn]),
        }
    )
    exempted = next(v for v in judged(raw) if v.is_exempted)
    assert [e.id for e in exempted.exemptions] == ["EXC-2", "EXC-10"]


@pytest.mark.parametrize(
    ("raw", "says"),
    [
        ({"version": 3}, "version 3 is not supported (newer than this pack reads)"),
        ({"version": 1}, "version 1 is not supported"),
        ({"version": 2, "polices": {}}, "did you mean 'policies'?"),
        ({"version": 2, "policies": []}, "'policies' must be an object"),
        ({"version": 2, "exceptions": []}, "'exceptions' must be an object"),
        ({"version": 2, "environments": ["x"]}, "'environments' (Pulumi ESC)"),
        (
            {"version": 2, "policies": {"inbox-markngs": "advisory"}},
            "did you mean 'inbox-markings'?",
        ),
        ({"exceptions": {}}, "belongs to a version-2 file"),
        (
            version_2({"EXC 1": exception("r", ["inbox-markings"], ["urn:pulumi:a::b::c::d"])}),
            "policy exception 'EXC 1': the id must be non-empty",
        ),
        (
            version_2({"E": exception(" ", ["inbox-markings"], ["urn:pulumi:a::b::c::d"])}),
            "policy exception 'E': reason is required",
        ),
        (version_2({"E": {"reason": "r", "match": []}}), "match must list at least one"),
        (
            version_2({"E": exception("r", [], ["urn:pulumi:a::b::c::d"])}),
            "match[0].policies must list at least one policy",
        ),
        (
            version_2({"E": exception("r", ["all"], ["urn:pulumi:a::b::c::d"])}),
            "'all' isn't allowed",
        ),
        (
            version_2({"E": exception("r", ["inbox-markngs"], ["urn:pulumi:a::b::c::d"])}),
            "match[0].policies: 'inbox-markngs' is not a policy of the gotham-inbox pack; did "
            "you mean 'inbox-markings'?",
        ),
        (
            version_2({"E": exception("r", ["inbox-markings"], [])}),
            "match[0].targets must list at least one URN",
        ),
        (
            version_2({"E": exception("r", ["inbox-markings"], ["secret-notice"])}),
            "match[0].targets: 'secret-notice' is not a URN",
        ),
        (
            version_2({"E": {"reason": "r", "match": [{"policy": ["inbox-markings"]}]}}),
            "match[0].policy: unknown property; did you mean 'policies'?",
        ),
    ],
)
def test_a_bad_version_2_file_is_refused_naming_the_entry(raw: dict[str, Any], says: str) -> None:
    with pytest.raises(PolicyConfigError) as error:
        parse_pack_config(raw)
    assert says in str(error.value)
