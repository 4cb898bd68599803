"""Builders of the policy tests: messages, resources, the stack they are in, the directory config.

Each builder is small and named for what it makes, so a case reads as what it declares.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from gotham_inbox.directory import load_directory
from gotham_inbox.policy import INBOX_MESSAGE_BATCH_TYPE, INBOX_MESSAGE_TYPE, InboxResource
from gotham_inbox.policy.directory_config import policy_config_from_directory
from tests.support import RELEASE_MESSAGE, changed

REPO = Path(__file__).resolve().parents[2]
PACK_DIR = REPO / "policies"
PROJECT = "inbox-project"
REALM = "palantir-internal-realm"
"""The caller's realm in the example directory."""

POLICY_NAMES = (
    "inbox-message-valid",
    "inbox-batch-atomicity",
    "inbox-realm-requirements",
    "inbox-markings",
    "inbox-recipients-can-read",
    "inbox-content",
)
"""The pack's policies, in the order the pack declares them (and SARIF lists its rules)."""

DIRECTORY_POLICIES = ("inbox-realm-requirements", "inbox-markings", "inbox-recipients-can-read")
"""The policies that judge against the directory, and say so when their config lacks it."""


# --- messages --------------------------------------------------------------------------------


def source_id(seed: str) -> str:
    """A deterministic sourceId, so case ids and expected texts are stable."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"gotham-inbox-policy-tests/{seed}"))


def message(seed: str = "m", **changes: Any) -> dict[str, Any]:
    """A valid wire message with its own sourceId; ``None`` in changes removes a field."""
    return changed({**RELEASE_MESSAGE, "sourceId": source_id(seed)}, changes)


def numbered_messages(count: int) -> list[dict[str, Any]]:
    """``count`` valid messages, each with its own sourceId."""
    return [message(str(number)) for number in range(count)]


def to(*groups: str | tuple[str, str]) -> list[dict[str, str]]:
    """Group recipients: ``"name"`` (no realm) or ``("name", "realm")``."""
    return [
        {"name": group} if isinstance(group, str) else {"name": group[0], "realm": group[1]}
        for group in groups
    ]


def marked(*markings: str) -> dict[str, list[str]]:
    """A security block with these portion markings."""
    return {"portionMarkings": list(markings)}


# --- resources -------------------------------------------------------------------------------


def urn(resource_type: str, name: str, stack: str = "dev") -> str:
    """The URN the engine gives a top-level resource of the test project."""
    return f"urn:pulumi:{stack}::{PROJECT}::{resource_type}::{name}"


def single(name: str, data: Any, **inputs: Any) -> InboxResource:
    """An InboxMessage resource with input ``message`` (left out when ``data`` is ``...``)."""
    props = dict(inputs) if data is ... else {"message": data, **inputs}
    return InboxResource(INBOX_MESSAGE_TYPE, urn(INBOX_MESSAGE_TYPE, name), name, props)


def batch(name: str, data: Any) -> InboxResource:
    """An InboxMessageBatch resource with input ``messages``."""
    resource_type = INBOX_MESSAGE_BATCH_TYPE
    return InboxResource(resource_type, urn(resource_type, name), name, {"messages": data})


# --- the policy config: the directory, or explicitly none ------------------------------------


def example_config(caller: str = "release-bot") -> dict[str, Any]:
    """The policy config generated from the example directory for ``caller``."""
    directory = load_directory()
    return policy_config_from_directory(directory, directory.user(caller))


def ceiling(**properties: Any) -> dict[str, Any]:
    """``inbox-markings`` allowing UNCLASSIFIED, SENSITIVE and SECRET, with ``properties`` (a
    ceiling: ``maxMarking`` or ``stackMaxMarkings``)."""
    return {
        "inbox-markings": {"allowedMarkings": ["UNCLASSIFIED", "SENSITIVE", "SECRET"], **properties}
    }


EXAMPLE: Mapping[str, Any] = example_config()
"""The policy config generated from the example directory, shared by the cases (read only)."""


def without_directory(config: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """``config`` with ``missingDirectory: ignore`` on every policy that needs the directory:
    a case about another rule says explicitly that it has no directory."""
    changed_config = dict(config or {})
    for name in DIRECTORY_POLICIES:
        entry = changed_config.get(name, {})
        if isinstance(entry, str):  # a level alone
            entry = {"enforcementLevel": entry}
        changed_config[name] = {**entry, "missingDirectory": "ignore"}
    return changed_config
