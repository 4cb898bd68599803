"""Which deploy is announced, and the sourceId that makes each of its events go out once.

A deploy is a project and a stack, with a version (the stack config's ``version`` or
``--version``) and a run id (the CI run: GitHub Actions' ``GITHUB_RUN_ID``, GitLab's
``CI_PIPELINE_ID``, or ``--run-id``). An announcement's sourceId is derived from the project,
the stack, the event and one *anchor*, like Argo CD's ``oncePer``: the run (the default when a
run id is known) or the version. Re-running a job keeps its run id (GitHub adds 1 to
``GITHUB_RUN_ATTEMPT``, which is deliberately not part of the anchor), so a retried step derives
the same id and, on a host that honours sourceIds, sends nothing new (docs/announcements.md).
"""

from __future__ import annotations

import unicodedata
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from gotham_inbox.errors import UserError
from gotham_inbox.source_ids import canonical_json, keyed_uuid

ANNOUNCE_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:gotham-inbox:deploy-announcement:v1")
"""The uuid5 namespace of deploy announcements' sourceIds. Fixed forever: changing it would
announce every deploy event again."""

EVENTS = ("started", "succeeded", "failed", "cancelled")
"""The events a deploy is announced at."""

Event = Literal["started", "succeeded", "failed", "cancelled"]
OncePer = Literal["run", "version"]
ONCE_PER: tuple[OncePer, ...] = ("run", "version")

MAX_IDENTITY_LENGTH = 200
"""The longest version or run id taken: they go into titles and sourceIds."""
_UNPRINTABLE_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp"})
"""Control, format (bidi overrides such as U+202E) and line/paragraph separator characters: a
value holding one could reorder or break the title it goes into."""


def _printable(text: str) -> bool:
    return not any(unicodedata.category(char) in _UNPRINTABLE_CATEGORIES for char in text)


class IdentityError(UserError, ValueError):
    """The deploy cannot be identified; the text names the flag or variable to set."""


@dataclass(frozen=True)
class CiRun:
    """A run id found in the CI environment, where it came from, and the run's page."""

    run_id: str
    source: str
    attempt: str | None = None
    url: str | None = None


def ci_run(environ: Mapping[str, str]) -> CiRun | None:
    """The CI run of this job: GitHub Actions, then GitLab CI; ``None`` outside both.

    GitHub: ``GITHUB_RUN_ID`` (kept by "Re-run jobs"; ``GITHUB_RUN_ATTEMPT`` counts the tries
    and is only shown). GitLab: ``CI_PIPELINE_ID`` (kept when a job is retried).
    """
    github = environ.get("GITHUB_RUN_ID", "").strip()
    if github:
        server = environ.get("GITHUB_SERVER_URL", "").strip().rstrip("/")
        repository = environ.get("GITHUB_REPOSITORY", "").strip()
        url = f"{server}/{repository}/actions/runs/{github}" if server and repository else None
        return CiRun(github, "GITHUB_RUN_ID", environ.get("GITHUB_RUN_ATTEMPT") or None, url)
    gitlab = environ.get("CI_PIPELINE_ID", "").strip()
    if gitlab:
        return CiRun(gitlab, "CI_PIPELINE_ID", None, environ.get("CI_PIPELINE_URL") or None)
    return None


def checked_value(name: str, value: str | None) -> str | None:
    """``value`` stripped, or ``None`` when empty; an error when it is too long or has control
    characters (it goes into a title and a sourceId)."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    if len(text) > MAX_IDENTITY_LENGTH:
        raise IdentityError(f"{name} is {len(text)} characters long; at most {MAX_IDENTITY_LENGTH}")
    if not _printable(text):
        raise IdentityError(
            f"{name} contains a control, format or line-break character (a newline, a bidi "
            "override?); give one line of printable text"
        )
    return text


@dataclass(frozen=True)
class DeployIdentity:
    """One deploy of a stack: what every announcement of it names, and its anchor."""

    project: str
    stack: str
    version: str | None
    run_id: str | None
    once_per: OncePer
    run_url: str | None = None
    attempt: str | None = None

    @classmethod
    def of(
        cls,
        project: str,
        stack: str,
        *,
        version: str | None,
        run_id: str | None,
        once_per: str | None = None,
        run_url: str | None = None,
        attempt: str | None = None,
    ) -> DeployIdentity:
        """The identity, its anchor chosen: ``once_per``, else the run when known, else the
        version.

        Raises:
            IdentityError: no anchor can be had, or a value is unusable.
        """
        version = checked_value("the version", version)
        run_id = checked_value("the run id", run_id)
        if once_per is None:
            once_per = "run" if run_id else "version"
        if once_per == "run" and not run_id:
            raise IdentityError(
                "no run id: outside GitHub Actions (GITHUB_RUN_ID) and GitLab CI "
                "(CI_PIPELINE_ID) give --run-id, or announce once per version with "
                "--once-per version"
            )
        if once_per == "version" and not version:
            raise IdentityError(
                "no version to announce once per: set the stack config's version (`pulumi "
                "config set version 1.4.0`), give --version, or a run id (--run-id)"
            )
        if once_per not in ONCE_PER:
            raise IdentityError(f"--once-per {once_per!r}: use run or version")
        chosen: OncePer = "run" if once_per == "run" else "version"
        return cls(project, stack, version, run_id, chosen, run_url, attempt)

    @property
    def anchor(self) -> str:
        """The value the announcements are once per: the run id or the version."""
        value = self.run_id if self.once_per == "run" else self.version
        return value or ""

    @property
    def deploy(self) -> str:
        """How a message names the deploy: ``version 1.4.0 (run 42)``, ``run 42``..."""
        if self.version and self.run_id:
            return f"version {self.version} (run {self.run_id})"
        if self.version:
            return f"version {self.version}"
        return f"run {self.run_id}"

    def source_id(self, event: str, salt: str | None) -> str:
        """The sourceId of this deploy's ``event`` announcement.

        Over the project, the stack, the event and the anchor (its kind and value), and, once
        per run, the version when one is known: not the text, the recipients or the summary, so
        a retried step with a longer summary or an edited template still derives the same id,
        while a job re-run with another version in the same run (GitLab's ``CI_PIPELINE_ID``
        is shared by every job of a pipeline) is a new announcement. Keyed with
        ``gotham:sourceIdSalt`` when set.
        """
        fields = {
            "project": self.project,
            "stack": self.stack,
            "event": event,
            "oncePer": self.once_per,
            "anchor": self.anchor,
        }
        if self.once_per == "run" and self.version:
            fields["version"] = self.version
        name = canonical_json(fields)
        return keyed_uuid(ANNOUNCE_NAMESPACE, name, salt)
