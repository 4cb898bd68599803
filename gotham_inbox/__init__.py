"""gotham-inbox: Gotham Global Inbox messages as Pulumi resources, checked before any deploy.

The public API of the core library: the wire models, the httpx client (its auth, retries and
what a send delivered), and the exceptions. The client's helper modules are private
(``gotham_inbox._auth``, ...): import their public names from here. The Pulumi resources live
in :mod:`gotham_inbox.providers` (in the repository, the top-level ``providers/`` folder), the
policy pack in :mod:`gotham_inbox.policy` (laid out by ``gotham-inbox policy-pack DIR``; in the
repository, ``policies/``).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from gotham_inbox._auth import ClientCredentialsAuth, TokenAuth
    from gotham_inbox._delivery import (
        HOST_MEMORY,
        Delivery,
        HostMemory,
        MessageResult,
        SourceIdPolicy,
    )
    from gotham_inbox._retry import NO_RETRIES, RetryPolicy
    from gotham_inbox.client import InboxClient
    from gotham_inbox.errors import (
        ApiNotAvailableError,
        BadRequestError,
        ConfigurationError,
        GothamAPIError,
        GothamInboxError,
        IncompleteAnswerError,
        InsecureTransportError,
        InvalidMessagesError,
        OutcomeUnknownError,
        PermissionDeniedError,
        RateLimitedError,
        RequestNotSentError,
        TokenEndpointError,
        UnauthorizedError,
    )
    from gotham_inbox.models import (
        GroupRecipient,
        MessageSecurity,
        MessageSender,
        PalantirError,
        SecureTextBody,
        SecureTextTitle,
        SendMessageFailure,
        SendMessageRequest,
        SendMessageResponse,
        SendMessagesRequest,
        SendMessagesResponse,
    )
    from gotham_inbox.validation import Problem

# The names are imported when first used (PEP 562): `gotham-inbox check` and the policy pack
# need none of the client's machinery (httpx), and importing it cost a third of check's start-up.
_HOMES: dict[str, str] = {
    "ApiNotAvailableError": "gotham_inbox.errors",
    "BadRequestError": "gotham_inbox.errors",
    "ClientCredentialsAuth": "gotham_inbox._auth",
    "ConfigurationError": "gotham_inbox.errors",
    "Delivery": "gotham_inbox._delivery",
    "GothamAPIError": "gotham_inbox.errors",
    "GothamInboxError": "gotham_inbox.errors",
    "GroupRecipient": "gotham_inbox.models",
    "HOST_MEMORY": "gotham_inbox._delivery",
    "HostMemory": "gotham_inbox._delivery",
    "InboxClient": "gotham_inbox.client",
    "IncompleteAnswerError": "gotham_inbox.errors",
    "InsecureTransportError": "gotham_inbox.errors",
    "InvalidMessagesError": "gotham_inbox.errors",
    "MessageSecurity": "gotham_inbox.models",
    "MessageResult": "gotham_inbox._delivery",
    "MessageSender": "gotham_inbox.models",
    "NO_RETRIES": "gotham_inbox._retry",
    "OutcomeUnknownError": "gotham_inbox.errors",
    "PalantirError": "gotham_inbox.models",
    "PermissionDeniedError": "gotham_inbox.errors",
    "Problem": "gotham_inbox.validation",
    "RateLimitedError": "gotham_inbox.errors",
    "RequestNotSentError": "gotham_inbox.errors",
    "RetryPolicy": "gotham_inbox._retry",
    "SecureTextBody": "gotham_inbox.models",
    "SecureTextTitle": "gotham_inbox.models",
    "SendMessageFailure": "gotham_inbox.models",
    "SendMessageRequest": "gotham_inbox.models",
    "SendMessageResponse": "gotham_inbox.models",
    "SendMessagesRequest": "gotham_inbox.models",
    "SendMessagesResponse": "gotham_inbox.models",
    "SourceIdPolicy": "gotham_inbox._delivery",
    "TokenAuth": "gotham_inbox._auth",
    "TokenEndpointError": "gotham_inbox.errors",
    "UnauthorizedError": "gotham_inbox.errors",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'gotham_inbox' has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_HOMES])


__all__ = [
    "HOST_MEMORY",
    "NO_RETRIES",
    "ApiNotAvailableError",
    "BadRequestError",
    "ClientCredentialsAuth",
    "ConfigurationError",
    "Delivery",
    "GothamAPIError",
    "GothamInboxError",
    "GroupRecipient",
    "HostMemory",
    "InboxClient",
    "IncompleteAnswerError",
    "InsecureTransportError",
    "InvalidMessagesError",
    "MessageResult",
    "MessageSecurity",
    "MessageSender",
    "OutcomeUnknownError",
    "PalantirError",
    "PermissionDeniedError",
    "Problem",
    "RateLimitedError",
    "RequestNotSentError",
    "RetryPolicy",
    "SecureTextBody",
    "SecureTextTitle",
    "SendMessageFailure",
    "SendMessageRequest",
    "SendMessageResponse",
    "SendMessagesRequest",
    "SendMessagesResponse",
    "SourceIdPolicy",
    "TokenAuth",
    "TokenEndpointError",
    "UnauthorizedError",
]
