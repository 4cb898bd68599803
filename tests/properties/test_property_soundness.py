"""Property 1, soundness: a batch the policies let through is accepted by the server in full.

Over generated directories (realms, groups with clearances, a caller with a clearance) and
batches that mix valid messages with messages broken one field or one directory rule at a
time, arbitrary JSON and colliding sourceIds: when no policy reports a mandatory violation,
the emulator, starting empty, stores every message and reports no conflict.
"""

from __future__ import annotations

from typing import Any

from hypothesis import event, given
from hypothesis import strategies as st

from gotham_inbox import strategies as gs
from tests.properties.property_support import CALLER, directories_of_every_kind, judge


@given(directory=directories_of_every_kind(), data=st.data())
def test_a_batch_without_mandatory_violations_is_accepted_in_full(
    directory: dict[str, Any], data: st.DataObject
) -> None:
    labelled = data.draw(gs.labelled_batches_for(directory, CALLER), label="batch")
    verdicts = judge(directory, labelled)
    event("policies pass" if not verdicts.policy.blocks else "policies block")
    if verdicts.policy.blocks:
        return
    assert verdicts.server.accepted_in_full(len(labelled)), verdicts.report
    assert [record["message"] for record in verdicts.stored] == verdicts.batch, verdicts.report
