"""The pack as Pulumi sees it: its files, its policies, their schemas, levels and config errors."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import grpc
import pytest
import yaml
from google.protobuf import json_format
from jsonschema import Draft7Validator
from pulumi.runtime.proto import analyzer_pb2

from gotham_inbox.policy import PACK_NAME, POLICIES, PolicyConfigError, resolve_pack_config
from gotham_inbox.policy.spec import PACK_DISPLAY_NAME, PACK_REPOSITORY, PACK_TAGS
from tests.policies.builders import PACK_DIR, REALM, message, single, to, without_directory
from tests.policies.harness import Analyzer, configure_request, struct


def test_pack_project_runs_python_in_the_project_virtualenv() -> None:
    project = yaml.safe_load((PACK_DIR / "PulumiPolicy.yaml").read_text())
    assert project["runtime"]["name"] == "python"
    # pulumi-analyzer-policy-python resolves -virtualenv against the pack directory.
    virtualenv = (PACK_DIR / project["runtime"]["options"]["virtualenv"]).resolve()
    assert (virtualenv / "bin" / "python").exists()
    # The same environment these tests run the pack with (gotham-inbox installed in it).
    assert virtualenv == Path(sys.prefix).resolve()


def test_analyzer_describes_every_policy_with_its_level_and_schema(
    analyzer_for: Callable[..., Analyzer],
) -> None:
    info = analyzer_for().info()
    assert info.name == PACK_NAME
    assert info.supportsConfig
    described = {policy.name: policy for policy in info.policies}
    assert list(described) == [spec.name for spec in POLICIES]
    for spec in POLICIES:
        policy = described[spec.name]
        assert policy.description == spec.description
        wire_level = analyzer_pb2.EnforcementLevel.Name(policy.enforcementLevel).lower()
        assert wire_level == spec.default_level.value
        schema = json_format.MessageToDict(policy.configSchema.properties)
        assert schema == spec.schema()["properties"]


@pytest.mark.parametrize("spec", POLICIES, ids=lambda spec: spec.name)
def test_schema_is_self_contained_and_agrees_with_the_model(spec: object) -> None:
    from gotham_inbox.policy.spec import PolicySpec

    assert isinstance(spec, PolicySpec)
    schema = spec.schema()
    # Pulumi validates {"type": "object", "properties": ...} with a draft-4..7 validator.
    Draft7Validator.check_schema(schema)
    assert "$ref" not in str(schema)
    validator = Draft7Validator({"type": "object", "properties": schema["properties"]})
    defaults = spec.default_properties()
    assert list(validator.iter_errors(defaults)) == []
    assert spec.parse_properties(defaults) == spec.parse_properties({})


def test_schema_and_model_refuse_the_same_bad_value() -> None:
    spec = next(spec for spec in POLICIES if spec.name == "inbox-realm-requirements")
    bad = {"unknownGroups": "warn"}
    validator = Draft7Validator({"type": "object", "properties": spec.schema()["properties"]})
    assert list(validator.iter_errors(bad))
    with pytest.raises(
        ValueError, match=r"unknownGroups: must be one of 'flag' or 'ignore'; got 'warn'"
    ):
        spec.parse_properties(bad)


def test_pack_reads_the_caller_realm_from_the_stack_config(
    analyzer_for: Callable[..., Analyzer],
) -> None:
    resource = single("implicit", message(groupRecipients=to("platform-team")))
    settings = resolve_pack_config(without_directory())
    with_realm = analyzer_for("dev", {"gotham:realm": REALM}).report([resource], settings)
    without_realm = analyzer_for("dev", {}).report([resource], settings)
    assert [item.policy for item in with_realm] == []
    assert [item.policy for item in without_realm] == ["inbox-realm-requirements"]


def test_pack_reads_the_stack_name_for_per_stack_ceilings(
    analyzer_for: Callable[..., Analyzer],
) -> None:
    resource = single("alert", message(security={"portionMarkings": ["SENSITIVE"]}))
    settings = resolve_pack_config(
        without_directory(
            {
                "inbox-markings": {
                    "allowedMarkings": ["UNCLASSIFIED", "SENSITIVE"],
                    "stackMaxMarkings": {"dev": "UNCLASSIFIED"},
                },
                "inbox-realm-requirements": "disabled",
            }
        )
    )
    assert [item.policy for item in analyzer_for("dev").report([resource], settings)] == [
        "inbox-markings"
    ]
    assert analyzer_for("prod").report([resource], settings) == []


def test_configure_without_resolved_levels_would_turn_mandatory_policies_advisory(
    analyzer_for: Callable[..., Analyzer],
) -> None:
    # Why every caller of Configure must send the resolved level (as the CLI and check do):
    # an entry whose level is left unset arrives as ADVISORY.
    analyzer = analyzer_for()
    resource = single("no-sender", message(sender=None, groupRecipients=to(("x", REALM))))
    raw = analyzer_pb2.ConfigureAnalyzerRequest(
        policyConfig={"inbox-message-valid": analyzer_pb2.PolicyConfig(properties=struct({}))}
    )
    analyzer.stub.Configure(raw)
    levels = {item.enforcementLevel for item in analyzer.analyze(resource)}
    assert levels == {analyzer_pb2.ADVISORY}
    analyzer.stub.Configure(configure_request(resolve_pack_config({"inbox-message-valid": {}})))
    levels = {item.enforcementLevel for item in analyzer.analyze(resource)}
    assert levels == {analyzer_pb2.MANDATORY}


def test_bad_config_reaching_the_pack_is_refused_by_configure_with_checks_text(
    analyzer_for: Callable[..., Analyzer],
) -> None:
    # Refused at Configure, before the engine analyzes anything, with the text check prints:
    # the CLI reports the failure instead of showing the pack as passed.
    analyzer = analyzer_for()
    settings = resolve_pack_config(None)
    request = configure_request(settings)
    request.policyConfig["inbox-content"].properties.update({"maxTitleLength": 0})
    with pytest.raises(grpc.RpcError) as raised:
        analyzer.stub.Configure(request)
    assert raised.value.code() is grpc.StatusCode.INVALID_ARGUMENT
    details = raised.value.details()
    assert "inbox-content.maxTitleLength" in details
    assert "greater than or equal to 1; got 0" in details
    with pytest.raises(PolicyConfigError) as from_check:
        resolve_pack_config({"inbox-content": {"maxTitleLength": 0}})
    assert details == str(from_check.value)


def test_a_config_the_schema_accepts_but_the_model_refuses_is_refused_at_configure(
    analyzer_for: Callable[..., Analyzer],
) -> None:
    # The CLI validates the JSON Schema itself; a ceiling outside allowedMarkings passes the
    # schema, so only the pack can refuse it.
    analyzer = analyzer_for()
    request = configure_request(resolve_pack_config(None))
    request.policyConfig["inbox-markings"].properties.update(
        {"allowedMarkings": ["UNCLASSIFIED"], "maxMarking": "SECRET"}
    )
    with pytest.raises(grpc.RpcError) as raised:
        analyzer.stub.Configure(request)
    assert "inbox-markings: maxMarking is 'SECRET', which is not in allowedMarkings" in (
        raised.value.details()
    )


def test_secret_inputs_are_checked_like_plain_ones(analyzer_for: Callable[..., Analyzer]) -> None:
    # The engine sends secret values wrapped; the rules judge the value that would be sent.
    secret_sig = {
        "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270",
        "value": message(groupRecipients=[]),
    }
    analyzer = analyzer_for()
    found = analyzer.report(
        [single("wrapped", secret_sig)],
        resolve_pack_config(without_directory({"inbox-realm-requirements": "disabled"})),
    )
    assert [(item.policy, item.text.split(":")[0]) for item in found] == [
        ("inbox-message-valid", "message.groupRecipients")
    ]


def test_analyzer_carries_crossguard_metadata_for_the_pack_and_every_policy(
    analyzer_for: Callable[..., Analyzer],
) -> None:
    info = analyzer_for().info()
    assert info.displayName == PACK_DISPLAY_NAME
    assert info.repository == PACK_REPOSITORY
    assert list(info.tags) == list(PACK_TAGS)
    # The readme names every policy with its remediation.
    for spec in POLICIES:
        assert f"`{spec.name}`" in info.readme
        assert spec.remediation_steps in info.readme
    described = {policy.name: policy for policy in info.policies}
    for spec in POLICIES:
        policy = described[spec.name]
        assert policy.displayName == spec.display_name != ""
        severity = analyzer_pb2.PolicySeverity.Name(policy.severity)
        assert severity == f"POLICY_SEVERITY_{spec.severity.value.upper()}"
        assert policy.remediation_steps == spec.remediation_steps != ""
        assert policy.url == spec.url and policy.url.endswith(f"#{spec.name}")
        assert list(policy.tags) == list(spec.tags) != []


def test_diagnostics_carry_the_policys_severity(analyzer_for: Callable[..., Analyzer]) -> None:
    analyzer = analyzer_for()
    analyzer.configure(resolve_pack_config(None))
    resource = single("no-sender", message(sender=None, groupRecipients=to(("x", REALM))))
    (diagnostic,) = analyzer.analyze(resource)
    assert diagnostic.policyName == "inbox-message-valid"
    assert diagnostic.severity == analyzer_pb2.POLICY_SEVERITY_HIGH


def test_a_resource_that_is_not_an_inbox_message_is_not_applicable(
    analyzer_for: Callable[..., Analyzer],
) -> None:
    analyzer = analyzer_for()
    analyzer.configure(resolve_pack_config(None))
    response = analyzer.stub.Analyze(
        analyzer_pb2.AnalyzeRequest(
            type="aws:s3/bucket:Bucket",
            properties=struct({"bucket": "b"}),
            urn="urn:pulumi:dev::p::aws:s3/bucket:Bucket::b",
            name="b",
        )
    )
    assert list(response.diagnostics) == []
    resource_policies = [spec.name for spec in POLICIES if spec.checks_resources]
    assert [item.policy_name for item in response.not_applicable] == resource_policies
    assert {item.reason for item in response.not_applicable} == {
        "not a Gotham Global Inbox message (InboxMessage or batch)"
    }
