"""Property 2, completeness for what the server enforces: every batch the server refuses is
stopped by a mandatory violation, on the messages the server objected to.

The server lists every problem with its ``messageIndex``; the policies must report a mandatory
violation on each of those messages (so, in particular, some violation names a message the
server objected to). A refused batch is never a surprise at deploy time.
"""

from __future__ import annotations

from typing import Any

from hypothesis import event, given
from hypothesis import strategies as st

from gotham_inbox import strategies as gs
from tests.properties.property_support import CALLER, directories_of_every_kind, judge


@given(directory=directories_of_every_kind(), data=st.data())
def test_every_message_the_server_objects_to_has_a_mandatory_violation(
    directory: dict[str, Any], data: st.DataObject
) -> None:
    labelled = data.draw(gs.labelled_batches_for(directory, CALLER), label="batch")
    verdicts = judge(directory, labelled)
    server = verdicts.server
    event(f"server {server.status_code} {server.error_name or ''}".strip())
    if server.accepted:
        return
    assert verdicts.policy.blocks, verdicts.report
    assert server.objected_indexes & verdicts.policy.mandatory_indexes, verdicts.report
    unflagged = server.objected_indexes - verdicts.policy.mandatory_indexes
    assert not unflagged, f"messages {sorted(unflagged, key=str)} unflagged\n{verdicts.report}"
