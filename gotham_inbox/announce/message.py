"""The inbox message announcing one event of a deploy: the route's templates, filled in.

Templates are ``str.format`` strings over the fixed names of
:data:`gotham_inbox.announce.routes.PLACEHOLDERS`, checked when the routes are loaded (an
unknown name is refused there, before anything is sent); the values are the deploy's facts as
plain text, so a value holding braces is never read as a template.
"""

from __future__ import annotations

from typing import Any

from gotham_inbox.announce.identity import DeployIdentity
from gotham_inbox.announce.routes import Route
from gotham_inbox.announce.summary import DeploySummary, resource_name
from gotham_inbox.source_ids import SOURCE_ID_KEY


def _changes(summary: DeploySummary) -> str:
    parts = [f"{count} {op}" for op, count in summary.changes.items() if op != "same" and count]
    same = summary.changes.get("same")
    if same:
        parts.append(f"{same} unchanged")
    return ", ".join(parts)


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _failures(summary: DeploySummary) -> str:
    lines = []
    for failed in summary.failed:
        what = ", ".join(part for part in (failed.type, failed.op) if part)
        head = f"- `{failed.name}`" + (f" ({what})" if what else "")
        errors = "; ".join(_one_line(error) for error in failed.errors)
        lines.append(f"{head}: {errors}" if errors else head)
    lines += [f"- {_one_line(error)}" for error in summary.errors]
    return "\n".join(lines)


def _policy(summary: DeploySummary) -> str:
    lines = []
    for violation in summary.policy:
        where = f" on `{resource_name(violation.urn)}`" if violation.urn else ""
        lines.append(
            f"- [{violation.level}] {violation.policy}{where}: {_one_line(violation.text)}"
        )
    return "\n".join(lines)


def _duration(summary: DeploySummary) -> str:
    seconds = summary.duration_seconds
    if seconds is None:
        return ""
    if seconds < 120:
        return f"{seconds:.0f} s"
    return f"{seconds / 60:.0f} min"


def facts(identity: DeployIdentity, event: str, summary: DeploySummary) -> dict[str, str]:
    """The value of every placeholder for this event of this deploy."""
    changes, failures, policy, duration = (
        _changes(summary),
        _failures(summary),
        _policy(summary),
        _duration(summary),
    )
    sections = []
    if changes:
        sections.append(f"**Changes:** {changes}")
    if failures:
        sections.append(f"**Failed:**\n{failures}")
    if policy:
        sections.append(f"**Policy violations:**\n{policy}")
    if summary.left_out:
        sections.append(f"({summary.left_out} more not listed)")
    if duration:
        sections.append(f"**Duration:** {duration}")
    if identity.run_url:
        sections.append(f"**Run:** {identity.run_url}")
    elif identity.run_id:
        sections.append(f"**Run:** {identity.run_id}")
    return {
        "project": identity.project,
        "stack": identity.stack,
        "event": event,
        "version": identity.version or "",
        "run_id": identity.run_id or "",
        "run_url": identity.run_url or "",
        "deploy": identity.deploy,
        "summary": "\n\n".join(sections),
        "changes": changes,
        "failures": failures,
        "policy": policy,
        "duration": duration,
    }


def render(
    identity: DeployIdentity,
    event: str,
    route: Route,
    summary: DeploySummary,
    salt: str | None,
) -> dict[str, Any]:
    """The wire-form message of ``event``, its sourceId derived from the deploy's anchor."""
    values = facts(identity, event, summary)
    return {
        "groupRecipients": [dict(recipient) for recipient in route.recipients],
        "sender": {"displayName": route.sender},
        "title": {"value": route.title.format_map(values).strip()},
        "body": {"value": route.body.format_map(values).strip(), "formatStyle": "MARKDOWN"},
        "security": {"portionMarkings": list(route.markings)},
        SOURCE_ID_KEY: identity.source_id(event, salt),
    }
