"""Parity corpus, stack 4: what a preview of a new stack does not know, and what it reads.

The ``network`` stack exports the group an operations team reads. The ``dev`` stack sends
three messages: one whose title waits for a resource's output (unknown at preview: the pack
skips the whole message, its wrong recipient too, both ways), one to the group another stack
exports (a ``StackReference``) and one to the group an invoke reads from that stack (the
engine's own ``pulumi:pulumi:readStackOutputs``). The engine reads both at preview; ``check``
answers them from ``gotham-inbox-mocks.yaml`` beside this program. Both send to a group of
another realm without naming it: a mandatory violation, both ways.
"""

from typing import Any

import pulumi
from pulumi.dynamic import CreateResult, Resource, ResourceProvider

from gotham_inbox.providers import InboxMessage

if pulumi.get_stack() == "network":
    pulumi.export("opsGroup", "partner-ops")
else:

    class TicketProvider(ResourceProvider):
        def create(self, props: dict[str, Any]) -> CreateResult:
            return CreateResult("ticket-1", {"number": "T-1"})

    class Ticket(Resource):
        number: pulumi.Output[str]

        def __init__(self, name: str) -> None:
            super().__init__(TicketProvider(), name, {"number": None})

    def message(title: Any, group: Any) -> dict[str, Any]:
        return {
            "groupRecipients": [{"name": group}],
            "sender": {"displayName": "Release Bot"},
            "title": {"value": title},
            "security": {"portionMarkings": ["UNCLASSIFIED"]},
        }

    network_name = f"organization/{pulumi.get_project()}/network"
    ticket = Ticket("ticket")
    InboxMessage(
        "after-the-ticket",
        message(ticket.number.apply(lambda number: f"ticket {number} opened"), "partner-ops"),
    )
    network = pulumi.StackReference(network_name)
    InboxMessage("to-the-stack-group", message("gateway ready", network.get_output("opsGroup")))
    read = pulumi.runtime.invoke("pulumi:pulumi:readStackOutputs", {"name": network_name})
    InboxMessage("to-the-read-group", message("gateway read", read.value["outputs"]["opsGroup"]))
