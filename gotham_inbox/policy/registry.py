"""The policies of the ``gotham-inbox`` pack, in one list that the pack and ``check`` share.

Each rule module declares its own :class:`~gotham_inbox.policy.spec.PolicySpec` (``SPEC``);
adding a policy is one module with its ``SPEC`` and one line here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gotham_inbox.policy import (
    batch_atomicity,
    content,
    markings,
    message_valid,
    realm_requirements,
    recipients_can_read,
)
from gotham_inbox.policy.spec import PolicySpec

POLICIES: tuple[PolicySpec[Any], ...] = (
    message_valid.SPEC,
    batch_atomicity.SPEC,
    realm_requirements.SPEC,
    markings.SPEC,
    recipients_can_read.SPEC,
    content.SPEC,
)
"""Every policy of the pack, in the order the pack runs them."""

POLICIES_BY_NAME: Mapping[str, PolicySpec[Any]] = {spec.name: spec for spec in POLICIES}
"""Every policy of the pack by its name (``inbox-message-valid``, ...)."""
