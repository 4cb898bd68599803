"""The emulator hook the crash test relies on: ``hold_answers()`` stores, but does not answer.

No Pulumi CLI needed: a client sends in a thread while the gate is closed.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from gotham_inbox import NO_RETRIES, InboxClient, TokenAuth
from gotham_inbox.emulator.testing import running_emulator
from tests.e2e.e2e_support import wait_until

pytestmark = pytest.mark.e2e

MESSAGE = {
    "groupRecipients": [{"name": "platform-team"}],
    "sender": {"displayName": "Release Bot"},
    "title": {"value": "held"},
    "security": {"portionMarkings": ["UNCLASSIFIED"]},
}


def test_hold_answers_stores_the_message_but_answers_only_at_the_end_of_the_block() -> None:
    with (
        running_emulator() as emulator,
        InboxClient(
            emulator.base_url, auth=TokenAuth(emulator.token_for()), retry=NO_RETRIES
        ) as client,
        ThreadPoolExecutor(max_workers=1) as pool,
    ):
        with emulator.hold_answers() as gate:
            pending = pool.submit(client.send, [MESSAGE])
            wait_until(lambda: gate.held == 1, "the send's answer is held")
            (stored,) = emulator.messages()  # already stored...
            assert not pending.done()  # ...while the caller still waits for the answer
        assert gate.held == 0
        answer = pending.result(timeout=30)
        assert [str(sent.source_id) for sent in answer.responses] == [stored["sourceId"]]

        # Once the block is over, answers come straight back again.
        again = client.send([{**MESSAGE, "title": {"value": "not held"}}])
        assert len(again.responses) == 1
        assert len(emulator.messages()) == 2
