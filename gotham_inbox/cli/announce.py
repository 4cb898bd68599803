"""``gotham-inbox announce``: announce a deploy's event (started, succeeded, failed, cancelled).

Run from a CI step before and after ``pulumi up``. The message goes out once per (stack, run or
version, event): a retried job derives the same sourceId and, on a host that honours sourceIds,
sends nothing new. Before sending, the pack's message rules judge it with the stack's policy
config. Exit codes from the one table (:mod:`gotham_inbox.cli.exit_codes`): 0 sent, already
sent, not routed or ``--dry-run``; 1 the pack refuses it (nothing sent); 2 bad input (nothing
sent); 3 not delivered, or not known whether (the line says which, and whether to re-run).
See docs/announcements.md.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from gotham_inbox._delivery import MessageResult
from gotham_inbox.announce.announcer import Announcement, Announcer
from gotham_inbox.announce.identity import EVENTS, ONCE_PER, DeployIdentity, ci_run
from gotham_inbox.announce.stack_settings import stack_settings
from gotham_inbox.announce.summary import DeploySummary, read_event_log, read_summary
from gotham_inbox.check.project import ProjectError, load_project
from gotham_inbox.cli import exit_codes
from gotham_inbox.cli.project_arguments import add_policy_config, add_project_dir
from gotham_inbox.errors import ConfigurationError, UnavailableError, UserError
from gotham_inbox.providers.outcome import status_of
from gotham_inbox.providers.provider import InboxProviderError
from gotham_inbox.redaction import redact

JSON_REPORT_VERSION = 1
"""The version of the ``--format json`` document (its ``"version"`` field)."""
COMMAND = "gotham-inbox announce"


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "announce",
        help="announce a deploy's event in the Global Inbox, once per run or version",
        description="Send the inbox message of one event of a deploy (from a CI step or any "
        "script), once per (stack, run or version, event): a retried job sends nothing new "
        "where the host honours sourceIds. The pack's message rules judge it first. Exit 0 "
        "sent or already sent, 1 refused by the pack, 2 bad input, 3 not delivered.",
    )
    add_project_dir(parser)
    parser.add_argument(
        "--stack",
        required=True,
        help="the stack deployed: NAME, or as Pulumi spells it fully, ORG/NAME or ORG/PROJECT/NAME",
    )
    parser.add_argument("--event", required=True, choices=EVENTS, help="what happened")
    parser.add_argument(
        "--version",
        dest="deploy_version",
        metavar="VERSION",
        help="the version deployed; default: the stack config's version",
    )
    parser.add_argument(
        "--run-id",
        help="the CI run; default: GITHUB_RUN_ID (GitHub Actions), CI_PIPELINE_ID (GitLab CI)",
    )
    parser.add_argument(
        "--once-per",
        choices=ONCE_PER,
        help="announce each event once per run (the default when a run id is known) or once "
        "per version",
    )
    inputs = parser.add_mutually_exclusive_group()
    inputs.add_argument(
        "--summary",
        type=Path,
        metavar="FILE",
        help="what `pulumi up --json` or `pulumi preview --json` printed; empty or cut short, "
        "it says the deploy stopped early",
    )
    inputs.add_argument(
        "--event-log",
        type=Path,
        metavar="FILE",
        help="the engine's event log (`pulumi up --event-log FILE`, JSON lines; the flag needs "
        "PULUMI_DEBUG_COMMANDS=true); a missing one says the deploy stopped before it started",
    )
    parser.add_argument(
        "--routes",
        type=Path,
        metavar="FILE",
        help="who hears of which event (YAML); default: gotham-inbox-announce.yaml beside "
        "Pulumi.yaml, else the stack config's gotham:announceGroups and gotham:announceMarkings",
    )
    add_policy_config(parser)
    parser.add_argument(
        "--dry-run", action="store_true", help="print what would be sent; send nothing"
    )
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.set_defaults(run=run)


def _identity(
    args: argparse.Namespace, project_name: str, stack: str, config: Any
) -> DeployIdentity:
    ci = ci_run(os.environ)
    # `--run-id "$UNSET_VARIABLE"` expands to an empty value: that is no run id given, not a
    # run id that overrides the CI's (docs/announcements.md).
    given = args.run_id if args.run_id is not None and args.run_id.strip() else None
    run_id = given if given is not None else (ci.run_id if ci else None)
    from_ci = ci is not None and given is None
    version = args.deploy_version
    if version is None:
        version = config.get(f"{project_name}:version")
    return DeployIdentity.of(
        project_name,
        stack,
        version=version,
        run_id=run_id,
        once_per=args.once_per,
        run_url=ci.url if from_ci and ci else None,
        attempt=ci.attempt if from_ci and ci else None,
    )


def _stack_name(given: str) -> tuple[str, str | None]:
    """The stack's name and the project it names, of ``NAME``, ``ORG/NAME`` or
    ``ORG/PROJECT/NAME`` (what Pulumi Cloud and ``pulumi stack ls`` show). The organization is
    not checked: the stack config file names none."""
    parts = given.split("/")
    if len(parts) > 3 or not all(part.strip() for part in parts):
        raise ProjectError(
            f"--stack {given!r}: give the stack's name, or ORG/NAME or ORG/PROJECT/NAME"
        )
    return parts[-1], parts[1] if len(parts) == 3 else None


def _withheld(undecrypted: tuple[str, ...]) -> str | None:
    """Why a dry run shows no text, when the stack's secrets could not be decrypted: a
    credential an engine error quotes could not be redacted (its value is unknown)."""
    if not undecrypted:
        return None
    return (
        f"title, body and summary not shown: the stack's secrets ({', '.join(undecrypted)}) "
        "could not be decrypted, so a credential the deploy's errors quote could not be "
        "redacted; run where `pulumi config get` can decrypt them (e.g. with "
        "PULUMI_CONFIG_PASSPHRASE), or set their GOTHAM_* variables"
    )


def _prepare(args: argparse.Namespace) -> tuple[Announcer, Announcement, str | None]:
    stack, project_name = _stack_name(args.stack)
    project = load_project(args.project_dir, stack, require_program=False)
    if project_name is not None and project_name != project.project:
        raise ProjectError(
            f"--stack {args.stack} names project {project_name!r}, but {args.project_dir} is "
            f"project {project.project!r}; give the stack of this project"
        )
    identity = _identity(args, project.project, project.stack, project.plain_config)
    found = stack_settings(project, os.environ, credentials=not args.dry_run)
    settings = found.settings
    summary = DeploySummary()
    if args.summary is not None:
        summary = read_summary(args.summary, settings.redact)
    elif args.event_log is not None:
        summary = read_event_log(args.event_log, settings.redact)
    announcer = Announcer.for_project(
        project,
        identity,
        settings,
        os.environ,
        routes_path=args.routes,
        policy_config_path=args.policy_config,
    )
    return announcer, announcer.prepare(args.event, summary), _withheld(found.undecrypted)


def _status(announcement: Announcement, outcome: MessageResult | None, dry_run: bool) -> str:
    if announcement.message is None:
        return "not-routed"
    if announcement.mandatory:
        return "refused"
    if dry_run:
        return "dry-run"
    return status_of(outcome) if outcome is not None else "sent"


def _guarantee(outcome: MessageResult | None) -> str:
    if outcome is None:
        return ""
    if outcome.idempotent:
        return (
            "this host honours sourceIds: running this step again (a retried job) sends nothing new"
        )
    return (
        "this host did not use the sourceId (it ignores or refuses them, or gotham:sourceIds is "
        "omit): running this step again WOULD send it again (docs/source-ids.md)"
    )


def _document(
    announcement: Announcement,
    status: str,
    outcome: MessageResult | None,
    withheld: str | None = None,
) -> dict[str, Any]:
    identity = announcement.identity
    message = announcement.message
    if withheld is not None and message is not None:
        message = {**message, "title": None, "body": None}
    return {
        "version": JSON_REPORT_VERSION,
        "event": announcement.event,
        "project": identity.project,
        "stack": identity.stack,
        "deploy": {
            "version": identity.version,
            "runId": identity.run_id,
            "runAttempt": identity.attempt,
            "oncePer": identity.once_per,
            "anchor": identity.anchor,
        },
        "status": status,
        "sourceId": outcome.server_id if outcome is not None else announcement.source_id,
        "idempotent": outcome.idempotent if outcome is not None else None,
        # Already announced: this run's text was not sent, and is not shown as if it were.
        "message": None if status == "adopted" else message,
        "violations": [violation.to_json() for violation in announcement.violations],
        "summary": None if withheld is not None else announcement.summary.to_json(),
        "withheld": withheld,
    }


def _text(
    announcement: Announcement,
    status: str,
    outcome: MessageResult | None,
    withheld: str | None = None,
) -> str:
    identity = announcement.identity
    lines = [
        f"{COMMAND}: {identity.project}/{identity.stack} {announcement.event}, "
        f"{identity.deploy}, once per {identity.once_per}"
    ]
    message = announcement.message
    if message is not None and status == "adopted":
        lines.append(f"  sourceId: {announcement.source_id}")
    elif message is not None:
        groups = ", ".join(
            f"{group['name']}@{group['realm']}" if group.get("realm") else str(group["name"])
            for group in message["groupRecipients"]
        )
        lines += [
            f"  to: {groups}",
            f"  markings: {', '.join(message['security']['portionMarkings'])}",
            f"  sourceId: {announcement.source_id}",
        ]
        if withheld is not None:
            lines.append(f"  {withheld}")
        else:
            lines += [
                f"  title: {message['title']['value']}",
                "  body:",
                *(f"    {line}" for line in message["body"]["value"].splitlines()),
            ]
    for violation in announcement.violations:
        lines.append(f"[{violation.level.value}] {violation.policy}: {violation.text}")
    verdicts = {
        "not-routed": f"not announced: the routes say send: false for {announcement.event}",
        "refused": "not sent: the policy pack refuses this announcement (fix the route, or the "
        "policy config)",
        "dry-run": "dry run: nothing sent",
        "sent": f"sent; {_guarantee(outcome)}",
        "adopted": "already announced (the host answered CONFLICTING_SOURCE_ID on this "
        "sourceId): nothing new sent; the message is the one sent the first time",
    }
    lines.append(verdicts.get(status, status))
    return "\n".join(lines) + "\n"


def run(args: argparse.Namespace) -> int:
    try:
        return _run(args)
    except UserError as error:
        # Bad input (2), or not delivered (3): with --format json the one document on stdout,
        # so a caller parsing stdout always has something to parse; then the command line's one
        # handler prints the same line on stderr and exits with the error's code.
        if args.format == "json":
            code = error.exit_code
            document = {"version": JSON_REPORT_VERSION, "status": "error", "exitCode": code}
            text = redact(str(error))
            sys.stdout.write(json.dumps({**document, "error": text}, indent=2) + "\n")
        raise


def _run(args: argparse.Namespace) -> int:
    announcer, announcement, withheld = _prepare(args)
    outcome: MessageResult | None = None
    sendable = announcement.message is not None and not announcement.mandatory
    if sendable and not args.dry_run:
        try:
            announcer.settings.client().close()  # a missing or broken setting is bad input
            announcer.settings.source_id_policy()
        except ConfigurationError as error:
            # The stack's own secrets too (the process's are redacted by main).
            raise ConfigurationError(announcer.settings.redact(str(error))) from None
        try:
            outcome = announcer.send(announcement)
        except InboxProviderError as error:
            raise UnavailableError(f"not announced: {error}") from None
    status = _status(announcement, outcome, args.dry_run)
    if args.format == "json":
        document = _document(announcement, status, outcome, withheld)
        sys.stdout.write(json.dumps(document, indent=2) + "\n")
    else:
        sys.stdout.write(_text(announcement, status, outcome, withheld))
    return exit_codes.MANDATORY_VIOLATION if announcement.mandatory else exit_codes.OK
