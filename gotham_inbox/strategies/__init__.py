"""Hypothesis strategies for Gotham Inbox messages, shipped for your own property tests.

Every strategy yields messages in their wire (camelCase JSON) form, the shape the API, the
Pulumi resources and the policy pack all take. They are composed from small named pieces, so
you can swap any piece::

    from hypothesis import given
    from gotham_inbox import strategies as gs

    @given(gs.messages(recipients=gs.group_recipients(names=st.just("platform-team"))))
    def test_my_rule(message): ...

Import everything from this package (its modules are private, one job each):

- text and names (:func:`texts`, :func:`readable_names`, :func:`realm_names`,
  :func:`group_names`, :func:`portion_markings`, :func:`source_ids`) and arbitrary
  :func:`json_values`;
- message parts and messages (:func:`group_recipients`, :func:`senders`, :func:`titles`,
  :func:`bodies`, :func:`securities`, :func:`messages`, :func:`batches`);
- one field broken at a time (:func:`near_valid_messages`, :func:`break_field`;
  :data:`BREAKAGE_NAMES`, :data:`EMPTY_BREAKAGE_NAMES`);
- sourceIds that collide (:func:`source_id_pools`, :func:`colliding_source_ids`);
- directories in the emulator's file format (:func:`directories`, :func:`example_directory`,
  :func:`directory_data`);
- what a directory contains, as the directory model reads it (:func:`caller_of`,
  :func:`foreign_groups`, :func:`over_clearance_markings`, :func:`unreadable_pairs`, ...);
- messages for a directory and caller (:func:`valid_messages_for`,
  :func:`unreadable_messages_for`);
- one directory rule broken at a time (:func:`directory_broken_messages_for`,
  :func:`break_directory_rule`, :data:`DIRECTORY_BREAKAGE_NAMES`);
- breakage kinds: every breakage is tagged with a :class:`BreakageKind` (``FIELD``,
  ``EMPTY_LIST``, ``REALM``, ``MARKING``); pick them with :func:`breakage_names` and tell them
  apart with :func:`kind_of`;
- the directory's Inbox limits (:func:`directory_limits`, ``directories(limits=True)``,
  :func:`limits_of`, :func:`within_limits`), and messages exactly at or one past a limit
  (:func:`limit_straddling_messages_for`, :data:`LIMIT_LABELS`);
- batches mixing all of them, labelled (:func:`labelled_batches_for`, :func:`batches_for`);
- edge values of the policies (:func:`caller_clearances` with ``[]``, :func:`recipient_realms`
  with ``""``, :func:`marking_and_ceiling`, :func:`batch_sizes_around`, a sample of every
  built-in credential pattern: :func:`credential_samples`, :func:`texts_with_credentials`).

Names shrink to short readable ones (``"0"``, ``"0-realm"``) and never come from a filter that
could reject most draws. Requires ``hypothesis``: ``pip install "gotham-inbox[testing]"``.
"""

from __future__ import annotations

try:
    import hypothesis.strategies  # noqa: F401  (only to fail here, naming the extra)
except ImportError as error:
    # hypothesis is not a runtime dependency: say which extra brings it, not just its name.
    raise ModuleNotFoundError(
        "gotham_inbox.strategies needs hypothesis, which gotham-inbox's testing extra brings: "
        'pip install "gotham-inbox[testing]"',
        name=error.name,
    ) from error

from gotham_inbox.strategies._breakage_catalogue import breakage_names, kind_of
from gotham_inbox.strategies._directory_breakages import (
    DIRECTORY_BREAKAGE_NAMES,
    DIRECTORY_BREAKAGES,
    DirectoryBreakage,
    break_directory_rule,
    directory_breakages_for,
    directory_broken_messages_for,
)
from gotham_inbox.strategies._directory_generation import (
    directories,
    directory_data,
    example_directory,
    marking_lists,
)
from gotham_inbox.strategies._directory_messages import (
    limit_straddling_messages_for,
    recipient_for,
    unreadable_messages_for,
    valid_messages_for,
    valid_recipients_for,
)
from gotham_inbox.strategies._directory_queries import (
    DirectoryData,
    caller_of,
    clearance_of,
    foreign_groups,
    over_clearance_markings,
    realms_of,
    recipient_groups,
    unreadable_pairs,
)
from gotham_inbox.strategies._field_breakages import (
    BREAKAGE_NAMES,
    EMPTY_BREAKAGE_NAMES,
    FIELD_BREAKAGES,
    FieldBreakage,
    break_field,
    near_valid_messages,
)
from gotham_inbox.strategies._id_pools import colliding_source_ids, source_id_pools
from gotham_inbox.strategies._kinds import BreakageKind
from gotham_inbox.strategies._labelled import (
    JUNK,
    UNREADABLE,
    VALID,
    batches_for,
    labelled_batches_for,
    labelled_messages_for,
)
from gotham_inbox.strategies._limits import (
    LIMIT_LABELS,
    LIMIT_NAMES,
    directory_limits,
    limits_of,
    within_limits,
)
from gotham_inbox.strategies._policy_edges import (
    batch_sizes_around,
    caller_clearances,
    credential_samples,
    marking_and_ceiling,
    recipient_realms,
    texts_with_credentials,
)
from gotham_inbox.strategies._text import (
    group_names,
    json_values,
    portion_markings,
    readable_names,
    realm_names,
    source_ids,
    texts,
)
from gotham_inbox.strategies._wire import (
    Message,
    batches,
    bodies,
    group_recipients,
    messages,
    securities,
    senders,
    titles,
)

__all__ = [
    "BREAKAGE_NAMES",
    "DIRECTORY_BREAKAGES",
    "DIRECTORY_BREAKAGE_NAMES",
    "EMPTY_BREAKAGE_NAMES",
    "FIELD_BREAKAGES",
    "JUNK",
    "LIMIT_LABELS",
    "LIMIT_NAMES",
    "UNREADABLE",
    "VALID",
    "BreakageKind",
    "DirectoryBreakage",
    "DirectoryData",
    "FieldBreakage",
    "Message",
    "batch_sizes_around",
    "batches",
    "batches_for",
    "bodies",
    "break_directory_rule",
    "break_field",
    "breakage_names",
    "caller_clearances",
    "caller_of",
    "clearance_of",
    "colliding_source_ids",
    "credential_samples",
    "directories",
    "directory_breakages_for",
    "directory_broken_messages_for",
    "directory_data",
    "directory_limits",
    "example_directory",
    "foreign_groups",
    "group_names",
    "group_recipients",
    "json_values",
    "kind_of",
    "labelled_batches_for",
    "labelled_messages_for",
    "limit_straddling_messages_for",
    "limits_of",
    "marking_and_ceiling",
    "marking_lists",
    "messages",
    "near_valid_messages",
    "over_clearance_markings",
    "portion_markings",
    "readable_names",
    "realm_names",
    "realms_of",
    "recipient_for",
    "recipient_groups",
    "recipient_realms",
    "securities",
    "senders",
    "source_id_pools",
    "source_ids",
    "texts",
    "texts_with_credentials",
    "titles",
    "unreadable_messages_for",
    "unreadable_pairs",
    "valid_messages_for",
    "valid_recipients_for",
    "within_limits",
]
