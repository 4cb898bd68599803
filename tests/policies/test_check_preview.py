"""``check`` runs a program as ``pulumi preview`` runs it for a new stack: what the program did
not set is unknown (outputs, ids, invokes, stack references) unless the user declares it, and a
message with unknown parts is judged at ``pulumi up``, never judged on invented values."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.policies.check_support import check, program_line, write_check_project

PET = "random:index/randomPet:RandomPet"
CALLER = "aws:index/getCallerIdentity:getCallerIdentity"


def _json(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, dict[str, Any]]:
    code = check(*args, "--format", "json")
    return code, json.loads(capsys.readouterr().out)


def _violations(report: dict[str, Any]) -> set[tuple[str, str]]:
    return {(item["policy"], item["field"]) for item in report["violations"]}


def _failure(capsys: pytest.CaptureFixture[str], project: Path) -> tuple[int, str, str]:
    code = check(project, "--format", "json")
    captured = capsys.readouterr()
    return code, json.loads(captured.out)["error"]["message"], captured.err


def test_an_undeclared_plain_invoke_is_not_judged_and_a_declared_one_is(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A plain result is a value, never unknown: judging it would judge made-up values.
    body = f"""\
    who = pulumi.runtime.invoke("{CALLER}", {{}}).value
    InboxMessage("notice", message("for account " + str(who["accountId"]), group=who["team"]))
    """
    code, message, error = _failure(capsys, write_check_project(tmp_path / "app", body))
    assert code == 2
    assert f"leaves out): {CALLER}." in message and CALLER in error
    assert "declare its answer under calls: in gotham-inbox-mocks.yaml" in message
    assert "get_x_output" in message
    # Declared, the result is judged now: "partner-ops" is in another realm, given none.
    declared = {"calls": {CALLER: {"accountId": "123456789012", "team": "partner-ops"}}}
    project = write_check_project(tmp_path / "declared", body, mocks=declared)
    code, report = _json(capsys, project)
    assert code == 1
    assert ("inbox-realm-requirements", "message.groupRecipients[0].realm") in _violations(report)
    assert report["judgedAtUp"] == []


def test_a_field_a_partial_declaration_leaves_out_is_not_judged_as_none(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    body = f"""\
    me = pulumi.runtime.invoke("{CALLER}", {{}}).value
    InboxMessage("a", message(f"account {{me['accountId']}} as {{me.get('arn')}}"))
    """
    declared = {"calls": {CALLER: {"accountId": "123456789012"}}}
    project = write_check_project(tmp_path / "app", body, mocks=declared)
    code, message, _ = _failure(capsys, project)
    assert code == 2
    assert f"{CALLER} (field arn)" in message and "(field accountId)" not in message


def test_a_field_a_declaration_leaves_out_is_not_judged_in_the_output_form_either(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    body = f"""\
    me = pulumi.runtime.invoke_output("{CALLER}", {{}})
    InboxMessage("a", message(me.apply(lambda r: f"as {{r.get('arn')}}")))
    """
    declared = {"calls": {CALLER: {"accountId": "123456789012"}}}
    project = write_check_project(tmp_path / "app", body, mocks=declared)
    code, message, _ = _failure(capsys, project)
    assert (code, f"{CALLER} (field arn)" in message) == (2, True)
    declared = {"calls": {CALLER: {"accountId": "123456789012", "arn": "arn:aws:iam::1:user/x"}}}
    project = write_check_project(tmp_path / "d", body, mocks=declared)
    code, report = _json(capsys, project)
    assert (code, report["judgedAtUp"], report["messages"]) == (0, [], 1)


def test_a_crash_after_an_undeclared_plain_invoke_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    body = """\
    azs = pulumi.runtime.invoke("aws:index/getAvailabilityZones:getAvailabilityZones", {}).value
    InboxMessage("zone", message(f"deployed in {azs['names'][0]}"))
    """
    code, message, _ = _failure(capsys, write_check_project(tmp_path / "app", body))
    assert code == 2
    assert "TypeError" in message
    assert "before it failed, " in message and "getAvailabilityZones" in message


def test_a_partially_declared_stack_reference_leaves_the_rest_unknown(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    body = """\
    network = pulumi.StackReference("org/net/prod")
    InboxMessage("c", message(network.get_output("group").apply(lambda g: f"group {g}")))
    InboxMessage("d", message(network.require_output("vpc").apply(lambda v: f"vpc {v}")))
    """
    declared = {"stacks": {"org/net/prod": {"vpc": "vpc-1"}}}
    project = write_check_project(tmp_path / "app", body, mocks=declared)
    code, report = _json(capsys, project)
    assert (code, report["violations"]) == (0, [])
    assert [entry["resource"] for entry in report["judgedAtUp"]] == ["c"]


def test_the_output_form_of_an_invoke_is_unknown_until_declared(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    body = f"""\
    who = pulumi.runtime.invoke_output("{CALLER}", {{}})
    InboxMessage("notice", message(who.apply(lambda r: "account " + r["accountId"])))
    """
    code, report = _json(capsys, write_check_project(tmp_path / "app", body))
    assert (code, len(report["judgedAtUp"])) == (0, 1)
    declared = {"calls": {CALLER: {"accountId": "123456789012"}}}
    code, report = _json(capsys, write_check_project(tmp_path / "d", body, mocks=declared))
    assert (code, report["judgedAtUp"], report["messages"]) == (0, [], 1)


def test_an_id_in_concat_is_unknown_not_none(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    body = f"""\
    pet = Custom("{PET}", "pet", {{"length": 2}})
    InboxMessage("site", message(pulumi.Output.concat("Static site live at http://", pet.id)))
    """
    project = write_check_project(tmp_path / "app", body)
    assert check(project) == 0
    text = capsys.readouterr().out
    assert "1 message(s) judged at `pulumi up`" in text
    assert f"__main__.py:{program_line(project, 'InboxMessage(')}" in text
    assert "http://None" not in text
    # A declared id is used: the title is then known, and judged now.
    declared = {"outputs": {PET: {"id": "brave-eagle"}}}
    code, report = _json(capsys, write_check_project(tmp_path / "d", body, mocks=declared))
    assert (code, report["judgedAtUp"], report["messages"]) == (0, [], 1)


def test_a_method_called_in_an_apply_on_an_unknown_output_does_not_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The Kubernetes guestbook's deployment.metadata.apply(lambda m: m.labels), and a method.
    body = """\
    deployment = Custom("kubernetes:apps/v1:Deployment", "frontend", {"metadata": None})
    labels = deployment.metadata.apply(lambda m: m["labels"])
    InboxMessage("rollout", message(labels.apply(lambda l: "rolled out " + l["app"].upper())))
    """
    code, report = _json(capsys, write_check_project(tmp_path / "app", body))
    assert (code, report["violations"], len(report["judgedAtUp"])) == (0, [], 1)
    declared = {
        "outputs": {"kubernetes:apps/v1:Deployment": {"metadata": {"labels": {"app": "x"}}}}
    }
    code, report = _json(capsys, write_check_project(tmp_path / "d", body, mocks=declared))
    assert (code, report["judgedAtUp"], report["messages"]) == (0, [], 1)


def test_stack_reference_outputs_are_unknown_unless_declared(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    body = """\
    network = pulumi.StackReference("acme/network/prod")
    InboxMessage("notice", message("gateway", group=network.get_output("opsGroup")))
    """
    code, report = _json(capsys, write_check_project(tmp_path / "app", body))
    assert (code, report["violations"], len(report["judgedAtUp"])) == (0, [], 1)
    declared = {"stacks": {"acme/network/prod": {"opsGroup": "partner-ops"}}}
    code, report = _json(capsys, write_check_project(tmp_path / "d", body, mocks=declared))
    assert code == 1
    assert ("inbox-realm-requirements", "message.groupRecipients[0].realm") in _violations(report)


def test_a_recipient_taken_from_an_output_is_not_a_false_positive(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    body = """\
    team = Custom("acme:index:Team", "team", {"group": None})
    InboxMessage("notice", message("hello", group=team.group))
    """
    code, report = _json(capsys, write_check_project(tmp_path / "app", body))
    assert (code, report["violations"]) == (0, [])
    assert [entry["resource"] for entry in report["judgedAtUp"]] == ["notice"]
    assert report["summary"]["judgedAtUp"] == 1


def test_the_sarif_log_lists_messages_judged_at_up_as_notes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    body = """\
    team = Custom("acme:index:Team", "team", {"group": None})
    InboxMessage("notice", message("hello", group=team.group))
    """
    project = write_check_project(tmp_path / "app", body)
    assert check(project, "--format", "sarif") == 0
    (run,) = json.loads(capsys.readouterr().out)["runs"]
    (invocation,) = run["invocations"]
    assert invocation["executionSuccessful"] is True
    (note,) = invocation["toolExecutionNotifications"]
    assert note["level"] == "note" and "judged at `pulumi up`" in note["message"]["text"]
    region = note["locations"][0]["physicalLocation"]["region"]
    assert region["startLine"] == program_line(project, 'InboxMessage("notice"')
    assert run["properties"]["judgedAtUp"][0]["resource"] == "notice"


def test_a_broken_mocks_file_is_exit_2_naming_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = write_check_project(tmp_path / "app", "", mocks={"output": {}})
    assert check(project) == 2
    error = capsys.readouterr().err
    assert "gotham-inbox-mocks.yaml" in error and "unknown section 'output'" in error
    assert check(project, "--mocks", tmp_path / "missing.yaml") == 2
    assert "missing.yaml" in capsys.readouterr().err


def test_a_generated_sdk_style_plain_invoke_does_not_crash_and_is_not_judged(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The shape of a generated get_ami(): a typed result whose constructor checks each type.
    body = """\
    @pulumi.output_type
    class GetAmiResult:
        def __init__(__self__, id=None, most_recent=None, names=None):
            if most_recent and not isinstance(most_recent, bool):
                raise TypeError("Expected argument 'most_recent' to be a bool")
            pulumi.set(__self__, "most_recent", most_recent)
            if names and not isinstance(names, list):
                raise TypeError("Expected argument 'names' to be a list")
            pulumi.set(__self__, "names", names)
            pulumi.set(__self__, "id", id)

        @property
        @pulumi.getter
        def id(self) -> str:
            return pulumi.get(self, "id")


    found = pulumi.runtime.invoke("aws:ec2/getAmi:getAmi", {}, typ=GetAmiResult).value
    ami = GetAmiResult(
        id=pulumi.get(found, "id"),
        most_recent=pulumi.get(found, "most_recent"),
        names=pulumi.get(found, "names"),
    )
    InboxMessage("image", message(f"built from {ami.id}"))
    """
    code, message, _ = _failure(capsys, write_check_project(tmp_path / "app", body))
    assert code == 2
    assert "aws:ec2/getAmi:getAmi" in message and "failed" not in message
    full = {"id": "ami-0abc", "mostRecent": True, "names": ["a"]}
    declared = {"calls": {"aws:ec2/getAmi:getAmi": full}}
    code, report = _json(capsys, write_check_project(tmp_path / "d", body, mocks=declared))
    assert (code, report["judgedAtUp"], report["messages"]) == (0, [], 1)


def test_mocks_does_not_go_with_explore(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Explore generates its answers from the explore file; a declared file would be ignored.
    project = write_check_project(tmp_path / "app", "", mocks={"calls": {}})
    assert check(project, "--explore", "--mocks", project / "gotham-inbox-mocks.yaml") == 2
    assert "--mocks does not go with --explore" in capsys.readouterr().err
