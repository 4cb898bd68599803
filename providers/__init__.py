"""Gotham Global Inbox messages as Pulumi resources.

``InboxMessage`` sends one message, ``InboxMessageBatch`` sends several in one all-or-nothing
request, ``ReleaseAnnouncement`` announces each released version once. The provider reads
``gotham:hostname``, ``gotham:token`` (or ``gotham:clientId`` and ``gotham:clientSecret``),
``gotham:caBundle`` and ``gotham:realm`` from the stack config, with ``GOTHAM_*`` environment
variables as fallbacks. See the README's provider section.
"""

from providers.announcement import AnnouncementError, release_source_id
from providers.provider import InboxMessageBatchProvider, InboxMessageProvider, InboxProviderError
from providers.release import ReleaseAnnouncement
from providers.resources import InboxMessage, InboxMessageBatch, MessageInput
from providers.settings import ProviderSettings

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
