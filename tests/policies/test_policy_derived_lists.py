"""Level names and report formats come from the enum and the renderer table, and match what
users see: Pulumi's own enforcement levels, the config schema, the ``--format`` choices."""

from __future__ import annotations

import argparse

import pulumi_policy

from gotham_inbox.check.report import FORMATS, RENDERERS
from gotham_inbox.cli.check import register
from gotham_inbox.explore.counterexample_report import EXPLORE_RENDERERS
from gotham_inbox.policy.directory_config import pack_config_schema
from gotham_inbox.policy.violation import LEVEL_NAMES


def test_level_names_are_pulumis_and_the_config_schema_offers_each() -> None:
    assert list(LEVEL_NAMES) == [level.value for level in pulumi_policy.EnforcementLevel]
    assert pack_config_schema()["properties"]["all"]["enum"] == list(LEVEL_NAMES)


def test_every_format_check_offers_has_a_renderer_with_and_without_explore() -> None:
    parser = argparse.ArgumentParser()
    register(parser.add_subparsers())
    (check,) = (
        action for action in parser._actions if isinstance(action, argparse._SubParsersAction)
    )
    (format_option,) = (
        action for action in check.choices["check"]._actions if "--format" in action.option_strings
    )
    assert tuple(format_option.choices or ()) == FORMATS == tuple(RENDERERS)
    assert set(EXPLORE_RENDERERS) == set(FORMATS)
