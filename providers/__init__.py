"""Gotham Global Inbox messages as Pulumi resources.

``InboxMessage`` sends one message, ``InboxMessageBatch`` sends several in one all-or-nothing
request. The provider reads ``gotham:hostname``, ``gotham:token`` (or ``gotham:clientId`` and
``gotham:clientSecret``), ``gotham:caBundle`` and ``gotham:realm`` from the stack config, with
``GOTHAM_*`` environment variables as fallbacks. See the README's provider section.
"""

from providers.provider import InboxMessageBatchProvider, InboxMessageProvider, InboxProviderError
from providers.resources import InboxMessage, InboxMessageBatch, MessageInput
from providers.settings import ProviderSettings

__all__ = [
    "InboxMessage",
    "InboxMessageBatch",
    "InboxMessageBatchProvider",
    "InboxMessageProvider",
    "InboxProviderError",
    "MessageInput",
    "ProviderSettings",
]
