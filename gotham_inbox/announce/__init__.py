"""Announcing every deploy (started, succeeded, failed, cancelled) in the Global Inbox.

``gotham-inbox announce`` (:mod:`gotham_inbox.cli.announce`) announces from a CI step;
:func:`~gotham_inbox.announce.automation.announced_up` wraps the Automation API's ``stack.up()``.
Each event of a deploy goes out once per run or version (:mod:`.identity`), to whom the routes
say (:mod:`.routes`), judged first by the pack (:mod:`.announcer`). See docs/announcements.md.
"""

from gotham_inbox.announce.announcer import Announcement, Announcer, AnnounceRefused
from gotham_inbox.announce.identity import EVENTS, DeployIdentity, IdentityError
from gotham_inbox.announce.routes import Routes, RoutesError
from gotham_inbox.announce.summary import DeploySummary, SummaryBuilder, SummaryError

__all__ = [
    "EVENTS",
    "AnnounceRefused",
    "Announcement",
    "Announcer",
    "DeployIdentity",
    "DeploySummary",
    "IdentityError",
    "Routes",
    "RoutesError",
    "SummaryBuilder",
    "SummaryError",
]
