"""The ``gotham-inbox`` CrossGuard policies as pure functions, shared by the pack and ``check``.

One module per policy (``message_valid``, ``batch_atomicity``, ``realm_requirements``,
``markings``, ``recipients_can_read``, ``content``) holds its properties model, its rule functions
and its :class:`PolicySpec` (``SPEC``); :mod:`.registry` lists them; :func:`evaluate` runs them
over :class:`InboxResource` objects with a config resolved by :func:`resolve_pack_config`
(Pulumi's policy-pack config format). ``gotham-inbox check``'s own machinery (the project, the
program under mocks, the reports) is :mod:`gotham_inbox.check`.
"""

from gotham_inbox.policy.engine import evaluate
from gotham_inbox.policy.inbox_resource import (
    INBOX_MESSAGE_BATCH_TYPE,
    INBOX_MESSAGE_TYPE,
    InboxResource,
    StackContext,
    inbox_resource,
)
from gotham_inbox.policy.pack_config import (
    PackConfig,
    ResolvedPolicy,
    load_pack_config,
    resolve_pack_config,
)
from gotham_inbox.policy.properties import PolicyConfigError
from gotham_inbox.policy.registry import POLICIES, POLICIES_BY_NAME
from gotham_inbox.policy.spec import PACK_NAME, PolicySpec
from gotham_inbox.policy.violation import EnforcementLevel, Finding, Violation

__all__ = [
    "INBOX_MESSAGE_BATCH_TYPE",
    "INBOX_MESSAGE_TYPE",
    "PACK_NAME",
    "POLICIES",
    "POLICIES_BY_NAME",
    "EnforcementLevel",
    "Finding",
    "InboxResource",
    "PackConfig",
    "PolicyConfigError",
    "PolicySpec",
    "ResolvedPolicy",
    "StackContext",
    "Violation",
    "evaluate",
    "inbox_resource",
    "load_pack_config",
    "resolve_pack_config",
]
