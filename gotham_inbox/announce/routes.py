"""Who hears of which deploy event, and in what words: the routes file and its default.

``gotham-inbox-announce.yaml`` (beside ``Pulumi.yaml``, or ``--routes FILE``)::

    sender: Deploy Bot                 # every key at the top is the default of every event
    recipients: [platform-team]
    markings: [UNCLASSIFIED]
    events:
      failed:                          # an event's own keys win over the defaults
        recipients: [sre-oncall, {name: partner-ops, realm: partner-realm}]
        markings: [SENSITIVE]
        title: "{stack} is broken: {deploy} failed"
      started:
        send: false                    # this event is not announced

Without a file (or for what it leaves out) the recipients and markings come from the stack
config: ``gotham:announceGroups`` and ``gotham:announceMarkings`` (or ``GOTHAM_ANNOUNCE_GROUPS``
and ``GOTHAM_ANNOUNCE_MARKINGS``), read like the provider's other ``gotham:*`` settings. Not
from the program's ``ReleaseAnnouncement``: finding it means running the program, and the
deploy being announced may have failed because the program does not run.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gotham_inbox.announce.identity import EVENTS
from gotham_inbox.documents import DocumentError, load_document
from gotham_inbox.errors import UserError
from gotham_inbox.providers.announcement import (
    AnnouncementError,
    check_markings,
    check_recipients,
    check_template,
    check_text,
)
from gotham_inbox.providers.settings import ANNOUNCE_GROUPS, ANNOUNCE_MARKINGS, Setting
from gotham_inbox.suggestions import closest

ROUTES_FILE = "gotham-inbox-announce.yaml"
"""The routes file ``announce`` reads from the project directory when ``--routes`` is not given."""
MAX_ROUTES_BYTES = 256 * 1024

PLACEHOLDERS = (
    "project",
    "stack",
    "event",
    "version",
    "run_id",
    "run_url",
    "deploy",
    "summary",
    "changes",
    "failures",
    "policy",
    "duration",
)
"""The names a title or body template may use (``{stack}``...); nothing else is filled in."""

DEFAULT_SENDER = "Deploy Bot"
DEFAULT_TITLE = "{project}/{stack}: deploy of {deploy} {event}"
DEFAULT_BODY = "The deploy of {deploy} to **{project}/{stack}** {event}.\n\n{summary}"

ROUTE_KEYS = ("send", "sender", "recipients", "markings", "title", "body")
TOP_KEYS = (*ROUTE_KEYS, "events")


class RoutesError(UserError, ValueError):
    """The routes (file or stack config) cannot be used; the text names the key and the fix."""


@dataclass(frozen=True)
class Route:
    """How one event is announced: to whom, marked how, in what words; or not at all."""

    send: bool
    sender: str
    recipients: tuple[Mapping[str, Any], ...]
    markings: tuple[str, ...]
    title: str
    body: str


def _names(text: str | None, setting: Setting) -> list[Any] | None:
    # Like gotham:scopes: a JSON list (group mappings allowed), or names split by spaces/commas.
    if text is None or not text.strip():
        return None
    if text.lstrip().startswith("["):
        try:
            value = json.loads(text)
        except ValueError:
            raise RoutesError(
                f"{setting.config_key} is not a JSON list; set it with {setting.how_to_set}, "
                "e.g. 'platform-team sre-oncall' or '[\"platform-team\"]'"
            ) from None
        if not isinstance(value, list):
            raise RoutesError(f"{setting.config_key} must be a list")
        return value
    return text.replace(",", " ").split()


@dataclass(frozen=True)
class StackDefaults:
    """The recipients and markings the stack config gives every event (``None``: unset)."""

    recipients: list[Any] | None
    markings: list[Any] | None

    @classmethod
    def resolve(cls, config: Mapping[str, str], environ: Mapping[str, str]) -> StackDefaults:
        """From ``gotham:announceGroups`` / ``gotham:announceMarkings``, else the variables."""

        def value(setting: Setting) -> list[Any] | None:
            return _names(config.get(setting.config_key), setting) or _names(
                environ.get(setting.env_var), setting
            )

        return cls(value(ANNOUNCE_GROUPS), value(ANNOUNCE_MARKINGS))


def _checked(where: str, argument: str, call: Any, *args: Any) -> Any:
    try:
        return call(*args)
    except AnnouncementError as error:
        reason = str(error).removeprefix(f"{argument}: ")
        raise RoutesError(f"{where or argument}: {reason}") from None


RECIPIENT_KEYS = ("name", "realm")


def _recipients(place: str, value: Any) -> tuple[Mapping[str, Any], ...]:
    # The shared check takes any mapping with a name; a routes file is input: a realm that is
    # not a name, or a key the wire has no room for, is the file's mistake, named here (exit 2)
    # rather than refused later by the pack.
    groups = _checked(place, "recipients", check_recipients, value)
    where = place or "recipients"
    for index, group in enumerate(groups):
        unknown = [key for key in group if key not in RECIPIENT_KEYS]
        if unknown:
            raise RoutesError(
                f"{where}[{index}]: unknown key {str(unknown[0])!r}; a recipient is a group name "
                "or a mapping of name and realm"
            )
        realm = group.get("realm")
        if realm is not None and (not isinstance(realm, str) or not realm.strip()):
            raise RoutesError(
                f"{where}[{index}].realm: must be a realm name (text), e.g. "
                "palantir-internal-realm; leave it out for the caller's realm"
            )
    return tuple(groups)


def _mapping(where: str, value: Any, keys: Sequence[str]) -> Mapping[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise RoutesError(f"{where} must be a mapping of {', '.join(keys)}")
    for key in value:
        if key not in keys:
            close = closest(str(key), keys)
            hint = f" (did you mean {close}?)" if close else ""
            raise RoutesError(
                f"{where}: unknown key {str(key)[:60]!r}{hint}; use {', '.join(keys)}"
            )
    return value


class Routes:
    """Every event's :class:`Route`, checked when loaded: templates, recipients, markings."""

    def __init__(self, routes: Mapping[str, Route], source: str) -> None:
        self._routes = dict(routes)
        self.source = source
        """Where the routes came from: the file, or the stack config."""

    def route(self, event: str) -> Route:
        """The route of ``event``."""
        return self._routes[event]

    @classmethod
    def build(cls, document: Any, defaults: StackDefaults, source: str, *, where: str) -> Routes:
        """The routes of a routes document (``None``: no file) over the stack's defaults.

        Raises:
            RoutesError: naming ``where`` (the file) and the key at fault.
        """
        top = _mapping(where, document, TOP_KEYS)
        events = _mapping(f"{where}: events", top.get("events"), EVENTS)
        routes = {}
        for event in EVENTS:
            own = _mapping(f"{where}: events.{event}", events.get(event), ROUTE_KEYS)
            routes[event] = _route(event, own, top, defaults, where)
        return cls(routes, source)


def _route(
    event: str,
    own: Mapping[str, Any],
    top: Mapping[str, Any],
    defaults: StackDefaults,
    where: str,
) -> Route:
    def pick(key: str) -> tuple[str, Any]:
        if key in own:
            return f"{where}: events.{event}.{key}", own[key]
        if key in top:
            return f"{where}: {key}", top[key]
        return "", None

    place, send = pick("send")
    if send is not None and not isinstance(send, bool):
        raise RoutesError(f"{place}: must be true or false")

    def pick_or_stack(key: str, setting: Setting, default: Any, example: str) -> tuple[str, Any]:
        place, value = pick(key)
        if value is None:
            place, value = setting.config_key, default
        if value is None:
            raise RoutesError(
                f"no {key} for the {event} event (every event's route is read): set "
                f"{setting.config_key} with "
                f"{setting.how_to_set} (e.g. '{example}'), or give {key} in {where}"
            )
        return place, value

    place, recipients = pick_or_stack(
        "recipients", ANNOUNCE_GROUPS, defaults.recipients, "platform-team"
    )
    place_m, markings = pick_or_stack(
        "markings", ANNOUNCE_MARKINGS, defaults.markings, "UNCLASSIFIED"
    )
    place_s, sender = pick("sender")
    place_t, title = pick("title")
    place_b, body = pick("body")
    return Route(
        send=send is not False,
        sender=_checked(
            place_s, "sender", check_text, "sender", DEFAULT_SENDER if sender is None else sender
        ),
        recipients=_recipients(place, recipients),
        markings=tuple(_checked(place_m, "markings", check_markings, markings)),
        title=_checked(
            place_t,
            "title",
            check_template,
            "title",
            DEFAULT_TITLE if title is None else title,
            PLACEHOLDERS,
        ),
        body=_checked(
            place_b,
            "body",
            check_template,
            "body",
            DEFAULT_BODY if body is None else body,
            PLACEHOLDERS,
        ),
    )


def load_routes(path: Path | None, project_dir: Path, defaults: StackDefaults) -> Routes:
    """The routes: ``path``, else ``gotham-inbox-announce.yaml`` in ``project_dir`` if there,
    else the stack config's defaults alone.

    Raises:
        RoutesError: the file cannot be read, or a route cannot be used.
    """
    if path is None:
        candidate = project_dir / ROUTES_FILE
        path = candidate if candidate.is_file() else None
    if path is None:
        return Routes.build(None, defaults, "stack config", where=ROUTES_FILE)
    try:
        document = load_document(path, "yaml", max_bytes=MAX_ROUTES_BYTES)
    except DocumentError as error:
        raise RoutesError(str(error)) from None
    return Routes.build(document, defaults, str(path), where=str(path))
