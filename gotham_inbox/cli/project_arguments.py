"""The arguments every command that reads a Pulumi project shares: the project and the pack's
config, spelled and explained once (``check`` and ``announce``)."""

from __future__ import annotations

import argparse
from pathlib import Path


def add_project_dir(parser: argparse.ArgumentParser) -> None:
    """``PROJECT_DIR``: the directory of ``Pulumi.yaml``, default ``.``."""
    parser.add_argument(
        "project_dir",
        nargs="?",
        default=".",
        type=Path,
        metavar="PROJECT_DIR",
        help="the Pulumi project (the directory of Pulumi.yaml); default: .",
    )


def add_policy_config(parser: argparse.ArgumentParser) -> None:
    """``--policy-config FILE``, found as ``check`` finds it when not given."""
    parser.add_argument(
        "--policy-config",
        type=Path,
        metavar="FILE",
        help="Pulumi policy-pack config (JSON); default: policy-config.<stack>.json, else "
        "policy-config.json, beside Pulumi.yaml, else the policies' defaults",
    )
