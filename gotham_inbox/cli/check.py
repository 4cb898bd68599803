"""``gotham-inbox check``: the pack's policies on a stack's program, without the Pulumi CLI.

Exit status (the table of every command: :mod:`gotham_inbox.cli.exit_codes`): 0 when no
mandatory violation, 1 when there is one, 2 when the project, the program or the policy config
is broken (the reason is printed on standard error).
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path
from typing import Any

from gotham_inbox.check.collect import DEFAULT_TIMEOUT, ProgramError, collect_resources
from gotham_inbox.check.project import (
    ProjectError,
    load_policy_config_file,
    load_project,
    setting_problems,
)
from gotham_inbox.check.report import FORMATS, RENDERERS, CheckReport
from gotham_inbox.cli import exit_codes
from gotham_inbox.cli import explore as explore_cli
from gotham_inbox.policy.engine import evaluate
from gotham_inbox.policy.exceptions import apply_exceptions
from gotham_inbox.policy.resources import StackContext
from gotham_inbox.policy.settings import PolicyConfigError


def _seconds(text: str) -> float:
    """A finite number of seconds above 0 (``nan``, ``inf`` and ``-1`` are refused)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"{text!r}: must be a finite number of seconds above 0")
    return value


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "check",
        help="run the policy pack on a stack's program under mocks (no Pulumi CLI, no sends)",
        description="Run the stack's Pulumi program under Pulumi's mocks with the stack's "
        "config, collect its inbox resources and evaluate the gotham-inbox policies on them. "
        "Exit 0 when clean, 1 on a mandatory violation, 2 when the program or config is broken.",
    )
    parser.add_argument(
        "project_dir",
        nargs="?",
        default=".",
        type=Path,
        metavar="PROJECT_DIR",
        help="the Pulumi project (the directory of Pulumi.yaml); default: .",
    )
    parser.add_argument(
        "--stack",
        help="the stack whose Pulumi.<stack>.yaml config to use; default: the only stack file, "
        "else dev",
    )
    parser.add_argument(
        "--policy-config",
        type=Path,
        metavar="FILE",
        help="Pulumi policy-pack config (JSON); default: policy-config.<stack>.json, else "
        "policy-config.json, beside Pulumi.yaml, else the policies' defaults",
    )
    parser.add_argument("--format", choices=FORMATS, default="text", help="report format")
    parser.add_argument(
        "--timeout",
        type=_seconds,
        default=DEFAULT_TIMEOUT,
        help=f"seconds the program may run; default {DEFAULT_TIMEOUT:g}",
    )
    explore_cli.add_arguments(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if args.explore:
        return explore_cli.run(args)
    misused = explore_cli.misused_flags(args)
    if misused:
        print(f"gotham-inbox check: {', '.join(misused)} only go with --explore", file=sys.stderr)
        return exit_codes.BAD_INPUT
    try:
        project = load_project(args.project_dir, args.stack)
        problems = setting_problems(project)
        if problems:
            # The provider fails every check on them, so `pulumi preview` would stop too.
            raise ProjectError("; ".join(problems))
        config_path, config_file = load_policy_config_file(project, args.policy_config)
        collected = collect_resources(project, timeout=args.timeout)
    except (ProjectError, PolicyConfigError, ProgramError) as error:
        print(f"gotham-inbox check: {error}", file=sys.stderr)
        return exit_codes.BAD_INPUT
    context = StackContext(stack=project.stack, config=project.plain_config)
    violations = apply_exceptions(
        evaluate(collected.resources, config_file.settings, context), config_file.exceptions
    )
    report = CheckReport(
        project=project.project,
        stack=project.stack,
        directory=project.directory,
        program=project.program,
        policy_config=config_path,
        resources=collected.resources,
        resource_count=collected.resource_count,
        violations=violations,
    )
    sys.stdout.write(RENDERERS[args.format](report))
    return exit_codes.MANDATORY_VIOLATION if report.mandatory else exit_codes.OK
