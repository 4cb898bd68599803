"""``gotham-inbox check``: the pack's policies on a stack's program, without the Pulumi CLI.

Exit status (the table of every command: :mod:`gotham_inbox.cli.exit_codes`): 0 when no
mandatory violation, 1 when there is one, 2 when the project, the program or the policy config
is broken (the reason is printed on standard error).
"""

from __future__ import annotations

import argparse
import math
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gotham_inbox.check.collect import DEFAULT_TIMEOUT, ProgramError, collect_resources
from gotham_inbox.check.mock_answers import MOCKS_FILE, default_mocks_file, load_mock_answers
from gotham_inbox.check.project import (
    ProjectError,
    StackProject,
    load_policy_config_file,
    load_project,
    setting_problems,
)
from gotham_inbox.check.report import (
    FAILURE_RENDERERS,
    FORMATS,
    RENDERERS,
    CheckFailure,
    CheckReport,
)
from gotham_inbox.cli import exit_codes
from gotham_inbox.cli import explore as explore_cli
from gotham_inbox.cli.explore import FlagError
from gotham_inbox.cli.project_arguments import add_policy_config, add_project_dir
from gotham_inbox.errors import UserError
from gotham_inbox.policy.engine import evaluate
from gotham_inbox.policy.exceptions import apply_exceptions
from gotham_inbox.policy.inbox_resource import StackContext


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
    add_project_dir(parser)
    parser.add_argument(
        "--stack",
        help="the stack whose Pulumi.<stack>.yaml config to use; default: the only stack file, "
        "else dev",
    )
    add_policy_config(parser)
    parser.add_argument("--format", choices=FORMATS, default="text", help="report format")
    parser.add_argument(
        "--timeout",
        type=_seconds,
        default=DEFAULT_TIMEOUT,
        help=f"seconds the program may run; default {DEFAULT_TIMEOUT:g}",
    )
    parser.add_argument(
        "--mocks",
        type=Path,
        metavar="FILE",
        help="values the mocks answer with (outputs and ids of resources, invoke results, "
        f"stack reference outputs); default: {MOCKS_FILE} beside Pulumi.yaml, when it exists; "
        "anything not declared is unknown, as in a preview",
    )
    parser.add_argument(
        "--traceback",
        action="store_true",
        help="when the program fails, show the whole traceback (the SDK's and gotham-inbox's "
        "frames too), not only the program's own",
    )
    explore_cli.add_arguments(parser)
    parser.set_defaults(run=run)


def write_failure_document(args: argparse.Namespace, failure: CheckFailure) -> None:
    """JSON and SARIF get their document whatever stopped the check (text says it on stderr)."""
    render = FAILURE_RENDERERS.get(args.format)
    if render is not None:
        sys.stdout.write(render(failure))


@dataclass
class CheckedStack:
    """What a failure document can say of the stack under check: its project, once loaded."""

    project: StackProject | None = None

    def failure(self, error: UserError) -> CheckFailure:
        """The document's account of ``error``: at the program's own line when it failed there."""
        project = self.project
        if project is None:
            return CheckFailure(str(error), exit_code=error.exit_code)
        path: Path | None = None
        line: int | None = None
        if isinstance(error, ProgramError):
            location = error.location
            path = project.directory / location.path if location else project.program
            line = location.line if location else None
        return CheckFailure(
            str(error), project.project, project.stack, path, line, exit_code=error.exit_code
        )


def run(args: argparse.Namespace) -> int:
    checked = CheckedStack()
    try:
        return _run(args, checked)
    except UserError as error:
        # The reason goes on to the command line's one handler (stderr, its exit code); the
        # document goes to stdout first, so a CI upload step finds one on every exit 2.
        write_failure_document(args, checked.failure(error))
        raise
    except Exception as error:
        # A bug: the document says the run failed, and the error goes on to the one handler,
        # which reports it as 70.
        write_failure_document(
            args,
            CheckFailure(
                f"internal error ({type(error).__name__}); this is a bug in gotham-inbox",
                exit_code=exit_codes.INTERNAL_ERROR,
            ),
        )
        raise


def _run(args: argparse.Namespace, checked: CheckedStack) -> int:
    if args.explore:
        if args.mocks is not None:
            raise FlagError(
                "--mocks does not go with --explore; describe the outputs, calls and stacks to "
                "explore in the explore file"
            )
        args.command = "check --explore"  # from here on, main's messages name the mode
        return explore_cli.run(args, checked)
    misused = explore_cli.misused_flags(args)
    if misused:
        raise FlagError(f"{', '.join(misused)} only go with --explore")
    project = checked.project = load_project(args.project_dir, args.stack)
    problems = setting_problems(project)
    if problems:
        # The provider fails every check on them, so `pulumi preview` would stop too.
        raise ProjectError("; ".join(problems))
    config_path, config_file = load_policy_config_file(project, args.policy_config)
    answers = load_mock_answers(args.mocks or default_mocks_file(project.directory))
    collected = collect_resources(
        project, timeout=args.timeout, answers=answers, full_traceback=args.traceback
    )
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
