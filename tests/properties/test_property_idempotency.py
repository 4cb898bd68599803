"""Property 6, idempotency: whatever the engine does, each live resource's messages are in the
inbox exactly once, and nothing else was ever sent, under each way a host treats sourceIds.

Under ``honour`` the property is the strong one: every declared message is delivered exactly
once, even when answers are lost or a deploy fails and is run again. Under ``ignore`` and
``reject`` nothing on the host can recognise a repeat, so the property is what can be promised
there: a message is never re-sent automatically after an answer that may have been lost (the
create fails and says so), the outputs name the server's ids of exactly the messages this
create delivered, and a deploy run again after such a failure delivers again (and says "sent").

A hypothesis state machine plays the Pulumi engine against a running emulator: it declares
InboxMessage and InboxMessageBatch resources as a program would (sourceIds derived from the
stack, the name, the index and the content), and drives the provider through creates, content
changes (a replace: create the new resource, then delete the old one), declarations that only
change spelling (no diff), creates whose answer is lost (the client retries), creates whose
every answer is lost (the deploy fails; the next deploy creates again) and deletes. After every
step the inbox must hold exactly the messages the model says were sent, once each, with what
the provider recorded for them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from gotham_inbox import strategies as gs
from gotham_inbox._delivery import HostMemory
from gotham_inbox._retry import RetryPolicy
from gotham_inbox.emulator.app import MESSAGES_PATH
from gotham_inbox.emulator.testing import RunningEmulator
from gotham_inbox.providers.provider import (
    InboxMessageBatchProvider,
    InboxMessageProvider,
    InboxProviderError,
)
from gotham_inbox.providers.settings import ProviderSettings
from gotham_inbox.source_ids import canonical_message, with_source_id
from tests.support import LosesAnswers

PROJECT, STACK = "inbox-proof", "dev"
CALLER, CALLER_REALM = "release-bot", "palantir-internal-realm"
NAMES = ("alpha", "beta", "gamma")
NO_WAITING = RetryPolicy(sleep=lambda _seconds: None, jitter=False)

EXAMPLE = gs.example_directory()
message_lists = st.lists(
    gs.valid_messages_for(EXAMPLE, CALLER, with_source_id=st.just(False)), min_size=1, max_size=3
)
kinds = st.sampled_from(["message", "batch"])
MODES = ("honour", "ignore", "reject")


def declare(name: str, kind: str, messages: list[dict[str, Any]]) -> dict[str, Any]:
    """The inputs a program registers: each message with its derived sourceId."""
    if kind == "message":
        return {"message": with_source_id(messages[0], PROJECT, STACK, name)}
    return {
        "messages": [
            with_source_id(message, PROJECT, STACK, name, index)
            for index, message in enumerate(messages)
        ]
    }


def respelled(inputs: dict[str, Any]) -> dict[str, Any]:
    """The same inputs written differently: keys reversed, an explicit ``"realm": null``."""

    def respell(message: dict[str, Any]) -> dict[str, Any]:
        recipients = [
            {"realm": None, **recipient} if "realm" not in recipient else recipient
            for recipient in message["groupRecipients"]
        ]
        return dict(reversed(list({**message, "groupRecipients": recipients}.items())))

    if "message" in inputs:
        return {"message": respell(inputs["message"])}
    return {"messages": [respell(message) for message in inputs["messages"]]}


def sent_messages(inputs: dict[str, Any]) -> list[dict[str, Any]]:
    """The messages as the provider declares them (with their requested sourceIds)."""
    declared = [inputs["message"]] if "message" in inputs else inputs["messages"]
    return [canonical_message(message) for message in declared]


def without_id(message: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in message.items() if key != "sourceId"}


@dataclass
class Resource:
    """A resource the engine has recorded: its kind, inputs and the provider's outputs."""

    kind: str
    id: str
    inputs: dict[str, Any]
    outputs: dict[str, Any]

    def source_ids(self) -> list[str]:
        return [self.outputs["sourceId"]] if self.kind == "message" else self.outputs["sourceIds"]

    def statuses(self) -> list[str]:
        return [self.outputs["status"]] if self.kind == "message" else self.outputs["statuses"]

    def messages(self) -> list[dict[str, Any]]:
        return [self.outputs["message"]] if self.kind == "message" else self.outputs["messages"]

    def recipients(self) -> list[list[dict[str, str]]]:
        recipients = self.outputs["recipients"]
        return [recipients] if self.kind == "message" else list(recipients)


class DeploysAgainstTheEmulator(RuleBasedStateMachine):
    """The engine's calls to the provider, and a model of what the inbox must hold."""

    def __init__(self, emulator: RunningEmulator, http: httpx.HTTPTransport) -> None:
        super().__init__()
        self.emulator = emulator
        self.honour = emulator.source_ids == "honour"
        self.memory = HostMemory()
        """One provider host process: what it learnt about the host, across its creates."""
        self.proven = False
        """An answer has shown this process that the host honours sourceIds."""
        self.refusal_known = False
        """reject: an answer has shown this process that the host refuses sourceIds."""
        self.http = http
        self.inbox = httpx.Client(
            transport=http, base_url=emulator.base_url, headers=emulator.admin_headers
        )
        self.inbox.delete(MESSAGES_PATH).raise_for_status()
        self.delivered: dict[str, dict[str, Any]] = {}
        """Every sourceId the inbox must hold, with the message it was sent as."""
        self.live: dict[str, Resource] = {}
        self.failed: dict[str, tuple[str, dict[str, Any]]] = {}
        """Creates whose every answer was lost: the deploy failed before recording them."""

    # -- the provider, as a fresh provider host makes it ---------------------------------------

    def provider(self, kind: str, lose_answers: int = 0) -> Any:
        provider = InboxMessageProvider() if kind == "message" else InboxMessageBatchProvider()
        provider.use_settings(
            ProviderSettings(
                hostname=self.emulator.base_url,
                token=self.emulator.token_for(CALLER),
                realm=CALLER_REALM,
                transport=LosesAnswers(lose_answers, inner=self.http),
                retry=NO_WAITING,
                memory=self.memory,
            )
        )
        return provider

    def stored(self) -> list[dict[str, Any]]:
        records: list[dict[str, Any]] = (
            self.inbox.get(MESSAGES_PATH).raise_for_status().json()["messages"]
        )
        return records

    def arrived_since(self, before: set[str], sent: list[dict[str, Any]]) -> list[str]:
        """Under ignore/reject: exactly the messages of ``sent`` arrived once, in order."""
        new = [record for record in self.stored() if record["sourceId"] not in before]
        assert [record["message"] for record in new] == [without_id(m) for m in sent]
        for record in new:
            self.delivered[record["sourceId"]] = record["message"]
        return [record["sourceId"] for record in new]

    def create(self, kind: str, inputs: dict[str, Any], lose_answers: int = 0) -> Resource | None:
        """check then create, as the engine does; the outputs must match the model.

        ``None`` when the create failed because an answer was lost and re-sending was not
        known to be safe (the messages arrived; the engine records nothing).
        """
        provider = self.provider(kind, lose_answers)
        assert provider.check({}, inputs).failures == []
        sent = sent_messages(inputs)
        ids = [str(message["sourceId"]).lower() for message in sent]
        before = {record["sourceId"] for record in self.stored()}
        retry_is_safe = self.honour and self.proven
        if lose_answers >= NO_WAITING.max_attempts or (lose_answers and not retry_is_safe):
            with pytest.raises(InboxProviderError, match="may or may not have been"):
                provider.create(inputs)
            # The first attempt got through: the messages are in the inbox, unrecorded.
            if self.honour:
                for message in sent:
                    self.delivered.setdefault(str(message["sourceId"]).lower(), message)
            elif self.emulator.source_ids == "reject" and not self.refusal_known:
                # The first attempt carried ids: refused, nothing stored, the refusal lost.
                self.arrived_since(before, [])
            else:
                self.arrived_since(before, sent)
            return None
        result = provider.create(inputs)
        resource = Resource(kind, result.id, inputs, result.outs)
        requested = "requestedSourceId" if kind == "message" else "requestedSourceIds"
        assert result.outs[requested] == (ids[0] if kind == "message" else ids)
        assert resource.messages() == sent
        assert result.outs["idempotent"] is self.honour
        if not self.honour:
            self.refusal_known = True  # (reject) the answer showed it; no effect under ignore
            # Nothing can recognise a repeat: this create delivered every message, and the
            # outputs name the server's ids of exactly those.
            assert resource.source_ids() == self.arrived_since(before, sent)
            assert resource.statuses() == ["sent"] * len(sent)
            return resource
        self.proven = True
        assert resource.source_ids() == ids
        # A message is "sent" only if this very request stored it: a retry after a lost answer,
        # or an id an earlier deploy already delivered, is "adopted".
        expected = [
            "adopted" if source_id in self.delivered or lose_answers else "sent"
            for source_id in ids
        ]
        assert resource.statuses() == expected, (
            f"provider said {resource.statuses()} for {ids}; expected {expected} "
            f"(in the inbox before: {[i for i in ids if i in self.delivered]}, "
            f"answers lost: {lose_answers})"
        )
        self.delivered.update(zip(ids, sent, strict=True))
        return resource

    def free_names(self) -> list[str]:
        return [name for name in NAMES if name not in self.live and name not in self.failed]

    # -- rules ----------------------------------------------------------------------------------

    def record(self, name: str, kind: str, inputs: dict[str, Any], lose_answers: int) -> None:
        resource = self.create(kind, inputs, lose_answers)
        if resource is None:
            self.failed[name] = (kind, inputs)
        else:
            self.live[name] = resource

    @precondition(lambda self: self.free_names())
    @rule(data=st.data(), kind=kinds, messages=message_lists)
    def create_resource(self, data: st.DataObject, kind: str, messages: list[Any]) -> None:
        name = data.draw(st.sampled_from(self.free_names()), label="name")
        self.record(name, kind, declare(name, kind, messages), 0)

    @precondition(lambda self: self.free_names())
    @rule(
        data=st.data(),
        kind=kinds,
        messages=message_lists,
        lost=st.integers(1, NO_WAITING.max_attempts - 1),
    )
    def create_while_answers_are_lost(
        self, data: st.DataObject, kind: str, messages: list[Any], lost: int
    ) -> None:
        name = data.draw(st.sampled_from(self.free_names()), label="name")
        self.record(name, kind, declare(name, kind, messages), lost)

    @precondition(lambda self: self.free_names())
    @rule(data=st.data(), kind=kinds, messages=message_lists)
    def create_while_every_answer_is_lost(
        self, data: st.DataObject, kind: str, messages: list[Any]
    ) -> None:
        name = data.draw(st.sampled_from(self.free_names()), label="name")
        self.record(name, kind, declare(name, kind, messages), NO_WAITING.max_attempts)

    @precondition(lambda self: self.failed)
    @rule(data=st.data())
    def deploy_again_after_a_failure(self, data: st.DataObject) -> None:
        name = data.draw(st.sampled_from(sorted(self.failed)), label="name")
        kind, inputs = self.failed.pop(name)
        resource = self.create(kind, inputs)
        assert resource is not None
        self.live[name] = resource
        # honour: what the failed deploy delivered is adopted. ignore/reject: it is delivered
        # again (create checked that), the one guarantee those hosts cannot give.
        assert set(resource.statuses()) == ({"adopted"} if self.honour else {"sent"})

    @precondition(lambda self: self.live)
    @rule(data=st.data(), messages=message_lists)
    def change_content(self, data: st.DataObject, messages: list[Any]) -> None:
        name = data.draw(st.sampled_from(sorted(self.live)), label="name")
        old = self.live[name]
        inputs = declare(name, old.kind, messages)
        diff = self.provider(old.kind).diff(old.id, old.outputs, inputs)
        if sent_messages(inputs) == old.messages():
            assert not diff.changes
            return
        assert diff.changes and diff.replaces and not diff.delete_before_replace
        new = self.create(old.kind, inputs)
        assert new is not None
        self.provider(old.kind).delete(old.id, old.outputs)
        self.live[name] = new

    @precondition(lambda self: self.live)
    @rule(data=st.data())
    def declare_the_same_differently(self, data: st.DataObject) -> None:
        name = data.draw(st.sampled_from(sorted(self.live)), label="name")
        old = self.live[name]
        inputs = respelled(old.inputs)
        assert sent_messages(inputs) == old.messages()
        assert not self.provider(old.kind).diff(old.id, old.outputs, inputs).changes

    @precondition(lambda self: self.live)
    @rule(data=st.data())
    def delete_resource(self, data: st.DataObject) -> None:
        name = data.draw(st.sampled_from(sorted(self.live)), label="name")
        old = self.live.pop(name)
        self.provider(old.kind).delete(old.id, old.outputs)

    # -- after every step ---------------------------------------------------------------------

    @invariant()
    def the_inbox_holds_each_message_once_and_nothing_else(self) -> None:
        records = self.inbox.get(MESSAGES_PATH).raise_for_status().json()["messages"]
        stored = [record["sourceId"] for record in records]
        assert len(stored) == len(set(stored)), f"a sourceId stored twice: {stored}"
        inbox = {record["sourceId"]: record["message"] for record in records}
        expected = self.delivered
        assert inbox == expected, (
            "the inbox differs from what was sent: "
            f"unexpected {sorted(set(inbox) - set(expected))}, "
            f"missing {sorted(set(expected) - set(inbox))}, "
            f"different {[i for i in inbox if i in expected and inbox[i] != expected[i]]}"
        )
        by_id = {record["sourceId"]: record for record in records}
        for name, resource in self.live.items():
            for source_id, message, recipients in zip(
                resource.source_ids(), resource.messages(), resource.recipients(), strict=True
            ):
                record = by_id[source_id]
                assert record["message"] == (message if self.honour else without_id(message)), name
                assert record["caller"] == CALLER, name
                # The recipients output says where Gotham delivered it.
                assert record["recipients"] == recipients, name


@pytest.mark.parametrize("mode", MODES)
def test_each_live_resource_is_in_the_inbox_exactly_once_and_nothing_else_was_sent(
    gotham_emulator_factory: Any, mode: str
) -> None:
    emulator = gotham_emulator_factory(source_ids=mode)
    with httpx.HTTPTransport() as http:
        # A third of the profile's examples per mode: three modes then cost what one did, and
        # each mode still runs its whole step count (the ci profile: 50 runs of 40 steps).
        profile = settings.default
        assert profile is not None  # tests/conftest.py loads one
        per_mode = settings(max_examples=max(10, profile.max_examples // len(MODES)))
        run_state_machine_as_test(
            # hypothesis documents "anything which returns an instance" but annotates a class.
            lambda: DeploysAgainstTheEmulator(emulator, http),  # type: ignore[arg-type]
            settings=per_mode,
        )
