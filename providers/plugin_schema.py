"""The Pulumi package schema of the ``gotham`` plugin, generated from the models and settings.

The message types are the send endpoint's JSON Schema (:func:`gotham_inbox.schema.load`, made
from the pydantic models) turned into Pulumi object types, and the provider config is the
provider's own settings (:mod:`gotham_inbox.providers.settings`), credentials ``secret: true``.
Only the resources' outputs are described here: they are what the provider records.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from gotham_inbox.providers import settings
from gotham_inbox.schema import load

PACKAGE = "gotham"
"""The package name: the type tokens' first part and the provider's config namespace, so one
stack config (``gotham:*``) serves the plugin and the dynamic provider alike."""
MESSAGE_TOKEN = f"{PACKAGE}:index:InboxMessage"
BATCH_TOKEN = f"{PACKAGE}:index:InboxMessageBatch"

_MESSAGE_DEF = "SendMessageRequest"
_CONFIG_DESCRIPTIONS: dict[settings.Setting, str] = {
    settings.HOSTNAME: "The Gotham host messages are sent to (e.g. `gotham.example.com`).",
    settings.TOKEN: "A bearer token (or set clientId and clientSecret).",
    settings.CLIENT_ID: "The OAuth2 client id of client-credentials authentication.",
    settings.CLIENT_SECRET: "The OAuth2 client secret of client-credentials authentication.",
    settings.CA_BUNDLE: "A PEM file of the certificate authorities to trust.",
    settings.REALM: "The caller's realm: the realm of group recipients that name none.",
    settings.SOURCE_IDS: "`auto` (the default), `send` or `omit`: how messages carry their "
    "sourceIds (docs/source-ids.md).",
    settings.SOURCE_ID_SALT: "The key of derived sourceIds (never stored).",
    settings.SCOPES: "The OAuth2 scopes to ask for: names split by spaces or commas, or a "
    "JSON list.",
    settings.PROXY: "The HTTP(S) proxy to reach Gotham through.",
}


def _type_ref(name: str) -> str:
    return f"#/types/{PACKAGE}:index:{name}"


def _property(name: str, spec: dict[str, Any], enums: dict[str, Any]) -> dict[str, Any]:
    """JSON Schema property ``name`` as a Pulumi property spec (``null`` alternatives dropped:
    an optional property is one left out of ``required``; an enum becomes an enum type)."""
    alternatives = [item for item in spec.get("anyOf", [spec]) if item.get("type") != "null"]
    (chosen,) = alternatives
    result: dict[str, Any]
    if "$ref" in chosen:
        result = {"$ref": _type_ref(chosen["$ref"].rsplit("/", 1)[-1])}
    elif "enum" in chosen:
        enum = name[0].upper() + name[1:]
        enums[enum] = {
            "type": "string",
            "enum": [{"value": value, "name": value.title()} for value in chosen["enum"]],
        }
        result = {"$ref": _type_ref(enum)}
    elif chosen.get("type") == "array":
        result = {"type": "array", "items": _property(name, chosen["items"], enums)}
    else:
        result = {"type": chosen["type"]}
    description = spec.get("description") or chosen.get("description")
    if description:
        result["description"] = description
    return result


def _object_type(definition: dict[str, Any], enums: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "object",
        "description": definition.get("description", ""),
        "properties": {
            name: _property(name, spec, enums) for name, spec in definition["properties"].items()
        },
        "required": list(definition.get("required", [])),
    }


def _types() -> dict[str, Any]:
    enums: dict[str, Any] = {}
    objects = {
        f"{PACKAGE}:index:{name}": _object_type(definition, enums)
        for name, definition in load()["$defs"].items()
    }
    return {**objects, **{f"{PACKAGE}:index:{name}": spec for name, spec in enums.items()}}


def _string(description: str) -> dict[str, Any]:
    return {"type": "string", "description": description}


def _strings(description: str) -> dict[str, Any]:
    return {"type": "array", "items": {"type": "string"}, "description": description}


_MESSAGE = {"$ref": _type_ref(_MESSAGE_DEF)}
_RECIPIENTS = {"type": "array", "items": {"$ref": _type_ref("GroupRecipient")}}
_IDEMPOTENT = (
    "True when the host honoured the declared sourceId(s), so a repeat is refused rather than "
    "delivered twice (docs/source-ids.md)."
)
_SENT_AT = "When this deploy sent the message(s) (UTC, ISO 8601); unset when all were adopted."
_HOSTNAME = "The Gotham host the message(s) went to."


def _message_resource() -> dict[str, Any]:
    message = {
        **_MESSAGE,
        "description": "The message in wire form. Without a sourceId one is derived from the "
        "project, the stack, the resource name and the content (salted by "
        "gotham:sourceIdSalt).",
    }
    return {
        "description": "One Gotham Global Inbox message, sent when the resource is created. "
        "Any change to what would be sent replaces it (a new message); deleting it only "
        "removes it from the stack: Gotham messages cannot be recalled.",
        "inputProperties": {"message": message},
        "requiredInputs": ["message"],
        "properties": {
            "message": {**_MESSAGE, "description": "The message exactly as sent."},
            "sourceId": _string("The message's id in Gotham (the server's)."),
            "requestedSourceId": _string("The sourceId the message declared."),
            "idempotent": {"type": "boolean", "description": _IDEMPOTENT},
            "status": _string(
                "`sent`, or `adopted` when an earlier attempt had already sent "
                "it (its sourceId came back as a conflict)."
            ),
            "recipients": {
                **_RECIPIENTS,
                "description": "The groups, each with its realm "
                "when known (its own, or gotham:realm).",
            },
            "sentAt": _string(_SENT_AT),
            "hostname": _string(_HOSTNAME),
        },
        "required": ["message", "requestedSourceId", "hostname"],
    }


def _batch_resource() -> dict[str, Any]:
    messages = {"type": "array", "items": _MESSAGE}
    return {
        "description": "Several Gotham Global Inbox messages sent in ONE request: the server "
        "validates them together and sends all or none.",
        "inputProperties": {
            "messages": {
                **messages,
                "description": "The messages in wire form; each without a sourceId gets one "
                "derived from its index too.",
            }
        },
        "requiredInputs": ["messages"],
        "properties": {
            "messages": {**messages, "description": "The messages exactly as sent."},
            "sourceIds": _strings("The messages' ids in Gotham (the server's), in order."),
            "requestedSourceIds": _strings("The sourceIds the messages declared, in order."),
            "idempotent": {"type": "boolean", "description": _IDEMPOTENT},
            "statuses": _strings("`sent` or `adopted` for each message, in order."),
            "recipients": {
                "type": "array",
                "items": _RECIPIENTS,
                "description": "Each message's groups, with their realms when known.",
            },
            "sentAt": _string(_SENT_AT),
            "hostname": _string(_HOSTNAME),
        },
        "required": ["messages", "requestedSourceIds", "hostname"],
    }


def _config_variables() -> dict[str, Any]:
    variables = {}
    for setting, description in _CONFIG_DESCRIPTIONS.items():
        name = setting.config_key.split(":", 1)[1]
        spec: dict[str, Any] = {
            "type": "string",
            "description": f"{description} Falls back to {setting.env_var}.",
        }
        if setting.secret:
            spec["secret"] = True
        variables[name] = spec
    return variables


@cache
def package_schema(version: str) -> dict[str, Any]:
    """The package schema of ``gotham`` at ``version``."""
    config = _config_variables()
    return {
        "name": PACKAGE,
        "displayName": "Gotham Global Inbox",
        "version": version,
        "description": "Palantir Gotham Global Inbox messages as Pulumi resources.",
        "license": "Apache-2.0",
        "config": {"variables": config},
        "provider": {"description": "The gotham provider.", "inputProperties": config},
        "types": _types(),
        "resources": {MESSAGE_TOKEN: _message_resource(), BATCH_TOKEN: _batch_resource()},
        # Where the typed SDKs scripts/gen-sdks generates say they live.
        "language": {
            "python": {"packageName": "pulumi_gotham"},
            "nodejs": {
                "packageName": "@gotham-inbox/gotham",
                "packageDescription": "Gotham "
                "Global Inbox messages as Pulumi resources (the gotham plugin's SDK).",
            },
            "go": {
                "importBasePath": "gotham-inbox/sdk/go/gotham",
                "generateResourceContainerTypes": False,
            },
        },
    }


def schema_json(version: str) -> str:
    """:func:`package_schema` as the JSON text GetSchema answers."""
    return json.dumps(package_schema(version), indent=2, sort_keys=True)
