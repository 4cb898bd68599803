"""The example stack: inbox messages declared beside the infrastructure they talk about.

- a release manifest file: the "infrastructure" of this release (no cloud credentials needed);
- two messages (maintenance tonight; a notice to a partner group in its own realm);
- a batch sent in one all-or-nothing request (the on-call steps of the rollout);
- the announcement of this release, sent last: once the manifest has been written and the
  other messages have gone out.

``pulumi config set version 1.5.0`` and ``pulumi up`` announce a new release; running the same
version again sends nothing. The ``dev`` stack talks to the local emulator (see the README).
"""

import pulumi

from gotham_inbox.providers import InboxMessage, InboxMessageBatch, ReleaseAnnouncement
from release_manifest import ReleaseManifest

config = pulumi.Config()
service = config.get("service") or "gotham-inbox-example"
version = config.require("version")
changelog = config.get("changelog") or ""
stack = pulumi.get_stack()

SENDER = {"displayName": "Release Bot"}
UNCLASSIFIED = {"portionMarkings": ["UNCLASSIFIED"]}

manifest = ReleaseManifest(
    "release-manifest",
    path=f"build/release-manifest.{stack}.json",
    content={"service": service, "version": version, "stack": stack, "changelog": changelog},
)

maintenance = InboxMessage(
    "maintenance-tonight",
    message={
        "groupRecipients": [{"name": "sre-oncall"}, {"name": "platform-team"}],
        "sender": SENDER,
        "title": {"value": "Maintenance tonight, 22:00-23:00 UTC"},
        "body": {
            "value": f"**{service}** is read-only during the window. No action needed.",
            "formatStyle": "MARKDOWN",
        },
        "security": UNCLASSIFIED,
    },
)

partner_notice = InboxMessage(
    "partner-notice",
    message={
        "groupRecipients": [{"name": "partner-ops", "realm": "partner-realm"}],
        "sender": SENDER,
        "title": {"value": f"{service} {version} reaches partners tomorrow"},
        "security": UNCLASSIFIED,
    },
)

rollout = InboxMessageBatch(
    "rollout-steps",
    messages=[
        {
            "groupRecipients": [{"name": "sre-oncall"}],
            "sender": SENDER,
            "title": {"value": f"Deploy window for {service} {version} opens"},
            "security": {"portionMarkings": ["SENSITIVE"]},
        },
        {
            "groupRecipients": [{"name": "platform-team"}],
            "sender": SENDER,
            "title": {"value": f"Watch the {service} dashboards during the rollout"},
            "security": UNCLASSIFIED,
        },
    ],
)

announcement = ReleaseAnnouncement(
    "release",
    service=service,
    version=version,
    changelog=changelog,
    recipients=["platform-team", "sre-oncall"],
    markings=["UNCLASSIFIED"],
    sender="Release Bot",
    # Announce only once the release is in place and its other messages are out.
    depends_on=[manifest, maintenance, partner_notice, rollout],
)

pulumi.export("manifestPath", manifest.path)
pulumi.export("maintenanceId", maintenance.source_id)
pulumi.export("partnerNoticeId", partner_notice.source_id)
pulumi.export("rolloutIds", rollout.source_ids)
pulumi.export("announcementId", announcement.source_id)
pulumi.export("announcementStatus", announcement.status)
