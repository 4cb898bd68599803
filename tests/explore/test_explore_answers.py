"""``check --explore`` answers through ``check``'s mocks: generated ids, invoke results and stack
outputs reach the program, and what no example sets stays unknown."""

from __future__ import annotations

from pathlib import Path

from gotham_inbox.check.project import load_project
from gotham_inbox.explore.worker import ProgramWorker
from gotham_inbox.unknowns import UNKNOWN_STRING
from tests.policies.check_support import write_check_project

PET = "random:index/randomPet:RandomPet"
CALLER = "aws:index/getCallerIdentity:getCallerIdentity"

BODY = f"""\
pet = Custom("{PET}", "pet", {{"length": 2}})
who = pulumi.runtime.invoke("{CALLER}", {{}}).value
network = pulumi.StackReference("acme/network/prod")
InboxMessage(
    "notice",
    message(
        pulumi.Output.all(pet.id, network.get_output("zone")).apply(
            lambda parts: f"{{parts[0]}} in {{parts[1]}} for {{who['accountId']}}"
        )
    ),
)
"""


def _title(run: object) -> object:
    (resource,) = run.resources  # type: ignore[attr-defined]
    return resource.inputs["message"]


def test_generated_ids_invoke_results_and_stack_outputs_reach_the_program(tmp_path: Path) -> None:
    project = load_project(write_check_project(tmp_path / "app", BODY))
    answers = {
        "resources": {PET: {"id": "brave-eagle"}},
        "calls": {CALLER: {"accountId": "123456789012"}},
        "stacks": {"acme/network/prod": {"zone": "eu-west"}},
    }
    with ProgramWorker(project, timeout=60) as worker:
        answered = worker.run(project.config, answers)
        unanswered = worker.run(project.config, None)
    assert answered.error is None and unanswered.error is None
    title = _title(answered)["title"]["value"]  # type: ignore[index]
    assert title == "brave-eagle in eu-west for 123456789012"
    # The next example without answers: nothing of the previous one is left, all unknown.
    assert _title(unanswered) == UNKNOWN_STRING


def test_the_explore_file_describes_stack_outputs_and_ids(tmp_path: Path) -> None:
    from hypothesis import find

    from gotham_inbox.explore.config_strategies import outputs_strategy
    from gotham_inbox.explore.schema_file import load_explore_schemas

    schema_file = tmp_path / "gotham-inbox-explore.yaml"
    schema_file.write_text(
        "outputs:\n"
        f"  {PET}:\n"
        "    id: {enum: [brave-eagle]}\n"
        "stacks:\n"
        "  acme/network/prod:\n"
        "    zone: {enum: [eu-west, us-east]}\n"
    )
    schemas = load_explore_schemas(schema_file, [], "app")
    assert schemas.stacks == {"acme/network/prod": {"zone": {"enum": ["eu-west", "us-east"]}}}
    drawn = find(outputs_strategy(schemas), lambda answers: True)
    assert drawn["resources"] == {PET: {"id": "brave-eagle"}}
    assert drawn["stacks"]["acme/network/prod"]["zone"] in ("eu-west", "us-east")
