"""Announcing one event of a deploy: render, redact, judge with the pack, send once.

:class:`Announcer` holds what every event of one deploy shares (its identity, its routes, the
provider's settings, the stack's policy config); :meth:`Announcer.prepare` builds an event's
message and the pack's verdict on it, :meth:`Announcer.send` sends it as the provider's create
does (its sourceId on the wire as ``gotham:sourceIds`` says, a ``CONFLICTING_SOURCE_ID`` on it
adopted: the event was announced already, nothing new is sent). The command line
(:mod:`gotham_inbox.cli.announce`) and the Automation API wrapper
(:mod:`gotham_inbox.announce.automation`) both go through it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gotham_inbox._delivery import MessageResult
from gotham_inbox.announce.identity import EVENTS, DeployIdentity
from gotham_inbox.announce.message import render
from gotham_inbox.announce.routes import Routes, StackDefaults, load_routes
from gotham_inbox.announce.summary import DeploySummary
from gotham_inbox.check.project import StackProject, load_policy_config
from gotham_inbox.policy.engine import evaluate
from gotham_inbox.policy.inbox_resource import INBOX_MESSAGE_TYPE, StackContext, inbox_resource
from gotham_inbox.policy.pack_config import ResolvedPolicy
from gotham_inbox.policy.violation import Violation
from gotham_inbox.providers.provider import InboxMessageProvider
from gotham_inbox.providers.settings import ProviderSettings

ANNOUNCE_RESOURCE_TYPE = "gotham:index:DeployAnnouncement"
"""The parent type in the URN the pack's findings name (the message is judged as an
``InboxMessage`` child of it, ``announce-<event>``)."""


class AnnounceRefused(Exception):
    """The pack refuses the announcement (a mandatory violation): nothing was sent."""

    def __init__(self, announcement: Announcement) -> None:
        self.announcement = announcement
        super().__init__(
            "; ".join(f"{v.policy}: {v.text}" for v in announcement.mandatory)
            + " (nothing was sent)"
        )


@dataclass(frozen=True)
class Announcement:
    """One event's message (``None`` when its route says ``send: false``) and the pack's
    violations on it."""

    event: str
    identity: DeployIdentity
    message: dict[str, Any] | None
    violations: list[Violation] = field(default_factory=list)
    summary: DeploySummary = field(default_factory=DeploySummary)

    @property
    def mandatory(self) -> list[Violation]:
        """The violations that stop it being sent."""
        return [violation for violation in self.violations if violation.is_mandatory]

    @property
    def source_id(self) -> str | None:
        """Its sourceId."""
        return None if self.message is None else str(self.message["sourceId"])


def _redacted(message: dict[str, Any], settings: ProviderSettings) -> dict[str, Any]:
    # An engine error may quote a credential; the provider's redaction keeps it out.
    return {
        **message,
        "title": {**message["title"], "value": settings.redact(message["title"]["value"])},
        "body": {**message["body"], "value": settings.redact(message["body"]["value"])},
    }


@dataclass
class Announcer:
    """Announces the events of one deploy (see the module docs)."""

    identity: DeployIdentity
    routes: Routes
    settings: ProviderSettings
    policy_config: Mapping[str, ResolvedPolicy]
    stack_config: Mapping[str, str]
    """The stack's config without secrets: what the pack's rules may read."""
    policy_config_path: Path | None = None
    _provider: InboxMessageProvider | None = field(default=None, repr=False)

    @classmethod
    def for_project(
        cls,
        project: StackProject,
        identity: DeployIdentity,
        settings: ProviderSettings,
        environ: Mapping[str, str],
        *,
        routes_path: Path | None = None,
        policy_config_path: Path | None = None,
    ) -> Announcer:
        """The announcer of ``project``'s stack: its routes file (or the stack's
        ``gotham:announce*`` defaults), its policy config as ``check`` finds it.

        Raises:
            RoutesError, PolicyConfigError: naming the file or setting at fault.
        """
        defaults = StackDefaults.resolve(project.plain_config, environ)
        routes = load_routes(routes_path, project.directory, defaults)
        path, policy_config = load_policy_config(project, policy_config_path)
        return cls(identity, routes, settings, policy_config, project.plain_config, path)

    def prepare(self, event: str, summary: DeploySummary | None = None) -> Announcement:
        """``event``'s message, redacted, with the pack's verdict on it. Sends nothing."""
        if event not in EVENTS:
            raise ValueError(f"unknown event {event!r}; use {', '.join(EVENTS)}")
        summary = summary or DeploySummary()
        route = self.routes.route(event)
        if not route.send:
            return Announcement(event, self.identity, None, [], summary)
        salt = self.settings.source_id_salt
        message = _redacted(render(self.identity, event, route, summary, salt), self.settings)
        name = f"announce-{event}"
        urn = (
            f"urn:pulumi:{self.identity.stack}::{self.identity.project}::"
            f"{ANNOUNCE_RESOURCE_TYPE}${INBOX_MESSAGE_TYPE}::{name}"
        )
        resource = inbox_resource(INBOX_MESSAGE_TYPE, urn, name, {"message": message})
        context = StackContext(
            stack=self.identity.stack, config=self.stack_config, project=self.identity.project
        )
        violations = evaluate([resource] if resource else [], self.policy_config, context)
        return Announcement(event, self.identity, message, violations, summary)

    def check_all(self) -> list[Announcement]:
        """Every event's announcement with an empty summary: a route the pack refuses is
        found before the deploy starts (the Automation API wrapper does this first)."""
        return [self.prepare(event) for event in EVENTS]

    def send(self, announcement: Announcement) -> MessageResult | None:
        """Send it once: ``sent``, or ``adopted`` when this event was announced already.

        ``None`` when its route sends nothing.

        Raises:
            AnnounceRefused: the pack refuses it; nothing was sent.
            InboxProviderError: not delivered (or not known whether); the text says which and
                whether running again is safe.
        """
        if announcement.message is None:
            return None
        if announcement.mandatory:
            raise AnnounceRefused(announcement)
        if self._provider is None:
            self._provider = InboxMessageProvider()
            self._provider.use_settings(self.settings)
        (outcome,) = self._provider.deliver("message", [announcement.message])
        return outcome
