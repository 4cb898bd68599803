"""The pack learns its stack from the engine's ConfigureStack call, secrets left out.

Driven over gRPC as the engine drives it: ConfigureStack (stack, project, organization,
config, config_secret_keys), Configure, Analyze, AnalyzeStack. The environment variables
PULUMI_STACK/PULUMI_CONFIG are only a fallback for a pack that never gets ConfigureStack.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from pulumi.runtime.proto import analyzer_pb2

from gotham_inbox.policy import resolve_pack_config
from gotham_inbox.policy.engine_state import context_from_configure_stack, context_from_environment
from tests.policies.builders import PROJECT, REALM, marked, message, single, to, without_directory
from tests.policies.harness import Analyzer, struct

CEILING = without_directory(
    {
        "inbox-markings": {
            "allowedMarkings": ["UNCLASSIFIED", "SENSITIVE"],
            "stackMaxMarkings": {"dev": "UNCLASSIFIED"},
        },
        "inbox-realm-requirements": "disabled",
    }
)
NO_DIRECTORY = without_directory()
SENSITIVE = single("alert", message(security=marked("SENSITIVE")))
IMPLICIT_REALM = single("implicit", message(groupRecipients=to("platform-team")))


@pytest.fixture
def started() -> Iterator[Callable[..., Analyzer]]:
    """Start packs of the test's own (closed at the end)."""
    analyzers: list[Analyzer] = []

    def start(stack: str, config: dict[str, str], **options: object) -> Analyzer:
        analyzer = Analyzer(stack, config, **options)  # type: ignore[arg-type]
        analyzers.append(analyzer)
        return analyzer

    yield start
    for analyzer in analyzers:
        analyzer.close()


def test_configure_stack_gives_the_stack_name_for_a_per_stack_ceiling(
    started: Callable[..., Analyzer],
) -> None:
    settings = resolve_pack_config(CEILING)
    dev = started("dev", {}).report([SENSITIVE], settings)
    assert [(item.policy, item.level) for item in dev] == [("inbox-markings", "mandatory")]
    assert "above the ceiling 'UNCLASSIFIED' of stack 'dev'" in dev[0].text
    assert started("prod", {}).report([SENSITIVE], settings) == []


def test_configure_stack_config_gives_the_caller_realm_when_the_policy_config_has_none(
    started: Callable[..., Analyzer],
) -> None:
    settings = resolve_pack_config(NO_DIRECTORY)
    assert started("dev", {"gotham:realm": REALM}).report([IMPLICIT_REALM], settings) == []
    without = started("dev", {}).report([IMPLICIT_REALM], settings)
    assert [item.policy for item in without] == ["inbox-realm-requirements"]
    assert "the caller's realm is unknown" in without[0].text


def test_the_policy_configs_caller_realm_wins_over_the_stacks_gotham_realm(
    started: Callable[..., Analyzer],
) -> None:
    # platform-team lives in REALM; the stack says another realm, the policy config says REALM.
    config = without_directory(
        {
            "inbox-realm-requirements": {
                "callerRealm": REALM,
                "groups": [{"name": "platform-team", "realm": REALM}],
            }
        }
    )
    analyzer = started("dev", {"gotham:realm": "partner-realm"})
    assert analyzer.report([IMPLICIT_REALM], resolve_pack_config(config)) == []
    # Without callerRealm the stack's realm is used, and the group is not there.
    del config["inbox-realm-requirements"]["callerRealm"]
    found = analyzer.report([IMPLICIT_REALM], resolve_pack_config(config))
    assert [item.policy for item in found] == ["inbox-realm-requirements"]
    assert "not in the caller's realm 'partner-realm'" in found[0].text


def test_a_secret_stack_value_is_never_used_nor_shown(started: Callable[..., Analyzer]) -> None:
    secret_realm = "s3cret-realm-value-7f1e"
    analyzer = started("dev", {"gotham:realm": secret_realm}, secret_keys=["gotham:realm"])
    analyzer.configure(resolve_pack_config(None))
    response = analyzer.stub.Analyze(
        analyzer_pb2.AnalyzeRequest(
            type=IMPLICIT_REALM.type,
            properties=struct(IMPLICIT_REALM.inputs),
            urn=IMPLICIT_REALM.urn,
            name=IMPLICIT_REALM.name,
        )
    )
    # The secret realm is treated as unknown (as check treats a secure value), not used...
    assert [item.policyName for item in response.diagnostics] == ["inbox-realm-requirements"]
    assert "the caller's realm is unknown" in response.diagnostics[0].message
    # ... and appears nowhere in what the pack answers.
    assert secret_realm not in str(response)


def test_configure_stack_wins_over_the_environment(started: Callable[..., Analyzer]) -> None:
    analyzer = started("prod", {}, via="environment")
    settings = resolve_pack_config(CEILING)
    assert analyzer.report([SENSITIVE], settings) == []  # the environment says prod
    analyzer.configure_stack("dev", {})
    assert [item.policy for item in analyzer.report([SENSITIVE], settings)] == ["inbox-markings"]


def test_the_environment_is_the_fallback_without_configure_stack(
    started: Callable[..., Analyzer],
) -> None:
    analyzer = started("dev", {"gotham:realm": REALM}, via="environment")
    assert [item.policy for item in analyzer.report([SENSITIVE], resolve_pack_config(CEILING))] == [
        "inbox-markings"
    ]
    assert analyzer.report([IMPLICIT_REALM], resolve_pack_config(NO_DIRECTORY)) == []


def test_context_from_configure_stack_keeps_everything_but_the_secrets() -> None:
    request = analyzer_pb2.AnalyzerStackConfigureRequest(
        stack="dev",
        project=PROJECT,
        organization="acme",
        dry_run=True,
        config={"gotham:realm": REALM, "gotham:token": "tok-123", "app:version": "1.0"},
        config_secret_keys=["gotham:token"],
    )
    context = context_from_configure_stack(request)
    assert (context.stack, context.project, context.organization) == ("dev", PROJECT, "acme")
    assert dict(context.config) == {"gotham:realm": REALM, "app:version": "1.0"}
    assert "tok-123" not in repr(context)


def test_context_from_the_environment_keeps_only_the_realm_and_never_a_secret_one() -> None:
    environ = {
        "PULUMI_STACK": "dev",
        "PULUMI_CONFIG": '{"gotham:realm": "r", "gotham:token": "tok-123"}',
    }
    assert dict(context_from_environment(environ).config) == {"gotham:realm": "r"}
    secret = {**environ, "PULUMI_CONFIG_SECRET_KEYS": '["gotham:realm"]'}
    assert dict(context_from_environment(secret).config) == {}
    assert context_from_environment({"PULUMI_CONFIG": "not json"}).config == {}
