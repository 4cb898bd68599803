"""What only the plugin door does: its schema, its preview, the sourceIds its Check derives,
secrets through provider config, and failures as one message.

The behaviour both doors share (check, diff, create, adoption, faults) is tested through both
in test_provider_protocol.py and test_provider_faults.py.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import grpc
import pytest
from google.protobuf import struct_pb2
from pulumi.output import Unknown
from pulumi.runtime import rpc
from pulumi.runtime.proto import provider_pb2

from gotham_inbox.emulator.testing import RunningEmulator, running_emulator
from gotham_inbox.models import SendMessageRequest
from gotham_inbox.policy.inbox_resource import PLUGIN_MESSAGE_BATCH_TYPE, PLUGIN_MESSAGE_TYPE
from gotham_inbox.source_ids import derive_source_id
from tests.provider.host_support import Host, from_struct, secret, to_struct
from tests.provider.protocol_support import PROJECT, STACK, stack_config, urn
from tests.provider.provider_support import MESSAGE, SECRET_TOKEN

SALT = "salt-of-the-plugin-test-5c1e"


@pytest.fixture
def emulator() -> Iterator[RunningEmulator]:
    with running_emulator() as running:
        yield running


def check(host: Host, name: str, inputs: dict[str, Any]) -> provider_pb2.CheckResponse:
    """The plugin's Check of an InboxMessage named ``name``."""
    checked: provider_pb2.CheckResponse = host.stub.Check(
        provider_pb2.CheckRequest(
            urn=urn(PLUGIN_MESSAGE_TYPE, name), olds=to_struct({}), news=to_struct(inputs)
        ),
        timeout=30,
    )
    return checked


def is_secret(value: struct_pb2.Value) -> bool:
    """True when the engine would read ``value`` as a secret."""
    fields = value.struct_value.fields
    return bool(fields[rpc._special_sig_key].string_value == rpc._special_secret_sig)


def test_the_schema_declares_both_resources_typed_and_the_credentials_secret(
    start_plugin: Callable[[dict[str, Any]], Host],
) -> None:
    host = start_plugin({})
    schema = json.loads(host.stub.GetSchema(provider_pb2.GetSchemaRequest(), timeout=30).schema)
    assert schema["name"] == "gotham"
    # The tokens the pack judges are the tokens the plugin serves.
    assert set(schema["resources"]) == {PLUGIN_MESSAGE_TYPE, PLUGIN_MESSAGE_BATCH_TYPE}
    secrets = {key for key, spec in schema["config"]["variables"].items() if spec.get("secret")}
    assert secrets == {"token", "clientSecret", "sourceIdSalt", "proxy"}
    assert schema["provider"]["inputProperties"] == schema["config"]["variables"]
    # The message type is the model's: every wire field, the required ones required.
    message_type = schema["types"]["gotham:index:SendMessageRequest"]
    fields = SendMessageRequest.model_json_schema(by_alias=True)
    assert set(message_type["properties"]) == set(fields["properties"])
    assert set(message_type["required"]) == set(fields["required"])
    single = schema["resources"][PLUGIN_MESSAGE_TYPE]
    assert single["inputProperties"]["message"]["$ref"].endswith(":SendMessageRequest")
    assert {"sourceId", "status", "idempotent", "recipients", "sentAt"} <= set(single["properties"])
    assert all(spec.get("description") for spec in single["properties"].values())


def test_check_derives_the_sourceid_a_python_program_of_that_name_derives_salted(
    start_plugin: Callable[[dict[str, Any]], Host],
) -> None:
    host = start_plugin({"gotham:sourceIdSalt": secret(SALT)})
    checked = from_struct(check(host, "release", {"message": MESSAGE}).inputs)
    salted = derive_source_id(PROJECT, STACK, "release", MESSAGE, None, SALT)
    assert checked["message"]["sourceId"] == salted
    assert salted != derive_source_id(PROJECT, STACK, "release", MESSAGE, None, None)
    # Another resource name, another id; a declared id is kept as it is.
    other = from_struct(check(host, "other", {"message": MESSAGE}).inputs)
    assert other["message"]["sourceId"] != salted
    own = "0b7e5ad2-4f4e-4c55-9d62-2f8f3c6f9f10"
    kept = from_struct(check(host, "release", {"message": {**MESSAGE, "sourceId": own}}).inputs)
    assert kept["message"]["sourceId"] == own
    assert SALT not in host.stderr()


def test_content_unknown_at_preview_is_not_a_failure_and_leaves_the_id_unknown(
    start_plugin: Callable[[dict[str, Any]], Host],
) -> None:
    host = start_plugin({})
    checked = check(host, "release", {"message": {**MESSAGE, "title": {"value": rpc.UNKNOWN}}})
    assert list(checked.failures) == []
    assert isinstance(from_struct(checked.inputs)["message"]["sourceId"], Unknown)


def test_a_preview_sends_nothing_and_leaves_the_outputs_it_cannot_know_out(
    start_plugin: Callable[[dict[str, Any]], Host], emulator: RunningEmulator
) -> None:
    host = start_plugin(stack_config(emulator, emulator.token_for("release-bot")))
    checked = check(host, "release", {"message": MESSAGE})
    previewed = host.stub.Create(
        provider_pb2.CreateRequest(
            urn=urn(PLUGIN_MESSAGE_TYPE, "release"), properties=checked.inputs, preview=True
        ),
        timeout=30,
    )
    outputs = from_struct(previewed.properties)
    assert emulator.messages() == []
    assert outputs["requestedSourceId"] == from_struct(checked.inputs)["message"]["sourceId"]
    assert outputs["hostname"] == emulator.base_url
    assert not {"sourceId", "status", "idempotent", "sentAt"} & set(outputs)


def test_a_preview_of_a_message_not_known_yet_sends_nothing_and_does_not_fail(
    start_plugin: Callable[[dict[str, Any]], Host], emulator: RunningEmulator
) -> None:
    host = start_plugin(stack_config(emulator, emulator.token_for("release-bot")))
    for type_, inputs in (
        (PLUGIN_MESSAGE_TYPE, {"message": rpc.UNKNOWN}),
        (PLUGIN_MESSAGE_BATCH_TYPE, {"messages": rpc.UNKNOWN}),
        (PLUGIN_MESSAGE_BATCH_TYPE, {"messages": [MESSAGE, rpc.UNKNOWN]}),
    ):
        previewed = host.stub.Create(
            provider_pb2.CreateRequest(
                urn=urn(type_, "later"), properties=to_struct(inputs), preview=True
            ),
            timeout=30,
        )
        outputs = from_struct(previewed.properties)
        assert outputs["hostname"] == emulator.base_url
        assert "requestedSourceId" not in outputs and "requestedSourceIds" not in outputs
    assert emulator.messages() == []


def test_a_secret_message_stays_secret_in_every_output_made_from_it(
    start_plugin: Callable[[dict[str, Any]], Host], emulator: RunningEmulator
) -> None:
    host = start_plugin(stack_config(emulator, emulator.token_for("release-bot")))
    news = {"message": {rpc._special_sig_key: rpc._special_secret_sig, "value": MESSAGE}}
    checked = check(host, "release", news)
    assert is_secret(checked.inputs.fields["message"])
    created = host.stub.Create(
        provider_pb2.CreateRequest(
            urn=urn(PLUGIN_MESSAGE_TYPE, "release"), properties=checked.inputs
        ),
        timeout=60,
    )
    recorded = struct_pb2.Struct()  # as the state holds it (is_secret's lookups add fields)
    recorded.CopyFrom(created.properties)
    for key in ("message", "sourceId", "requestedSourceId", "recipients"):
        assert is_secret(created.properties.fields[key]), key
    assert not is_secret(created.properties.fields["status"])
    (record,) = emulator.messages()
    # A resource id cannot be secret, and the sourceId hashes the secret content: the id the
    # state shows is random, the sourceId output (secret) the real one.
    source_id = record["sourceId"]
    assert source_id not in created.id
    assert created.id not in json.dumps(record)
    secret_source_id = created.properties.fields["sourceId"].struct_value.fields["value"]
    assert secret_source_id.string_value == source_id
    # Refresh keeps the state; a create repeated after a crash still adopts by sourceId.
    read = host.stub.Read(
        provider_pb2.ReadRequest(
            id=created.id,
            urn=urn(PLUGIN_MESSAGE_TYPE, "release"),
            properties=recorded,
            inputs=checked.inputs,
        ),
        timeout=30,
    )
    assert read.id == created.id
    assert is_secret(read.properties.fields["sourceId"])
    again = host.stub.Create(
        provider_pb2.CreateRequest(
            urn=urn(PLUGIN_MESSAGE_TYPE, "release"), properties=checked.inputs
        ),
        timeout=60,
    )
    assert again.properties.fields["status"].string_value == "adopted"
    assert again.id != source_id
    assert len(emulator.messages()) == 1


def test_import_is_refused_saying_how_to_adopt_instead(
    start_plugin: Callable[[dict[str, Any]], Host], emulator: RunningEmulator
) -> None:
    # `pulumi import gotham:index:InboxMessage imp <id>` reads with no recorded state: Gotham
    # cannot read a message back, so recording an empty resource would be a lie.
    host = start_plugin(stack_config(emulator, emulator.token_for("release-bot")))
    with pytest.raises(grpc.RpcError) as refused:
        host.stub.Read(
            provider_pb2.ReadRequest(
                id="0b0e5a55-2f0b-4b52-9d5e-0f0c4c1e2a11",
                urn=urn(PLUGIN_MESSAGE_TYPE, "imp"),
                properties=to_struct({}),
                inputs=to_struct({}),
            ),
            timeout=30,
        )
    details = refused.value.details() or ""
    assert details.startswith("a gotham inbox message cannot be imported: Gotham has no API")
    assert "declare it in the program with the same content and sourceId" in details
    assert "Traceback" not in details


def test_provider_config_keeps_credentials_secret_and_refuses_an_unknown_mode(
    start_plugin: Callable[[dict[str, Any]], Host],
) -> None:
    host = start_plugin({})
    checked = host.stub.CheckConfig(
        provider_pb2.CheckRequest(
            urn=urn("pulumi:providers:gotham", "default"),
            olds=to_struct({}),
            news=to_struct(
                {
                    "token": SECRET_TOKEN,
                    "hostname": "h",
                    "sourceIds": "always",
                    "proxy": "http://user:pr0xyPassw0rd@proxy.example.com:3128",
                }
            ),
        ),
        timeout=30,
    )
    # Set without --secret, the token and the proxy (its URL may hold a password) are still
    # stored encrypted in the provider's state.
    assert is_secret(checked.inputs.fields["token"])
    assert is_secret(checked.inputs.fields["proxy"])
    assert not is_secret(checked.inputs.fields["hostname"])
    (failure,) = checked.failures
    assert failure.property == "sourceIds"
    assert "use auto (the default), send or omit" in failure.reason


def test_a_misspelt_provider_config_key_fails_the_config_check_with_a_suggestion(
    start_plugin: Callable[[dict[str, Any]], Host],
) -> None:
    # gotham:hostnme would be ignored and the first error would come at `pulumi up`.
    host = start_plugin({})
    checked = host.stub.CheckConfig(
        provider_pb2.CheckRequest(
            urn=urn("pulumi:providers:gotham", "default"),
            olds=to_struct({}),
            news=to_struct({"hostnme": "gotham.example.com", "version": "0.1.0"}),
        ),
        timeout=30,
    )
    (failure,) = checked.failures
    assert failure.reason.startswith("stack config gotham:hostnme is not a gotham-inbox setting")
    assert "did you mean 'gotham:hostname'?" in failure.reason


def test_a_failure_reaches_the_engine_as_one_message_without_a_traceback(
    start_plugin: Callable[[dict[str, Any]], Host], emulator: RunningEmulator
) -> None:
    host = start_plugin(stack_config(emulator, SECRET_TOKEN))
    checked = check(host, "release", {"message": MESSAGE})
    with pytest.raises(grpc.RpcError) as refused:
        host.stub.Create(
            provider_pb2.CreateRequest(
                urn=urn(PLUGIN_MESSAGE_TYPE, "release"), properties=checked.inputs
            ),
            timeout=60,
        )
    details = refused.value.details() or ""
    assert "HTTP 401" in details
    assert "Nothing was sent." in details
    assert "Traceback" not in details and 'File "' not in details
    assert SECRET_TOKEN not in details
    assert emulator.messages() == []

    with pytest.raises(grpc.RpcError) as unserved:
        host.stub.Check(
            provider_pb2.CheckRequest(
                urn=urn("gotham:index:InboxMesage", "x"),
                olds=to_struct({}),
                news=to_struct({"message": MESSAGE}),
            ),
            timeout=30,
        )
    assert (unserved.value.details() or "").startswith(
        "the gotham provider has no resource type gotham:index:InboxMesage; it serves "
    )
    assert SECRET_TOKEN not in host.stderr()  # (stops the plugin)


def test_the_source_ids_mode_arrives_as_provider_config(
    start_plugin: Callable[[dict[str, Any]], Host], emulator: RunningEmulator
) -> None:
    config = stack_config(emulator, emulator.token_for("release-bot"))
    host = start_plugin({**config, "gotham:sourceIds": "omit"})
    checked = check(host, "release", {"message": MESSAGE})
    created = host.stub.Create(
        provider_pb2.CreateRequest(
            urn=urn(PLUGIN_MESSAGE_TYPE, "release"), properties=checked.inputs
        ),
        timeout=60,
    )
    outputs = from_struct(created.properties)
    (record,) = emulator.messages()
    # omit: the declared id stays the resource's key; the server chose the message's id.
    assert outputs["sourceId"] == record["sourceId"] != outputs["requestedSourceId"]
    assert outputs["idempotent"] is False
