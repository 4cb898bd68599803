"""Gotham Global Inbox messages as Pulumi resources.

``InboxMessage`` sends one message, ``InboxMessageBatch`` sends several in one all-or-nothing
request, ``ReleaseAnnouncement`` announces each released version once. The provider reads
``gotham:hostname``, ``gotham:token`` (or ``gotham:clientId`` and ``gotham:clientSecret``),
``gotham:caBundle`` and ``gotham:realm`` from the stack config, with ``GOTHAM_*`` environment
variables as fallbacks. See docs/resources.md.

Import it as ``gotham_inbox.providers``. In the repository this folder is also reachable as a
top-level ``providers`` (from the repository root); that name is refused, because Pulumi
pickles the provider class by reference into every stack's state, and a second name would
load every class twice and freeze the wrong path into state.
"""

if __name__ == "providers":
    raise ImportError(
        "gotham-inbox's resources are imported from gotham_inbox.providers, not providers "
        "(e.g. `from gotham_inbox.providers import InboxMessage`). A stack whose state still "
        "names providers.provider was deployed when gotham-inbox installed a top-level "
        "providers package: rewrite its state once with `gotham-inbox migrate-state` "
        "(see docs/engine.md)."
    )

from gotham_inbox.providers.announcement import AnnouncementError, release_source_id
from gotham_inbox.providers.provider import (
    InboxMessageBatchProvider,
    InboxMessageProvider,
    InboxProviderError,
)
from gotham_inbox.providers.release import ReleaseAnnouncement
from gotham_inbox.providers.resources import InboxMessage, InboxMessageBatch, MessageInput
from gotham_inbox.providers.settings import ProviderSettings

__all__ = [
    "AnnouncementError",
    "InboxMessage",
    "InboxMessageBatch",
    "InboxMessageBatchProvider",
    "InboxMessageProvider",
    "InboxProviderError",
    "MessageInput",
    "ProviderSettings",
    "ReleaseAnnouncement",
    "release_source_id",
]
