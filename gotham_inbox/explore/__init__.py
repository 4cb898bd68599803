"""``gotham-inbox check --explore``: a stack's program checked over every config value it may get.

hypothesis chooses the values of the config keys ``Pulumi.yaml`` declares (narrowed by the JSON
Schemas of ``gotham-inbox-explore.yaml``) and of mocked resource outputs; one worker process runs
the program under Pulumi's mocks for each example; the pack's policies judge every run; a
failing config is shrunk and printed as the ``pulumi config`` commands that reproduce it.
See docs/explore.md. Needs the ``explore`` extra (hypothesis, hypothesis-jsonschema).
"""

from gotham_inbox.explore.search import Budget, Example, ExploreResult, Outcome, explore

__all__ = ["Budget", "Example", "ExploreResult", "Outcome", "explore"]
