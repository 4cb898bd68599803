"""Program level: what a Pulumi program registers, under Pulumi's own mocks.

The mocks answer each registration by running the real provider (deserialised from the
``__provider`` input, as the provider host does) against a scripted Gotham, so these tests
also prove that what the program registers is what the provider accepts.
"""

from __future__ import annotations

import base64
import json
import subprocess
import sys
import textwrap
from collections.abc import Callable
from typing import Any

import dill
import pulumi

from gotham_inbox.models import parse_message
from gotham_inbox.providers import InboxMessage, InboxMessageBatch
from gotham_inbox.providers.provider import InboxMessageBatchProvider, InboxMessageProvider
from gotham_inbox.source_ids import derive_source_id
from tests.provider.provider_support import (
    MESSAGE,
    SECRET_TOKEN,
    RecordingMocks,
    ScriptedGotham,
    message,
)

MESSAGE_TYPE = "pulumi-python:dynamic/gotham:InboxMessage"
BATCH_TYPE = "pulumi-python:dynamic/gotham:InboxMessageBatch"


def provider_outputs(
    gotham: ScriptedGotham,
) -> Callable[[pulumi.runtime.MockResourceArgs], dict[str, Any]]:
    """Mock answers computed by the deserialised provider: check, then create."""

    def outputs(args: pulumi.runtime.MockResourceArgs) -> dict[str, Any]:
        provider = dill.loads(base64.b64decode(args.inputs["__provider"]))
        provider.use_settings(gotham.settings())
        checked = provider.check({}, args.inputs)
        assert [(f.property, f.reason) for f in checked.failures] == []
        return provider.create(args.inputs).outs  # type: ignore[no-any-return]

    return outputs


def resolve(output: pulumi.Output[Any]) -> Any:
    """The value of an output, once the mocked deployment has produced it."""
    seen: list[Any] = []

    @pulumi.runtime.test  # type: ignore[untyped-decorator]
    def wait() -> pulumi.Output[Any]:
        return output.apply(seen.append)

    wait()
    return seen[0]


def test_inbox_message_registers_its_type_and_message_with_a_derived_source_id(
    use_mocks: Callable[..., RecordingMocks], scripted_gotham: ScriptedGotham
) -> None:
    mocks = use_mocks(provider_outputs(scripted_gotham), project="releases", stack="prod")
    resource = InboxMessage("release-4-2", message=MESSAGE)
    source_id = resolve(resource.source_id)

    (args,) = mocks.registered
    assert args.typ == MESSAGE_TYPE
    assert args.name == "release-4-2"
    expected_id = derive_source_id("releases", "prod", "release-4-2", MESSAGE)
    assert args.inputs["message"] == {**MESSAGE, "sourceId": expected_id}
    assert set(args.inputs) == {"message", "sourceId", "requestedSourceId", "__provider"}
    # The id inputs carry the id so that the engine keeps them secret when the message is.
    assert args.inputs["sourceId"] == args.inputs["requestedSourceId"] == expected_id
    assert source_id == expected_id
    assert resolve(resource.status) == "sent"
    assert resolve(resource.message) == {**MESSAGE, "sourceId": expected_id}
    assert resolve(resource.recipients) == [{"name": "platform-team"}]
    assert resolve(resource.hostname) == "gotham.example.com"
    assert resolve(resource.sent_at).endswith("Z")
    assert list(scripted_gotham.stored) == [expected_id]


def test_the_derived_source_id_depends_on_stack_and_resource_name_but_not_on_spelling(
    use_mocks: Callable[..., RecordingMocks],
) -> None:
    def registered_id(name: str, data: dict[str, Any], stack: str) -> str:
        mocks = use_mocks(stack=stack)
        InboxMessage(name, message=data)
        resolve(pulumi.Output.from_input(1))
        return str(mocks.registered[-1].inputs["message"]["sourceId"])

    reordered = dict(reversed(list(MESSAGE.items())))
    with_nulls = {**MESSAGE, "sourceId": None, "groupRecipients": [{"name": "platform-team"}]}
    with_nulls["groupRecipients"][0]["realm"] = None
    first = registered_id("a", MESSAGE, "dev")
    assert registered_id("a", reordered, "dev") == first
    assert registered_id("a", with_nulls, "dev") == first
    assert registered_id("b", MESSAGE, "dev") != first
    assert registered_id("a", MESSAGE, "prod") != first
    assert registered_id("a", message(title={"value": "other"}), "dev") != first


def test_a_users_own_source_id_is_kept(use_mocks: Callable[..., RecordingMocks]) -> None:
    mocks = use_mocks()
    own = "0b6f1b4e-98b5-4f5e-9f43-0f5d7d1d2a11"
    resource = InboxMessage("mine", message={**MESSAGE, "sourceId": own})
    assert resolve(resource.message)["sourceId"] == own
    assert mocks.registered[0].inputs["message"]["sourceId"] == own


def test_a_pydantic_model_and_output_values_are_accepted_as_the_message(
    use_mocks: Callable[..., RecordingMocks], scripted_gotham: ScriptedGotham
) -> None:
    mocks = use_mocks(provider_outputs(scripted_gotham))
    from_model = InboxMessage("model", message=parse_message(MESSAGE))
    title = pulumi.Output.from_input("release 4.2 is live")
    sender = pulumi.Output.from_input(MESSAGE["sender"])
    from_outputs = InboxMessage(
        "outputs", message={**MESSAGE, "title": {"value": title}, "sender": sender}
    )
    resolve(pulumi.Output.all(from_model.source_id, from_outputs.source_id))
    by_name = {args.name: args.inputs["message"] for args in mocks.registered}
    assert {k: v for k, v in by_name["model"].items() if k != "sourceId"} == MESSAGE
    assert {k: v for k, v in by_name["outputs"].items() if k != "sourceId"} == MESSAGE
    assert by_name["outputs"]["sourceId"] == derive_source_id(
        "inbox-project", "dev", "outputs", MESSAGE
    )


def test_a_batch_registers_every_message_with_its_own_id_in_order(
    use_mocks: Callable[..., RecordingMocks], scripted_gotham: ScriptedGotham
) -> None:
    mocks = use_mocks(provider_outputs(scripted_gotham))
    own = "5d0c2f7a-1c1e-4a8e-8d63-3f1a9f1f0b22"
    batch = InboxMessageBatch(
        "launch",
        messages=[MESSAGE, parse_message(MESSAGE), {**message(), "sourceId": own}],
    )
    source_ids = resolve(batch.source_ids)

    (args,) = mocks.registered
    assert args.typ == BATCH_TYPE
    assert set(args.inputs) == {"messages", "sourceIds", "requestedSourceIds", "__provider"}
    assert args.inputs["sourceIds"] == [m["sourceId"] for m in args.inputs["messages"]]
    expected = [
        derive_source_id("inbox-project", "dev", "launch", MESSAGE, 0),
        derive_source_id("inbox-project", "dev", "launch", MESSAGE, 1),
        own,
    ]
    assert [m["sourceId"] for m in args.inputs["messages"]] == expected
    assert source_ids == expected
    assert len(set(expected)) == 3  # identical messages still get distinct ids
    assert resolve(batch.statuses) == ["sent", "sent", "sent"]
    assert list(scripted_gotham.stored) == expected
    assert len(scripted_gotham.requests) == 1  # one request for the whole batch


def test_an_invalid_message_is_registered_as_given_for_check_to_report(
    use_mocks: Callable[..., RecordingMocks],
) -> None:
    mocks = use_mocks()
    InboxMessage("bad", message={**MESSAGE, "title": {"valeu": "typo"}})
    InboxMessageBatch("bad-batch", messages=[MESSAGE, "not a message"])  # type: ignore[list-item]
    resolve(pulumi.Output.from_input(1))
    by_name = {args.name: args.inputs for args in mocks.registered}
    single = InboxMessageProvider().check({}, by_name["bad"]).failures
    batch = InboxMessageBatchProvider().check({}, by_name["bad-batch"]).failures
    reasons = {f.property: f.reason for f in single}
    assert set(reasons) == {"message.title.valeu", "message.title.value"}
    assert "did you mean 'value'" in reasons["message.title.valeu"]
    assert "required field 'value' is missing" in reasons["message.title.value"]
    assert [(f.property, f.reason) for f in batch] == [
        ("messages[1]", "must be an object; got str")
    ]


# --- the serialised provider ----------------------------------------------------------------

PROGRAM = textwrap.dedent(
    """
    import json, os, sys
    import pulumi

    class Mocks(pulumi.runtime.Mocks):
        def new_resource(self, args):
            print(json.dumps({"name": args.name, "inputs": args.inputs}), flush=True)
            return args.name, dict(args.inputs)
        def call(self, args):
            return {}, []

    pulumi.runtime.set_mocks(Mocks(), project="p", stack="s", preview=False)
    pulumi.runtime.set_config("gotham:token", os.environ["TOKEN"])
    from gotham_inbox.providers import InboxMessage, InboxMessageBatch

    message = json.loads(os.environ["MESSAGE"])

    @pulumi.runtime.test  # type: ignore[untyped-decorator]
    def program():
        InboxMessage("one", message=message)
        batch = InboxMessageBatch("many", messages=[message, message])
        return batch.source_ids

    program()
    """
)


def run_program(token: str) -> dict[str, dict[str, Any]]:
    """Run a program in a fresh interpreter; the inputs of each resource it registered."""
    result = subprocess.run(
        [sys.executable, "-c", PROGRAM],
        env={"TOKEN": token, "MESSAGE": json.dumps(MESSAGE), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    lines = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    return {line["name"]: line["inputs"] for line in lines}


def test_the_serialised_provider_is_a_small_plain_reference_identical_across_runs() -> None:
    first = run_program(SECRET_TOKEN)
    second = run_program("another-token-entirely")
    for name, inputs in first.items():
        serialised = inputs["__provider"]
        # Not wrapped as a secret: a plain string, because it provably holds no secret.
        assert isinstance(serialised, str)
        raw = base64.b64decode(serialised)
        assert len(raw) < 100
        assert SECRET_TOKEN.encode() not in raw
        assert SECRET_TOKEN not in json.dumps(inputs)
        assert serialised == second[name]["__provider"]
    assert b"InboxMessageProvider" in base64.b64decode(first["one"]["__provider"])
    assert b"InboxMessageBatchProvider" in base64.b64decode(first["many"]["__provider"])


def test_a_configured_provider_still_pickles_without_its_settings(
    scripted_gotham: ScriptedGotham,
) -> None:
    from pulumi.dynamic.dynamic import serialize_provider

    provider = InboxMessageProvider()
    blank = serialize_provider(provider)
    provider.use_settings(scripted_gotham.settings())
    configured = serialize_provider(provider)
    assert configured == blank
    assert SECRET_TOKEN.encode() not in base64.b64decode(configured)
    assert SECRET_TOKEN not in repr(provider)
    assert SECRET_TOKEN not in repr(provider.settings)
