"""``ReleaseAnnouncement``: one inbox message per released version, sent after the release.

The component renders the announcement
(:func:`gotham_inbox.providers.announcement.announcement_message`) and declares one child
:class:`~gotham_inbox.providers.resources.InboxMessage` that depends on the resources the
release is made of: the engine creates it, and so sends the message, only once they have
been created or updated successfully.

Its sourceId is derived from the service and the version alone. Deploying the same version
again changes nothing; if the message's content changed (a corrected changelog) or the state
was lost, the child is created again with the same sourceId, and a Gotham that honours
sourceIds answers ``CONFLICTING_SOURCE_ID`` and the provider adopts it: nothing is sent twice.
A Gotham that ignores or refuses sourceIds cannot recognise it: there, once per version holds
only while the state is kept (docs/source-ids.md). A new version is a
new sourceId, which replaces the child and sends a new message.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pulumi

from gotham_inbox.providers.announcement import (
    AnnouncementError,
    announcement_message,
    check_markings,
    check_recipients,
    check_template,
    check_text,
)
from gotham_inbox.providers.resources import InboxMessage, has_outputs, source_id_salt

RELEASE_ANNOUNCEMENT_TYPE = "gotham:index:ReleaseAnnouncement"

RecipientInput = pulumi.Input[Any]
"""A group name (in the caller's realm), or a ``{"name", "realm"}`` mapping or GroupRecipient."""


def _resources(argument: str, value: Any) -> list[pulumi.Resource]:
    if value is None:
        return []
    items = [value] if isinstance(value, pulumi.Resource) else value
    if not isinstance(items, Sequence):
        raise AnnouncementError(f"{argument}: must be a list of Pulumi resources")
    for index, item in enumerate(items):
        if not isinstance(item, pulumi.Resource):
            raise AnnouncementError(
                f"{argument}[{index}]: must be a Pulumi resource, not {type(item).__name__}"
            )
    return list(items)


class ReleaseAnnouncement(pulumi.ComponentResource):
    """Announces a release of a service in the Gotham Global Inbox, once per version.

    Type token ``gotham:index:ReleaseAnnouncement``; its child is an ``InboxMessage`` named
    ``<name>-message``. Outputs:

    - ``source_id``: the message's sourceId, derived from ``service`` and ``version`` only;
    - ``status``: ``"sent"``, or ``"adopted"`` when this release had already been announced
      (by an earlier deploy whose state is gone, or by another stack) and nothing was sent;
    - ``message``: the message as sent;
    - ``idempotent``: True when the host honoured the sourceId. Only then does "once per
      version, even after the state is lost" hold; otherwise once per version while the state
      is kept (docs/source-ids.md).
    """

    source_id: pulumi.Output[str]
    idempotent: pulumi.Output[bool]
    status: pulumi.Output[str]
    message: pulumi.Output[dict[str, Any]]

    def __init__(
        self,
        resource_name: str,
        *,
        service: pulumi.Input[str],
        version: pulumi.Input[str],
        changelog: pulumi.Input[str],
        recipients: pulumi.Input[Sequence[RecipientInput]],
        markings: pulumi.Input[Sequence[pulumi.Input[str]]],
        sender: pulumi.Input[str],
        title_template: str | None = None,
        body_template: str | None = None,
        depends_on: Sequence[pulumi.Resource] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        """Declare the announcement of ``version`` of ``service``.

        Args:
            resource_name: the Pulumi resource name (not part of the sourceId).
            service: the service's name, e.g. ``"billing-api"``.
            version: the version released, e.g. ``"1.4.0"``.
            changelog: markdown, placed in the body.
            recipients: group names (in the caller's realm) or ``{"name", "realm"}`` mappings.
            markings: the message's portion markings, e.g. ``["UNCLASSIFIED"]``.
            sender: the sender's display name.
            title_template: ``str.format`` template with ``{service}``, ``{version}`` and
                ``{changelog}``; default ``"{service} {version} is released"``.
            body_template: the same for the markdown body; default a bold heading, then the
                changelog.
            depends_on: the resources the release consists of; the message is sent only after
                all of them (and any ``opts.depends_on``) were created or updated successfully.
            opts: options of the component.

        Any argument except the templates and ``depends_on`` may be a Pulumi Output.

        Raises:
            AnnouncementError: an argument is unusable (an unknown template placeholder, no
                recipients...); the text names it. Nothing is registered or sent.
        """
        templates = {
            "title_template": title_template,
            "body_template": body_template,
        }
        for argument, template in templates.items():
            if template is not None:
                check_template(argument, template)
        dependencies = _resources("depends_on", depends_on)
        if opts is not None and opts.depends_on is not None:
            dependencies += _resources("opts.depends_on", opts.depends_on)
        fields: dict[str, Any] = {
            "service": service,
            "version": version,
            "changelog": changelog,
            "recipients": recipients,
            "markings": markings,
            "sender": sender,
        }
        self._check_known(fields)
        super().__init__(RELEASE_ANNOUNCEMENT_TYPE, resource_name, None, opts)

        chosen = {key: value for key, value in templates.items() if value is not None}
        salt = source_id_salt()
        message = pulumi.Output.all(**fields).apply(
            lambda known: announcement_message(**known, **chosen, salt=salt)
        )
        child = InboxMessage(
            f"{resource_name}-message",
            message=message,
            opts=pulumi.ResourceOptions(parent=self, depends_on=dependencies),
        )
        self.source_id = child.source_id
        self.status = child.status
        self.message = child.message
        self.idempotent = child.idempotent
        self.register_outputs(
            {
                "sourceId": self.source_id,
                "status": self.status,
                "message": self.message,
                "idempotent": self.idempotent,
            }
        )

    @staticmethod
    def _check_known(fields: dict[str, Any]) -> None:
        checks: dict[str, Any] = {
            "service": lambda value: check_text("service", value),
            "version": lambda value: check_text("version", value),
            "changelog": lambda value: check_text("changelog", value, allow_empty=True),
            "recipients": check_recipients,
            "markings": check_markings,
            "sender": lambda value: check_text("sender", value),
        }
        # Values the program already knows are checked at once, so a typo fails at the line that
        # made it, before anything is registered; Outputs are checked once they resolve.
        for argument, value in fields.items():
            if not has_outputs(value):
                checks[argument](value)


__all__ = ["RELEASE_ANNOUNCEMENT_TYPE", "AnnouncementError", "ReleaseAnnouncement"]
