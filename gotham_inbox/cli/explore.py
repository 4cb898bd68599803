"""``gotham-inbox check --explore``: the flags, and the run from arguments to exit status.

Exit status as ``check``'s, applied to what was found: 0 when no explored example violates a
mandatory policy, 1 when one does (its shrunk config is printed), 2 when the project, the policy
config or the explore file is broken, the ``explore`` extra is missing, or the program fails for
an example (``check`` exits 2 for a program that fails, so the printed config reproduces it).
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from gotham_inbox.check.project import load_policy_config, load_project
from gotham_inbox.cli import exit_codes
from gotham_inbox.errors import UserError
from gotham_inbox.explore.counterexample_report import EXPLORE_RENDERERS, ExploreReport
from gotham_inbox.explore.domains import declared_keys
from gotham_inbox.explore.schema_file import (
    EXPLORE_FILE,
    default_explore_file,
    load_explore_schemas,
)
from gotham_inbox.explore.search import (
    CI_SEED,
    DEFAULT_MAX_EXAMPLES,
    DEFAULT_MAX_SECONDS,
    Budget,
    explore,
)

if TYPE_CHECKING:  # check imports this module
    from gotham_inbox.cli.check import CheckedStack

DATABASE_DIR = ".gotham-inbox"
"""The folder beside Pulumi.yaml that holds the hypothesis database (it ignores itself in git)."""


class FlagError(UserError):
    """An explore flag has a value that cannot be used."""


_EXPLORE_ONLY = ("explore_schema", "max_examples", "max_seconds", "seed", "explore_database")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """``check``'s explore flags."""
    group = parser.add_argument_group(
        "explore", "check the stack over every config value it may get (needs the explore extra)"
    )
    group.add_argument(
        "--explore",
        action="store_true",
        help="run the program under mocks many times, hypothesis choosing the values of the "
        "config keys Pulumi.yaml declares; print a minimal config a mandatory policy refuses",
    )
    group.add_argument(
        "--explore-schema",
        type=Path,
        metavar="FILE",
        help=f"JSON Schemas narrowing the keys' domains and describing outputs; default: "
        f"{EXPLORE_FILE} beside Pulumi.yaml, when it exists",
    )
    group.add_argument(
        "--max-examples",
        type=int,
        metavar="N",
        help=f"examples to generate (besides the current and default values); default "
        f"{DEFAULT_MAX_EXAMPLES}",
    )
    group.add_argument(
        "--max-seconds",
        type=float,
        metavar="S",
        help=f"seconds to explore, shrinking included; default {DEFAULT_MAX_SECONDS:g}",
    )
    group.add_argument(
        "--seed",
        type=int,
        metavar="N",
        help=f"the random seed; default {CI_SEED} under CI (CI set), else a new one (printed)",
    )
    group.add_argument(
        "--explore-database",
        type=Path,
        metavar="DIR",
        help=f"the hypothesis database (counterexamples found are tried first next time); "
        f"default {DATABASE_DIR}/explore/<stack> beside Pulumi.yaml",
    )


def _under_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def misused_flags(args: argparse.Namespace) -> list[str]:
    """The explore flags given without ``--explore``."""
    return [
        "--" + name.replace("_", "-")
        for name in _EXPLORE_ONLY
        if getattr(args, name, None) is not None
    ]


def _database(directory: Path, stack: str, chosen: Path | None) -> Path:
    """The example database's folder, made and tried for writing before anything runs.

    hypothesis writes the database as it goes (a counterexample is saved the moment it is
    found): a folder it cannot write (a read-only project, a ``.gotham-inbox`` that is a file)
    is refused here, in one line, and not halfway through the search.
    """
    folder = chosen if chosen is not None else directory / DATABASE_DIR / "explore" / stack
    try:
        if chosen is None:
            root = directory / DATABASE_DIR
            root.mkdir(exist_ok=True)
            ignore = root / ".gitignore"
            if not ignore.exists():
                # Like .pytest_cache: the folder keeps itself out of git in any project.
                ignore.write_text(
                    "# written by gotham-inbox check --explore\n*\n", encoding="utf-8"
                )
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as error:
        raise FlagError(
            f"cannot use {folder} as the example database: {_why_not_writable(folder, error)}; "
            "make it a writable folder, or give another with --explore-database DIR"
        ) from None
    return folder


def _why_not_writable(folder: Path, error: OSError) -> str:
    # mkdir's "File exists" hides the point: a file stands where a folder must be.
    for part in (*reversed(folder.parents), folder):
        if part.exists() and not part.is_dir():
            return f"{part} is a file, not a folder"
    return f"{error.filename or folder}: {error.strerror or type(error).__name__}"


def _budget(args: argparse.Namespace, database: Path, timeout: float) -> Budget:
    max_examples = DEFAULT_MAX_EXAMPLES if args.max_examples is None else args.max_examples
    max_seconds = DEFAULT_MAX_SECONDS if args.max_seconds is None else args.max_seconds
    if max_examples < 1:
        raise FlagError("--max-examples must be at least 1")
    if not max_seconds > 0:
        raise FlagError("--max-seconds must be more than 0")
    if args.seed is not None:
        seed = args.seed
    else:
        seed = CI_SEED if _under_ci() else random.SystemRandom().randrange(2**32)
    return Budget(max_examples, max_seconds, seed, database, timeout)


def run(args: argparse.Namespace, checked: CheckedStack) -> int:
    """Run ``check --explore`` with ``check``'s parsed arguments.

    Bad input is raised (a :class:`~gotham_inbox.errors.UserError`); ``checked`` learns the
    project as soon as it is loaded, for the failure document ``check`` writes then.
    """
    project = checked.project = load_project(args.project_dir, args.stack)
    config_path, policy = load_policy_config(project, args.policy_config)
    keys = declared_keys(project)
    schema_path = args.explore_schema or default_explore_file(project.directory)
    schemas = load_explore_schemas(schema_path, keys, project.project)
    budget = _budget(
        args, _database(project.directory, project.stack, args.explore_database), args.timeout
    )
    result = explore(project, keys, schemas, policy, budget)
    if result.baseline is None and result.counterexample is None:
        # Not even the stack's current config was judged: passing would pass the unjudged.
        raise FlagError(
            f"no example finished within --max-seconds {budget.max_seconds:g} (the program "
            f"{project.program} was not judged once); raise --max-seconds"
        )
    report = ExploreReport(project, config_path, result)
    sys.stdout.write(EXPLORE_RENDERERS[args.format](report))
    if result.counterexample is None:
        return exit_codes.OK
    if result.counterexample[1].run.error:
        return exit_codes.BAD_INPUT
    return exit_codes.MANDATORY_VIOLATION
