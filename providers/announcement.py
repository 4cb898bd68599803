"""The message a release announcement sends: its templates, its fields and its sourceId.

Pure functions, no Pulumi: :class:`~gotham_inbox.providers.release.ReleaseAnnouncement` calls
them once its inputs are known, and tests and tools can call them directly to see what would be
sent.

The sourceId depends on the service and the version only. Announcing the same release again
(a re-run, a changed changelog, a lost state file, another stack sending to the same Gotham)
reuses the id, so a Gotham that honours sourceIds answers ``CONFLICTING_SOURCE_ID`` and nothing
is delivered twice; a new version is a new id, and a new message.
"""

from __future__ import annotations

import string
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from gotham_inbox.errors import UserError
from gotham_inbox.source_ids import SOURCE_ID_KEY, canonical_json, keyed_uuid, plain
from gotham_inbox.suggestions import closest

RELEASE_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:gotham-inbox:release-announcement:v1")
"""The uuid5 namespace of release sourceIds. Fixed forever: changing it re-announces everything."""

PLACEHOLDERS = ("service", "version", "changelog")
"""The names a title or body template may use, as ``{service}``, ``{version}``, ``{changelog}``."""

DEFAULT_TITLE_TEMPLATE = "{service} {version} is released"
DEFAULT_BODY_TEMPLATE = "**{service} {version}** is released.\n\n{changelog}"


class AnnouncementError(UserError, ValueError):
    """An argument of a release announcement is unusable; the text names it and the fix."""


def release_source_id(service: str, version: str, salt: str | None = None) -> str:
    """The sourceId of the announcement of ``version`` of ``service``.

    uuid5 in :data:`RELEASE_NAMESPACE` over the canonical JSON of the two strings, so it is the
    same for every stack, every run and every changelog of that release. With ``salt``
    (``gotham:sourceIdSalt``) it is keyed: the same for every stack that shares the salt.
    """
    name = canonical_json({"service": service, "version": version})
    return keyed_uuid(RELEASE_NAMESPACE, name, salt)


def _placeholder_list(placeholders: Sequence[str] = PLACEHOLDERS) -> str:
    return ", ".join("{" + name + "}" for name in placeholders)


def check_template(
    argument: str, template: object, placeholders: Sequence[str] = PLACEHOLDERS
) -> str:
    """``template`` if it is a usable template, else :class:`AnnouncementError` naming why.

    A template is a ``str.format`` string whose only placeholders are ``placeholders``
    (default :data:`PLACEHOLDERS`; ``gotham-inbox announce`` passes its own), without
    conversions, format specs, attributes or indexes (``{{`` and ``}}`` are literal braces).
    """
    if not isinstance(template, str):
        raise AnnouncementError(
            f"{argument}: must be a string with {_placeholder_list(placeholders)} placeholders, "
            f"not {type(template).__name__}"
        )
    try:
        fields = [
            (name, spec, conversion)
            for _, name, spec, conversion in string.Formatter().parse(template)
            if name is not None
        ]
    except ValueError as error:
        raise AnnouncementError(
            f"{argument}: {error}; write {{{{ and }}}} for a literal brace"
        ) from None
    for name, spec, conversion in fields:
        if name not in placeholders:
            close = closest(name, placeholders)
            hint = f" (did you mean {{{close}}}?)" if close else ""
            raise AnnouncementError(
                f"{argument}: unknown placeholder {{{name}}}{hint}; use "
                f"{_placeholder_list(placeholders)}, and write {{{{ and }}}} for a literal brace"
            )
        if spec or conversion:
            raise AnnouncementError(
                f"{argument}: placeholder {{{name}}} has a conversion or format spec; "
                f"write just {{{name}}}"
            )
    return template


def check_text(argument: str, value: object, *, allow_empty: bool = False) -> str:
    """``value`` if it is a string (non-blank unless ``allow_empty``), else an error."""
    if not isinstance(value, str):
        raise AnnouncementError(f"{argument}: must be a string, not {type(value).__name__}")
    if not allow_empty and not value.strip():
        raise AnnouncementError(f"{argument}: is empty; give the {argument.replace('_', ' ')}")
    return value


def check_recipients(value: object) -> list[dict[str, Any]]:
    """The recipients as wire ``groupRecipients``: a group name is ``{"name": name}``.

    Each recipient is a group name (looked up in the caller's realm) or a mapping (or
    ``GroupRecipient``) with ``name`` and optionally ``realm``.
    """
    value = plain(value)
    if isinstance(value, str) or not isinstance(value, Sequence) or not value:
        raise AnnouncementError(
            "recipients: must be a non-empty list of group names or {'name', 'realm'} "
            "mappings; add the groups that should read the announcement"
        )
    groups = []
    for index, item in enumerate(value):
        if isinstance(item, str):
            item = {"name": item}
        if not isinstance(item, Mapping) or not isinstance(item.get("name"), str):
            raise AnnouncementError(
                f"recipients[{index}]: must be a group name or a mapping with a 'name' "
                "(and optionally a 'realm')"
            )
        if not item["name"].strip():
            raise AnnouncementError(f"recipients[{index}]: the group name is empty")
        groups.append(dict(item))
    return groups


def check_markings(value: object) -> list[str]:
    """The portion markings: a non-empty list of non-empty strings."""
    if isinstance(value, str) or not isinstance(value, Sequence) or not value:
        raise AnnouncementError(
            "markings: must be a non-empty list of portion markings, e.g. ['UNCLASSIFIED']"
        )
    for index, marking in enumerate(value):
        if not isinstance(marking, str) or not marking.strip():
            raise AnnouncementError(f"markings[{index}]: must be a non-empty marking name")
    return list(value)


def announcement_message(
    *,
    service: object,
    version: object,
    changelog: object,
    recipients: object,
    markings: object,
    sender: object,
    title_template: object = DEFAULT_TITLE_TEMPLATE,
    body_template: object = DEFAULT_BODY_TEMPLATE,
    salt: str | None = None,
) -> dict[str, Any]:
    """The announcement as a wire-form message, ``sourceId`` included.

    The title and the markdown body are the templates with ``{service}``, ``{version}`` and
    ``{changelog}`` filled in. Raises :class:`AnnouncementError` naming the first unusable
    argument; nothing is sent from here in any case.
    """
    values = {
        "service": check_text("service", service),
        "version": check_text("version", version),
        "changelog": check_text("changelog", changelog, allow_empty=True),
    }
    title = check_template("title_template", title_template).format_map(values)
    body = check_template("body_template", body_template).format_map(values)
    return {
        "groupRecipients": check_recipients(recipients),
        "sender": {"displayName": check_text("sender", sender)},
        "title": {"value": title},
        "body": {"value": body, "formatStyle": "MARKDOWN"},
        "security": {"portionMarkings": check_markings(markings)},
        SOURCE_ID_KEY: release_source_id(values["service"], values["version"], salt),
    }
