"""The messages every benchmark works with: generated, valid, and the same from run to run.

They are what a release pipeline sends through the example directory as ``release-bot``: teams
of the caller's realm without a realm, the partner team with its realm and a marking it may
read, about half with a Markdown body, each with its own ``sourceId``. None of them violates a
policy, so the benchmarks time the path every clean deploy takes.
"""

from __future__ import annotations

import random
import uuid
from functools import cache
from typing import Any

from gotham_inbox.directory import Directory, load_directory
from gotham_inbox.policy import (
    INBOX_MESSAGE_BATCH_TYPE,
    INBOX_MESSAGE_TYPE,
    InboxResource,
    ResolvedPolicy,
    StackContext,
    resolve_pack_config,
)
from gotham_inbox.policy.directory_config import policy_config_from_directory

CALLER = "release-bot"
REALM = "palantir-internal-realm"
STACK = "dev"
PROJECT = "gotham-inbox-bench"

_TEAMS = ("platform-team", "sre-oncall")
_EVENTS = ("deployed", "rolled back", "paused", "promoted to production", "scheduled")


@cache
def directory() -> Directory:
    """The example directory shipped with the emulator."""
    return load_directory()


def token() -> str:
    """The caller's bearer token in the example directory."""
    value = directory().user(CALLER).token
    assert value is not None, "the example directory's release-bot has a token"
    return value


def policy_config() -> dict[str, Any]:
    """The policy config generated from the example directory for the caller."""
    return policy_config_from_directory(directory(), directory().user(CALLER))


def pack_settings() -> dict[str, ResolvedPolicy]:
    """Every policy at its own level, with the generated config."""
    return resolve_pack_config(policy_config())


def stack_context() -> StackContext:
    """The bench stack: ``dev``, with the caller's realm in its config."""
    return StackContext(stack=STACK, config={"gotham:realm": REALM})


def messages(count: int, seed: int = 0, *, source_ids: bool = True) -> list[dict[str, Any]]:
    """``count`` valid wire-form messages; the same ``seed`` gives the same messages."""
    rng = random.Random(seed)
    generated = []
    for number in range(count):
        service = f"service-{rng.randrange(40):02d}"
        event = rng.choice(_EVENTS)
        if rng.random() < 0.2:
            recipients = [{"name": "partner-ops", "realm": "partner-realm"}]
            marking = "UNCLASSIFIED"
        else:
            recipients = [{"name": team} for team in rng.sample(_TEAMS, rng.randint(1, 2))]
            marking = rng.choice(("UNCLASSIFIED", "SENSITIVE"))
        message: dict[str, Any] = {
            "groupRecipients": recipients,
            "sender": {"displayName": "Release Bot"},
            "title": {"value": f"{service} {event} (change {number})"},
            "security": {"portionMarkings": [marking]},
        }
        if rng.random() < 0.5:
            message["body"] = {
                "value": f"**{service}** was {event}. See the runbook for what changes.",
                "formatStyle": "MARKDOWN",
            }
        if source_ids:
            message["sourceId"] = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        generated.append(message)
    return generated


def urn(resource_type: str, name: str) -> str:
    """The URN the engine gives a top-level resource of the bench project."""
    return f"urn:pulumi:{STACK}::{PROJECT}::{resource_type}::{name}"


def resources(batch: list[dict[str, Any]], batch_size: int) -> list[InboxResource]:
    """The messages as resources: ``InboxMessage`` each for size 1, else ``InboxMessageBatch``."""
    if batch_size == 1:
        return [
            InboxResource(
                INBOX_MESSAGE_TYPE,
                urn(INBOX_MESSAGE_TYPE, f"notice-{index}"),
                f"notice-{index}",
                {"message": message},
            )
            for index, message in enumerate(batch)
        ]
    return [
        InboxResource(
            INBOX_MESSAGE_BATCH_TYPE,
            urn(INBOX_MESSAGE_BATCH_TYPE, f"batch-{start // batch_size}"),
            f"batch-{start // batch_size}",
            {"messages": batch[start : start + batch_size]},
        )
        for start in range(0, len(batch), batch_size)
    ]
