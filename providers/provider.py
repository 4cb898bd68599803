"""The dynamic providers behind InboxMessage and InboxMessageBatch.

Pulumi pickles the provider instance (with dill) into every resource's ``__provider`` input
and unpickles it in the dynamic-provider host (``python -m pulumi.dynamic``), which then calls
``configure`` with the stack config and drives check / diff / create / read / delete.

The providers hold no state when they are pickled: their classes live in this importable
module, so dill stores a reference (module and class name, a few dozen bytes), identical from
run to run, and ``__getstate__`` drops anything ``configure`` stored, so a token can never be
pickled. That is why the always-secret wrapping of ``__provider`` is turned off.

Lifecycle:
- check validates every message and returns check failures, never an exception;
- diff replaces the resource when what would be sent changes (a sent message cannot be edited),
  and reports nothing when only the spelling of the input changes (key order, absent vs null);
- create sends one request; its messages carry their sourceIds as ``gotham:sourceIds`` says
  (auto / send / omit, docs/source-ids.md). The answer is matched by id where the host honoured
  them and by position otherwise; a conflict on one of our own sourceIds means an earlier
  attempt got through, and the message is adopted as sent. Outputs record the server's id and
  whether the send was idempotent (the host honoured our id);
- read keeps the recorded state (there is no read API); delete only forgets the resource:
  Gotham messages cannot be recalled.
"""

from __future__ import annotations

import functools
import os
import uuid
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar, cast

from pulumi.dynamic import (
    CheckFailure,
    CheckResult,
    ConfigureRequest,
    CreateResult,
    DiffResult,
    ReadResult,
    ResourceProvider,
    UpdateResult,
)

from gotham_inbox._delivery import MessageResult
from gotham_inbox.client import InboxClient
from gotham_inbox.errors import GothamAPIError, GothamInboxError, OutcomeUnknownError
from gotham_inbox.providers.checks import check_batch, check_single, contains_unknown
from gotham_inbox.providers.explanations import (
    Advice,
    explain_not_sent,
    explain_unknown,
    nothing_was_sent,
)
from gotham_inbox.providers.outcome import require_all_delivered, status_of
from gotham_inbox.providers.settings import ProviderSettings, unknown_setting_problems
from gotham_inbox.realms import resolved_realm
from gotham_inbox.source_ids import SOURCE_ID_KEY, SOURCE_ID_NAMESPACE, canonical_message

IMPORT_REFUSED = (
    "a gotham inbox message cannot be imported: Gotham has no API to read a message back, so "
    "nothing would be recorded. To adopt a message already sent, declare it in the program with "
    "the same content and sourceId and run `pulumi up`: where the host honours sourceIds, the "
    "create is answered CONFLICTING_SOURCE_ID and adopts it, sending nothing new "
    "(docs/source-ids.md)"
)
"""Why a read without recorded state (``pulumi import``) is refused, and how to adopt instead."""


class InboxProviderError(Exception):
    """A create that did not complete; the text says what was sent and what to do."""


_Create = TypeVar("_Create", bound=Callable[..., CreateResult])


def _brief_traceback(create: _Create) -> _Create:
    """``create``, raising its :class:`InboxProviderError` with one frame of ours.

    The dynamic-provider host prints the whole traceback of what ``create`` raises, and the
    engine shows it per failed resource; the frames inside this module tell a user nothing, so
    the error leaves with a fresh traceback (this wrapper's frame alone) and its text says it all.
    """

    @functools.wraps(create)
    def briefly(*args: Any, **kwargs: Any) -> CreateResult:
        try:
            return create(*args, **kwargs)
        except InboxProviderError as error:
            raise error.with_traceback(None) from None

    return cast(_Create, briefly)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _config_keys(config: Any) -> list[str]:
    # pulumi.dynamic's Config (SDK 3.272) offers get() only; its _props holds the whole stack
    # config the host received in Configure (namespaced keys), the only way to see a typo.
    props = getattr(config, "_props", None)
    return [str(key) for key in props] if isinstance(props, Mapping) else []


def _recipients(message: Any, realm: str | None) -> list[dict[str, str]]:
    # The group recipients as Gotham resolves them; without a realm of its own or a configured
    # caller's realm, a recipient is recorded without one.
    recipients = []
    for group in message.get("groupRecipients", []):
        resolved = {"name": group["name"]}
        group_realm = resolved_realm(group.get("realm"), realm or None)
        if group_realm is not None:
            resolved["realm"] = group_realm
        recipients.append(resolved)
    return recipients


class _InboxProvider(ResourceProvider):
    """What both providers share: settings, the client call, errors, read, delete."""

    serialize_as_secret_always = False

    _settings: ProviderSettings | None = None
    """Set by ``configure`` in the provider host; never pickled (see ``__getstate__``)."""
    _client: InboxClient | None = None
    """The client of these settings, made on first send and reused; never pickled."""
    _config_problems: tuple[str, ...] = ()
    """Unknown ``gotham:*`` stack config keys, found by ``configure``; every check fails on
    them, so ``pulumi preview`` stops before ``up`` would ignore a misspelt setting."""

    def __getstate__(self) -> None:
        # Pickle by reference only: nothing configured (a token) may ever reach state.
        return None

    def __setstate__(self, state: object) -> None:
        """Nothing to restore: settings come from ``configure``."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"

    def configure(self, req: ConfigureRequest) -> None:
        """Read ``gotham:*`` from the stack config, ``GOTHAM_*`` variables as fallbacks."""
        self.use_settings(ProviderSettings.resolve(req.config.get, os.environ))
        self._config_problems = tuple(unknown_setting_problems(_config_keys(req.config)))

    def use_settings(self, settings: ProviderSettings) -> None:
        """Configure from ready-made settings (embedding and tests)."""
        self._settings = settings
        self._client = None

    @property
    def settings(self) -> ProviderSettings:
        """The configured settings, or settings from the environment alone."""
        if self._settings is None:
            self._settings = ProviderSettings.resolve({}, os.environ)
        return self._settings

    def _checked(
        self,
        news: dict[str, Any],
        prop: str,
        check_props: Callable[[dict[str, Any]], list[CheckFailure]],
    ) -> CheckResult:
        """``check_props``'s failures for ``news``; an error in it is a failure on ``prop``."""
        try:
            failures = check_props(news)
        except Exception as error:  # check must report, never raise
            failures = [CheckFailure(prop, self.settings.redact(f"could not be checked: {error}"))]
        # No property: the problem is the stack's config, not this resource's inputs.
        failures += [CheckFailure("", problem) for problem in self._config_problems]
        return CheckResult(news, failures)

    def deliver(self, what: str, messages: Sequence[dict[str, Any]]) -> list[MessageResult]:
        """Send ``messages`` (each with its sourceId) as a create does: one request, adoption
        of a ``CONFLICTING_SOURCE_ID`` on our own id, redacted errors that say whether a re-run
        is safe. ``what`` names them in errors (``message`` or ``messages``).

        For senders outside a deploy (``gotham-inbox announce``), so that they keep the
        provider's promises instead of copying them.

        Raises:
            InboxProviderError: not every message is in Gotham; the text says what was sent.
        """
        return self._send(what, messages)

    def _send(self, what: str, messages: Sequence[dict[str, Any]]) -> list[MessageResult]:
        """Send ``messages`` in one request; the outcome of each, or a clear error."""
        settings = self.settings
        missing = [
            index
            for index, message in enumerate(messages)
            if not isinstance(message, dict) or not message.get(SOURCE_ID_KEY)
        ]
        if missing:
            where = what if what == "message" else ", ".join(f"{what}[{i}]" for i in missing)
            raise InboxProviderError(
                f"{where}: no sourceId, so a retry could send it twice; nothing was sent. "
                "Declare messages with gotham_inbox.providers.InboxMessage or "
                "InboxMessageBatch, which add one."
            )
        try:
            client = self._inbox_client()
            delivery = client.deliver(messages, source_ids=settings.source_id_policy())
            return require_all_delivered(what, delivery)
        except InboxProviderError as error:
            raise InboxProviderError(settings.redact(str(error))) from None
        except GothamInboxError as error:
            raise InboxProviderError(settings.redact(self._explain(error))) from None
        except Exception as error:  # a bug or an unforeseen failure: still typed and redacted
            advice = self._rerun_advice()
            raise InboxProviderError(
                settings.redact(
                    f"unexpected {type(error).__name__} while sending: {advice.first}\n"
                    f"{error}\n{advice.rest}".rstrip()
                )
            ) from None

    def _inbox_client(self) -> InboxClient:
        # One client for every create the host runs: a new one would load the TLS trust store
        # each time (most of the cost of a create, measured in BENCHMARKS.md), and the kept-alive
        # connection serves the next message. Two creates racing here at worst make one extra.
        if self._client is None:
            self._client = self.settings.client()
        return self._client

    def _explain(self, error: GothamInboxError) -> str:
        # The reason and what to do on the first line: the host prints a traceback before it.
        if nothing_was_sent(error):
            return explain_not_sent(error, source_ids=self.settings.source_ids)
        if isinstance(error, OutcomeUnknownError | GothamAPIError):
            return explain_unknown(error, self._rerun_advice())
        return f"{type(error).__name__}: {error}"

    def _rerun_advice(self) -> Advice:
        settings = self.settings
        behaviour = None
        if self._client is not None:
            behaviour = self._client.memory.behaviour(self._client.host_key)
        if behaviour == "honours" and settings.source_ids != "omit":
            return Advice(
                "The messages may or may not have been sent. Running the deploy again is safe: "
                "this host honours sourceIds, so a message that did arrive comes back as a "
                "conflict on its own sourceId and is adopted, never sent twice."
            )
        why = {
            "ignores": "this host ignores sourceIds (it assigned its own ids)",
            "refuses": "this host refuses sourceIds, so they were not sent",
        }.get(behaviour or "", "this host has not been seen to honour sourceIds in this deploy")
        unproven = ""
        if settings.source_ids == "omit":
            why = "gotham:sourceIds is 'omit', so no sourceIds were sent"
        elif behaviour is None:
            # The ids were sent and a re-run sends the same ones: whether that is safe
            # depends only on what this host does with them, which the doctor can find out.
            unproven = (
                " If this host honours sourceIds (`gotham-inbox doctor --hostname HOST "
                "--send-test-message --to-group GROUP` tells), running the deploy again is "
                "safe: a message that did arrive comes back as a conflict and is adopted."
            )
        return Advice(
            "The messages may or may not have been delivered, and nothing protects against a "
            f"second delivery: {why}. Before running the deploy again, check whether the "
            "recipients received them (their Gotham inbox, or ask the Gotham administrators).",
            "If they did, record that instead of sending again: `pulumi refresh` cannot see "
            "them, so remove the message from the program (or keep the resource and accept "
            f"a second delivery).{unproven} docs/source-ids.md explains the guarantees per mode.",
        )

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        """Keep the recorded state: Gotham has no API to read a sent message back.

        Raises:
            InboxProviderError: there is no recorded state (``pulumi import``, or a ``get`` of
                an id): nothing could be read, and an empty resource must not be recorded.
        """
        if "message" not in props and "messages" not in props:
            raise InboxProviderError(IMPORT_REFUSED)
        return ReadResult(id_, props)

    def update(self, _id: str, _olds: dict[str, Any], _news: dict[str, Any]) -> UpdateResult:
        """Never called: every change that matters replaces the resource (see ``diff``)."""
        raise InboxProviderError(
            "a sent inbox message cannot be edited; the provider asks the engine to replace it "
            "instead, so this update is a bug in gotham-inbox"
        )

    def delete(self, _id: str, _props: dict[str, Any]) -> None:
        """Forget the resource. Gotham messages cannot be recalled, so nothing is called."""


class InboxMessageProvider(_InboxProvider):
    """The provider of ``InboxMessage``: one message, one request."""

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        """Validate ``message``; failures name ``message.<field>`` and say what to fix."""
        return self._checked(news, "message", check_single)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        """Replace when what would be sent changes; no diff otherwise."""
        new = news.get("message")
        if contains_unknown(new) or canonical_message(olds.get("message")) != canonical_message(
            new
        ):
            return DiffResult(changes=True, replaces=["message"], delete_before_replace=False)
        return DiffResult(changes=False)

    @_brief_traceback
    def create(self, props: dict[str, Any]) -> CreateResult:
        """Send the message; adopt it if an earlier attempt already sent it."""
        message = canonical_message(props["message"])
        (result,) = self._send("message", [message])
        return CreateResult(
            str(result.server_id),
            {
                "sourceId": result.server_id,
                "requestedSourceId": result.requested_id,
                "idempotent": result.idempotent,
                "status": status_of(result),
                "message": message,
                "recipients": _recipients(message, self.settings.realm),
                "sentAt": _now() if result.delivered_now else None,
                "hostname": self.settings.hostname,
            },
        )


class InboxMessageBatchProvider(_InboxProvider):
    """The provider of ``InboxMessageBatch``: several messages in one all-or-nothing request."""

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        """Validate every message; failures name ``messages[i].<field>``."""
        return self._checked(news, "messages", check_batch)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        """Replace when any message, or their order, changes what would be sent."""
        new = news.get("messages")
        old = olds.get("messages")
        if (
            contains_unknown(new)
            or not isinstance(new, list)
            or not isinstance(old, list)
            or [canonical_message(item) for item in old] != [canonical_message(m) for m in new]
        ):
            return DiffResult(changes=True, replaces=["messages"], delete_before_replace=False)
        return DiffResult(changes=False)

    @_brief_traceback
    def create(self, props: dict[str, Any]) -> CreateResult:
        """Send every message in one request; adopt those an earlier attempt already sent."""
        messages = [canonical_message(item) for item in props["messages"]]
        results = self._send("messages", messages)
        source_ids = [str(result.server_id) for result in results]
        statuses = [status_of(result) for result in results]
        batch_id = str(uuid.uuid5(SOURCE_ID_NAMESPACE, "batch:" + ",".join(source_ids)))
        return CreateResult(
            batch_id,
            {
                "sourceIds": source_ids,
                "requestedSourceIds": [result.requested_id for result in results],
                "idempotent": all(result.idempotent for result in results),
                "statuses": statuses,
                "messages": messages,
                "recipients": [_recipients(m, self.settings.realm) for m in messages],
                "sentAt": _now() if "sent" in statuses else None,
                "hostname": self.settings.hostname,
            },
        )
