"""gotham-inbox: Gotham Global Inbox messages as Pulumi resources, checked before any deploy.

The public API of the core library: the wire models, the httpx client and its auth, and the
exceptions. The Pulumi resources live in :mod:`gotham_inbox.providers` (in the repository, the
top-level ``providers/`` folder), the policy pack in :mod:`gotham_inbox.policy` (laid out by
``gotham-inbox policy-pack DIR``; in the repository, ``policies/``).
"""

from gotham_inbox.auth import ClientCredentialsAuth, TokenAuth
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
from gotham_inbox.retry import NO_RETRIES, RetryPolicy
from gotham_inbox.validation import Problem

__all__ = [
    "NO_RETRIES",
    "ApiNotAvailableError",
    "BadRequestError",
    "ClientCredentialsAuth",
    "ConfigurationError",
    "GothamAPIError",
    "GothamInboxError",
    "GroupRecipient",
    "InboxClient",
    "IncompleteAnswerError",
    "InsecureTransportError",
    "InvalidMessagesError",
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
    "TokenAuth",
    "TokenEndpointError",
    "UnauthorizedError",
]
