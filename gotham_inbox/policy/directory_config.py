"""Policy config generated from an emulator directory: one source of truth for both.

The directory says which markings exist (in order), which groups live in which realm and what
they may read, who the caller is, and the server's Inbox limits.
:func:`policy_config_from_directory` turns that into the ``inbox-realm-requirements``,
``inbox-markings`` and ``inbox-recipients-can-read`` properties, and the limits into
``inbox-message-valid`` (per message) and ``inbox-batch-atomicity`` (messages per request),
in Pulumi's policy-pack config format. Tokens and client secrets never appear in it.
Enforcement levels are left out, so each policy keeps its own. Where the directory itself
leaves something unrestricted (a caller without a clearance, no markings, no group with a
clearance), the config says so with ``missingDirectory: ignore``: the policy knows the
directory, and has nothing to judge there.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from gotham_inbox.directory import Directory, User
from gotham_inbox.policy import (
    batch_atomicity,
    markings,
    message_valid,
    realm_requirements,
    recipients_can_read,
)
from gotham_inbox.policy.pack_config import resolve_pack_config
from gotham_inbox.policy.registry import POLICIES
from gotham_inbox.policy.unjudged import MISSING_DIRECTORY_PROPERTY
from gotham_inbox.policy.violation import LEVEL_NAMES


def _ordered(subset: Iterable[str], order: tuple[str, ...]) -> list[str]:
    wanted = set(subset)
    return [marking for marking in order if marking in wanted]


def policy_config_from_directory(directory: Directory, caller: User) -> dict[str, Any]:
    """The policy config for ``caller`` sending into ``directory``'s groups."""
    realm_config: dict[str, Any] = {
        "callerRealm": caller.realm,
        "groups": [{"name": group.name, "realm": group.realm} for group in directory.groups],
        "unknownGroups": "flag",
    }
    markings_config: dict[str, Any] = {"allowedMarkings": list(directory.markings)}
    if caller.clearance is not None:
        markings_config["callerClearance"] = _ordered(caller.clearance, directory.markings)
    readers_config: dict[str, Any] = {
        "callerRealm": caller.realm,
        # A group without a clearance in the directory reads every marking: nothing to check.
        "groups": [
            {
                "name": group.name,
                "realm": group.realm,
                "clearance": _ordered(group.clearance, directory.markings),
            }
            for group in directory.groups
            if group.clearance is not None
        ],
    }
    # What the directory leaves unrestricted is known, not missing (see unjudged.py).
    if not realm_config["groups"]:
        realm_config[MISSING_DIRECTORY_PROPERTY] = "ignore"
    if not directory.markings or caller.clearance is None:
        markings_config[MISSING_DIRECTORY_PROPERTY] = "ignore"
    if not readers_config["groups"]:
        readers_config[MISSING_DIRECTORY_PROPERTY] = "ignore"
    limits = directory.limits
    valid_config: dict[str, Any] = {
        "maxRecipientsPerMessage": limits.max_recipients_per_message,
        "maxTitleLength": limits.max_title_length,
        "maxBodyLength": limits.max_body_length,
    }
    batch_config: dict[str, Any] = {"maxMessagesPerRequest": limits.max_messages_per_request}
    config = {
        message_valid.NAME: valid_config,
        batch_atomicity.NAME: batch_config,
        realm_requirements.NAME: realm_config,
        markings.NAME: markings_config,
        recipients_can_read.NAME: readers_config,
    }
    resolve_pack_config(config)  # what we generate must be a config the policies accept
    return config


def pack_config_schema() -> dict[str, Any]:
    """JSON Schema of a whole policy config file for the pack (for editors and CI)."""
    levels = {"type": "string", "enum": list(LEVEL_NAMES)}
    properties: dict[str, Any] = {"all": {**levels, "description": "A level for every policy."}}
    for spec in POLICIES:
        schema = spec.schema()
        entry = {
            **schema,
            "properties": {"enforcementLevel": levels, **schema["properties"]},
            "description": spec.description,
        }
        properties[spec.name] = {"anyOf": [levels, entry], "description": spec.description}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "gotham-inbox policy pack config",
        "description": "Pulumi policy-pack config (--policy-pack-config) for the gotham-inbox "
        "pack, also read by gotham-inbox check.",
        "type": "object",
        "additionalProperties": False,
        "properties": properties,
    }
