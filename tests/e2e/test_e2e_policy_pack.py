"""The policy pack under the real Pulumi CLI: stack context, bad config, and parity with check.

Everything here runs the pack the way the other e2e tests start it (``policies/analyzer``, an
executable pack, which gets no PULUMI_STACK/PULUMI_CONFIG from the CLI): what the pack knows of
the stack comes from the engine's ConfigureStack call.

Parity: every program of the corpus (``parity_corpus/``, plus the example stack itself) runs
both ways, ``gotham-inbox check`` and ``pulumi preview --policy-pack``. They must agree on
pass/fail; the engine stops analyzing once a mandatory violation has failed the preview, so
what it reports is a subset of what check reports; and with every policy made advisory (so the
engine analyzes everything) both must report exactly the same findings: policy, level,
resource, field and text. The whole module costs a handful of CLI runs (about a minute).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from gotham_inbox.check.mock_answers import MOCKS_FILE
from gotham_inbox.emulator.testing import running_emulator
from gotham_inbox.policy import POLICIES
from tests.e2e.e2e_support import (
    POLICY_CONFIG,
    POLICY_PACK,
    STACK,
    EmulatorRequest,
    PolicyFinding,
    PulumiProject,
    Run,
    check_policy_findings,
    emulator_calls,
    preview_policy_findings,
)

pytestmark = pytest.mark.e2e

CORPUS = Path(__file__).parent / "parity_corpus"
CORPUS_CASES = ("example", "violations", "advisory", "preview")
UNREACHABLE = "http://127.0.0.1:9"  # a preview sends nothing
SECRET_REALM = "s3cret-realm-7f1e"


def pack_args(config: str = POLICY_CONFIG) -> tuple[str, ...]:
    return ("--policy-pack", str(POLICY_PACK), "--policy-pack-config", config)


def example_policy_config(project: PulumiProject) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((project.root / POLICY_CONFIG).read_text("utf-8"))
    return loaded


def write_policy_config(project: PulumiProject, config: dict[str, Any]) -> None:
    """The config both ways read: check finds policy-config.dev.json, the CLI is given it."""
    (project.root / POLICY_CONFIG).write_text(json.dumps(config, indent=2), "utf-8")


def all_advisory(config: dict[str, Any]) -> dict[str, Any]:
    """The same config with every enabled policy advisory (a disabled one stays disabled)."""
    made: dict[str, Any] = {"all": "advisory"}
    for name, entry in config.items():
        if name == "all":
            continue
        if isinstance(entry, str):
            if entry == "disabled":
                made[name] = entry
            continue
        entry = dict(entry)
        if entry.get("enforcementLevel") != "disabled":
            entry.pop("enforcementLevel", None)
        made[name] = entry
    return made


@dataclass(frozen=True)
class BothWays:
    """One program and config, run by check and by the CLI."""

    preview: Run
    preview_findings: list[PolicyFinding]
    check: subprocess.CompletedProcess[str]
    check_findings: list[PolicyFinding]


def both_ways(project: PulumiProject) -> BothWays:
    preview, from_cli = preview_policy_findings(project, "--stack", STACK, *pack_args())
    check, from_check = check_policy_findings(project, "--stack", STACK)
    return BothWays(preview, from_cli, check, from_check)


@dataclass(frozen=True)
class CorpusCase:
    as_written: BothWays
    advisory: BothWays


@dataclass
class Recorded:
    ceiling_check: BothWays
    ceiling_up: Run
    ceiling_up_calls: list[EmulatorRequest]
    realm_from_stack: BothWays
    realm_from_changed_stack: BothWays
    realm_from_secret: BothWays
    bad_config_preview: Run
    bad_config_check: subprocess.CompletedProcess[str]
    invalid: BothWays
    corpus: dict[str, CorpusCase]


def corpus_project(where: Path, case: str) -> PulumiProject:
    """The example project, its program and policy config replaced by the corpus case's."""
    project = PulumiProject.copy_example(where / case)
    if case != "example":
        shutil.copy(CORPUS / case / "__main__.py", project.root / "__main__.py")
        shutil.copy(CORPUS / case / "policy-config.json", project.root / POLICY_CONFIG)
    mocks = CORPUS / case / MOCKS_FILE
    if mocks.is_file():  # what check cannot read without the engine, declared
        shutil.copy(mocks, project.root / MOCKS_FILE)
    if case == "preview":
        # The stack the program's StackReference and readStackOutputs invoke read.
        project.run("stack", "init", "network").ok()
        project.run("config", "set", "--stack", "network", "version", "1.0.0").ok()
        project.run("up", "--yes", "--stack", "network").ok()
    project.init_dev_stack(UNREACHABLE)
    return project


def run_all(where: Path) -> Recorded:
    # 1. A per-stack ceiling: the example sends a SENSITIVE message; dev may send UNCLASSIFIED.
    with running_emulator() as emulator:
        ceiling = PulumiProject.copy_example(where / "ceiling")
        ceiling.init_dev_stack(emulator.base_url)
        config = example_policy_config(ceiling)
        config["inbox-markings"]["stackMaxMarkings"] = {STACK: "UNCLASSIFIED"}
        write_policy_config(ceiling, config)
        ceiling_check = both_ways(ceiling)
        with emulator_calls() as ceiling_up_calls:
            ceiling_up = ceiling.run("up", "--yes", "--stack", STACK, *pack_args())

    # 2. No callerRealm in the policy config: the caller's realm is the stack's gotham:realm.
    realm = PulumiProject.copy_example(where / "realm")
    realm.init_dev_stack(UNREACHABLE)
    config = example_policy_config(realm)
    for policy in ("inbox-realm-requirements", "inbox-recipients-can-read"):
        del config[policy]["callerRealm"]
    write_policy_config(realm, config)
    realm_from_stack = both_ways(realm)
    realm.run("config", "set", "--stack", STACK, "gotham:realm", "partner-realm").ok()
    realm_from_changed_stack = both_ways(realm)
    realm.run("config", "set", "--stack", STACK, "--secret", "gotham:realm", SECRET_REALM).ok()
    realm_from_secret = both_ways(realm)

    # 3. A config the JSON Schema accepts and the policy refuses (a ceiling it cannot order).
    bad = PulumiProject.copy_example(where / "bad")
    bad.init_dev_stack(UNREACHABLE)
    write_policy_config(
        bad, {"inbox-markings": {"allowedMarkings": ["UNCLASSIFIED"], "maxMarking": "SECRET"}}
    )
    bad_config_preview = bad.run("preview", "--stack", STACK, *pack_args())
    bad_config_check, _ = check_policy_findings(bad, "--stack", STACK)

    # 4. Messages the server's validation refuses (the provider's check refuses them too).
    invalid = both_ways(corpus_project(where, "invalid"))

    # 5. The parity corpus, as written and all advisory.
    corpus = {}
    for case in CORPUS_CASES:
        project = corpus_project(where, case)
        as_written = both_ways(project)
        written = example_policy_config(project)
        if all_advisory(written) == written:
            advisory = as_written
        else:
            write_policy_config(project, all_advisory(written))
            advisory = both_ways(project)
        corpus[case] = CorpusCase(as_written, advisory)

    return Recorded(
        ceiling_check,
        ceiling_up,
        ceiling_up_calls,
        realm_from_stack,
        realm_from_changed_stack,
        realm_from_secret,
        bad_config_preview,
        bad_config_check,
        invalid,
        corpus,
    )


@pytest.fixture(scope="module")
def recorded(pulumi_engine: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Recorded]:
    yield run_all(tmp_path_factory.mktemp("e2e-policy-pack"))


CEILING_TEXT = (
    "messages[0].security.portionMarkings[0]: marking 'SENSITIVE' is above the ceiling "
    "'UNCLASSIFIED' of stack 'dev'"
)


def test_a_per_stack_ceiling_blocks_the_preview_as_check_does(recorded: Recorded) -> None:
    both = recorded.ceiling_check
    assert both.preview.returncode != 0, both.preview.describe()
    assert both.check.returncode == 1, both.check.stdout + both.check.stderr
    ceiling = [item for item in both.preview_findings if item.policy == "inbox-markings"]
    assert len(ceiling) == 1 and ceiling[0].text.startswith(CEILING_TEXT), both.preview.describe()
    assert ceiling[0].level == "mandatory"
    assert ceiling == [item for item in both.check_findings if item.policy == "inbox-markings"]


def test_a_per_stack_ceiling_blocks_the_up_and_nothing_is_sent(recorded: Recorded) -> None:
    up = recorded.ceiling_up
    assert up.returncode != 0, up.describe()
    assert "above the ceiling 'UNCLASSIFIED' of stack 'dev'" in up.output, up.describe()
    assert "❌ gotham-inbox" in up.output, up.describe()
    assert recorded.ceiling_up_calls == []


def test_the_caller_realm_comes_from_gotham_realm_when_the_policy_config_has_none(
    recorded: Recorded,
) -> None:
    # The example's stack realm is the caller's: the recipients without a realm are fine...
    clean = recorded.realm_from_stack
    assert clean.preview.returncode == 0, clean.preview.describe()
    assert clean.check.returncode == 0
    assert clean.preview_findings == clean.check_findings == []
    # ... and once gotham:realm names another realm, both judge them against that realm.
    changed = recorded.realm_from_changed_stack
    assert changed.preview.returncode != 0
    assert changed.check.returncode == 1
    realm_findings = [f for f in changed.preview_findings if f.policy == "inbox-realm-requirements"]
    assert realm_findings, changed.preview.describe()
    assert all("not in the caller's realm 'partner-realm'" in f.text for f in realm_findings)
    assert set(changed.preview_findings) <= set(changed.check_findings)


def test_a_secret_gotham_realm_is_neither_used_nor_shown_both_ways(recorded: Recorded) -> None:
    # ConfigureStack lists gotham:realm among the secret keys: the pack drops it, as check
    # (which never decrypts) does, so the caller's realm is unknown to both.
    both = recorded.realm_from_secret
    assert both.preview.returncode != 0, both.preview.describe()
    assert both.preview_findings, both.preview.describe()
    assert all("the caller's realm is unknown" in f.text for f in both.preview_findings)
    assert set(both.preview_findings) <= set(both.check_findings)
    assert SECRET_REALM not in both.preview.output
    assert SECRET_REALM not in both.check.stdout + both.check.stderr


def test_a_bad_policy_config_is_a_clear_error_both_ways(recorded: Recorded) -> None:
    said = (
        "invalid policy config: inbox-markings: maxMarking is 'SECRET', which is not in "
        "allowedMarkings"
    )
    preview = recorded.bad_config_preview
    assert preview.returncode != 0, preview.describe()
    assert said in preview.output, preview.describe()
    assert "✅" not in preview.output, preview.describe()
    check = recorded.bad_config_check
    assert check.returncode == 2
    assert said in check.stderr


def test_an_invalid_message_fails_both_ways_with_the_same_findings(recorded: Recorded) -> None:
    both = recorded.invalid
    assert both.check.returncode == 1
    assert both.preview.returncode != 0, both.preview.describe()
    assert both.preview_findings == both.check_findings, both.preview.describe()
    invalid = [f for f in both.check_findings if f.policy == "inbox-message-valid"]
    assert len(invalid) == 3  # two problems of message 0, one of message 1
    assert {f.policy for f in both.check_findings} == {
        "inbox-message-valid",
        "inbox-batch-atomicity",
    }
    for finding in invalid:
        field, _, text = finding.text.partition(": ")
        # The provider's own check refuses the same field, in the same words.
        assert f"property {field} value" in both.preview.output, both.preview.describe()
        assert text in both.preview.output, (text, both.preview.describe())


@pytest.mark.parametrize("case", CORPUS_CASES)
def test_corpus_same_pass_or_fail_and_what_the_engine_shows_check_shows(
    recorded: Recorded, case: str
) -> None:
    both = recorded.corpus[case].as_written
    assert both.check.returncode in (0, 1), both.check.stderr
    assert (both.preview.returncode == 0) == (both.check.returncode == 0), both.preview.describe()
    # The engine stops analyzing once a mandatory violation failed the preview: a subset.
    assert set(both.preview_findings) <= set(both.check_findings), both.preview.describe()


@pytest.mark.parametrize("case", CORPUS_CASES)
def test_corpus_all_advisory_gives_exactly_the_same_findings_both_ways(
    recorded: Recorded, case: str
) -> None:
    both = recorded.corpus[case].advisory
    assert both.preview.returncode == 0, both.preview.describe()
    assert both.check.returncode == 0, both.check.stderr
    only_engine = [f for f in both.preview_findings if f not in both.check_findings]
    only_check = [f for f in both.check_findings if f not in both.preview_findings]
    assert (only_engine, only_check) == ([], [])
    assert both.preview_findings == both.check_findings


def test_the_corpus_violates_every_policy_and_exercises_components_batches_and_outputs(
    recorded: Recorded,
) -> None:
    found = [
        finding for case in recorded.corpus.values() for finding in case.advisory.check_findings
    ]
    found += recorded.invalid.check_findings
    assert {finding.policy for finding in found} == {spec.name for spec in POLICIES}
    urns = {finding.urn for finding in found}
    assert any("gotham:index:ReleaseAnnouncement$" in urn for urn in urns)  # a component
    assert any("InboxMessageBatch::one-refused" in urn for urn in urns)  # a batch
    assert any(urn.endswith("::secret-output") for urn in urns)  # a secret Output
    assert any(urn.endswith("::output-body") for urn in urns)  # another resource's output
    assert recorded.corpus["example"].advisory.check_findings == []  # a clean stack


def test_what_a_preview_does_not_know_is_skipped_and_what_it_reads_is_judged_both_ways(
    recorded: Recorded,
) -> None:
    # The preview corpus: an output unknown at preview (a dynamic provider's), a StackReference
    # and the engine's own readStackOutputs invoke, which check answers from the mocks file.
    both = recorded.corpus["preview"].advisory
    judged = {(finding.policy, finding.urn.rsplit("::", 1)[1]) for finding in both.check_findings}
    assert judged == {
        ("inbox-realm-requirements", "to-the-stack-group"),
        ("inbox-realm-requirements", "to-the-read-group"),
    }
    assert both.preview_findings == both.check_findings
    report = json.loads(both.check.stdout)
    assert [entry["resource"] for entry in report["judgedAtUp"]] == ["after-the-ticket"]
    as_written = recorded.corpus["preview"].as_written
    assert (as_written.preview.returncode, as_written.check.returncode) != (0, 0)
