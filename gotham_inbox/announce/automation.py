"""The Automation API route: ``stack.up()`` that announces started, then succeeded or failed.

::

    from pulumi import automation as auto
    from gotham_inbox.announce.automation import announced_up

    stack = auto.select_stack("dev", work_dir="infra")
    done = announced_up(stack, run_id=build_id)   # raises what stack.up() raises
    print(done.result.summary.result, done.outcomes)

The wrapper reads the stack's config through the workspace (``stack.get_all_config()``, secrets
decrypted by Pulumi itself), judges every event's message with the pack before the deploy
starts (a route the pack refuses raises :class:`AnnounceRefused` and nothing is deployed),
announces ``started``, runs ``stack.up(on_event=...)`` collecting the summary from the engine's
events (ResOpFailedEvent, DiagnosticEvent, PolicyEvent, SummaryEvent), then announces
``succeeded``, ``failed`` (the up raised) or ``cancelled`` (Ctrl-C). Each goes out once per run
or version, as from the command line.

Once the deploy has started, a failure to announce never hides the deploy's own outcome: on a
failed deploy it is added as a note to the deploy's exception, on a successful one it is in
:attr:`AnnouncedUp.problems`.

Pulumi's resource error hook (``on_error``) is not used: see docs/announcements.md.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pulumi import automation as auto

from gotham_inbox._delivery import MessageResult
from gotham_inbox.announce.announcer import Announcer, AnnounceRefused
from gotham_inbox.announce.identity import DeployIdentity, ci_run
from gotham_inbox.announce.summary import DeploySummary, SummaryBuilder
from gotham_inbox.check.project import StackProject
from gotham_inbox.providers.provider import InboxProviderError
from gotham_inbox.providers.settings import ProviderSettings


@dataclass
class AnnouncedUp:
    """A finished, announced ``up``: its result, each event's outcome, what went wrong."""

    result: auto.UpResult
    outcomes: dict[str, MessageResult | None] = field(default_factory=dict)
    summary: DeploySummary = field(default_factory=DeploySummary)
    problems: list[str] = field(default_factory=list)
    """Announcements that could not be sent after the deploy started (the text says why)."""


def add_event(builder: SummaryBuilder, event: auto.EngineEvent) -> None:
    """Feed one Automation API engine event to ``builder``."""
    if event.res_op_failed_event is not None:
        metadata = event.res_op_failed_event.metadata
        builder.resource_failed(metadata.urn, metadata.type, str(metadata.op.value))
    elif event.diagnostic_event is not None:
        diagnostic = event.diagnostic_event
        builder.diagnostic(diagnostic.severity, diagnostic.message, diagnostic.urn)
    elif event.policy_event is not None:
        policy = event.policy_event
        builder.policy_violation(
            policy.policy_name, policy.enforcement_level, policy.resource_urn, policy.message
        )
    elif event.summary_event is not None:
        totals = event.summary_event
        changes = {
            str(getattr(op, "value", op)): count for op, count in totals.resource_changes.items()
        }
        builder.totals(changes, float(totals.duration_seconds))


def stack_announcer(
    stack: auto.Stack,
    *,
    run_id: str | None = None,
    version: str | None = None,
    once_per: str | None = None,
    routes: Path | None = None,
    policy_config: Path | None = None,
    environ: Mapping[str, str] | None = None,
) -> Announcer:
    """The :class:`Announcer` of ``stack``: its project, config (decrypted by the workspace),
    the routes and policy config found in its work_dir as the command line finds them.

    Raises:
        IdentityError, RoutesError, PolicyConfigError: naming the value or file at fault.
    """
    environ = os.environ if environ is None else environ
    project_name = stack.workspace.project_settings().name
    stack_name = stack.name.rsplit("/", 1)[-1]
    config = stack.get_all_config()
    values = {key: item.value for key, item in config.items()}
    secret_keys = frozenset(key for key, item in config.items() if item.secret)
    directory = Path(stack.workspace.work_dir or ".").resolve()
    project = StackProject(
        directory,
        project_name,
        directory,  # no program is run
        stack_name,
        None,
        values,
        secret_keys,
    )
    ci = ci_run(environ) if run_id is None else None
    identity = DeployIdentity.of(
        project_name,
        stack_name,
        version=version if version is not None else values.get(f"{project_name}:version"),
        run_id=run_id if run_id is not None else (ci.run_id if ci else None),
        once_per=once_per,
        run_url=ci.url if ci else None,
        attempt=ci.attempt if ci else None,
    )
    settings = ProviderSettings.resolve(values, environ)
    return Announcer.for_project(
        project,
        identity,
        settings,
        environ,
        routes_path=routes,
        policy_config_path=policy_config,
    )


def _note(error: BaseException, problem: str | None) -> None:
    if problem:
        error.add_note(problem)


def announced_up(
    stack: auto.Stack,
    *,
    announcer: Announcer | None = None,
    on_event: Callable[[auto.EngineEvent], Any] | None = None,
    run_id: str | None = None,
    version: str | None = None,
    once_per: str | None = None,
    routes: Path | None = None,
    policy_config: Path | None = None,
    **up_options: Any,
) -> AnnouncedUp:
    """``stack.up(**up_options)``, announced (see the module docs).

    Raises:
        AnnounceRefused: the pack refuses an event's message; nothing deployed, nothing sent.
        InboxProviderError: ``started`` could not be announced; nothing deployed.
        IdentityError, RoutesError, PolicyConfigError: bad input; nothing deployed or sent.
        Whatever ``stack.up()`` raises (a failed deploy), after ``failed`` was announced.
    """
    announcer = announcer or stack_announcer(
        stack,
        run_id=run_id,
        version=version,
        once_per=once_per,
        routes=routes,
        policy_config=policy_config,
    )
    for checked in announcer.check_all():
        if checked.mandatory:
            raise AnnounceRefused(checked)
    outcomes = {"started": announcer.send(announcer.prepare("started"))}
    builder = SummaryBuilder(announcer.settings.redact)

    def forward(event: auto.EngineEvent) -> None:
        add_event(builder, event)
        if on_event is not None:
            on_event(event)

    def finish(event: str) -> str | None:
        try:
            outcomes[event] = announcer.send(announcer.prepare(event, builder.finish()))
        except (InboxProviderError, AnnounceRefused) as error:
            return f"the {event} announcement was not sent: {error}"
        return None

    try:
        result = stack.up(on_event=forward, **up_options)
    except KeyboardInterrupt as error:
        _note(error, finish("cancelled"))
        raise
    except Exception as error:
        _note(error, finish("failed"))
        raise
    problem = finish("succeeded")
    return AnnouncedUp(result, outcomes, builder.summary, [problem] if problem else [])
