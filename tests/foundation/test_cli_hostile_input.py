"""Every command under hostile input files: exit 2, one line naming the file, bounded (issue 16).

Each case failed before (a traceback with exit 1, or minutes and gigabytes). The work is bounded
by construction: the files are small or sparse, the loader's limits refuse them before any real
work. The cases that once hung run the real command in a subprocess whose generous timeout is
only a hang guard, never a performance assertion.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gotham_inbox.check.project import ProjectError, load_project
from gotham_inbox.cli import exit_codes, main
from gotham_inbox.directory import DirectoryError, load_directory
from gotham_inbox.policy.pack_config import load_pack_config
from gotham_inbox.policy.properties import PolicyConfigError

BILLION_LAUGHS = "\n".join(
    [
        'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
        *(
            f"{name}: &{name} [{', '.join([f'*{previous}'] * 9)}]"
            for previous, name in zip("abcdefgh", "bcdefghi", strict=True)
        ),
    ]
)
PROJECT_YAML = b"name: hostile\nruntime: python\n"
HANG_GUARD_SECONDS = 120


@pytest.fixture(autouse=True)
def _restore_logging() -> Iterator[None]:
    # The emulator command points the root logger at the (captured) stderr of the moment.
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def project(
    tmp_path: Path, *, pulumi_yaml: bytes = PROJECT_YAML, stack: bytes | None = None
) -> Path:
    root = tmp_path / "app"
    root.mkdir()
    (root / "Pulumi.yaml").write_bytes(pulumi_yaml)
    (root / "__main__.py").write_text("import pulumi\n")
    if stack is not None:
        (root / "Pulumi.dev.yaml").write_bytes(stack)
    return root


def one_line_error(capsys: pytest.CaptureFixture[str], names: str) -> str:
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, captured.err
    assert names in lines[0]
    assert "Traceback" not in captured.err
    return lines[0]


def deep(depth: int) -> bytes:
    return b"x: " + b"[" * depth + b"]" * depth + b"\n"


@pytest.mark.parametrize(
    ("where", "content", "says"),
    [
        ("Pulumi.yaml", b"name: caf\xe9\nruntime: python\n", "not valid UTF-8"),
        ("Pulumi.dev.yaml", b"config:\n  app:x: \xff\xfe\n", "not valid UTF-8"),
        ("Pulumi.dev.yaml", deep(200), "nest"),
        ("Pulumi.dev.yaml", deep(100_000), "nest"),
        ("Pulumi.dev.yaml", BILLION_LAUGHS.encode(), "expands to more than"),
        ("Pulumi.yaml", b"name: &n [*n]\nruntime: python\n", "cycle"),
        ("Pulumi.dev.yaml", b"config: {a: " + b"1" * 5000 + b"}\n", "cannot read"),
    ],
    ids=[
        "utf8-project",
        "utf8-stack",
        "deep-yaml",
        "very-deep-yaml",
        "alias-bomb",
        "cycle",
        "bigint",
    ],
)
def test_check_refuses_a_hostile_project_file_with_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], where: str, content: bytes, says: str
) -> None:
    root = (
        project(tmp_path, pulumi_yaml=content)
        if where == "Pulumi.yaml"
        else project(tmp_path, stack=content)
    )
    assert main(["check", str(root)]) == exit_codes.BAD_INPUT
    line = one_line_error(capsys, where)
    assert says in line and "lol" not in line


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (b'{"all": "advis\xc3\x28ory"}', "not valid UTF-8"),
        (b"[" * 100_000 + b"]" * 100_000, "nest"),
        (b'{"all": NaN}', "not valid JSON"),
    ],
    ids=["utf8", "deep-json", "nan"],
)
def test_check_refuses_a_hostile_policy_config_with_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes, says: str
) -> None:
    root = project(tmp_path)
    config = tmp_path / "policy-config.json"
    config.write_bytes(content)
    assert main(["check", str(root), "--policy-config", str(config)]) == exit_codes.BAD_INPUT
    assert says in one_line_error(capsys, "policy-config.json")


def test_check_refuses_dev_zero_as_the_policy_config(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = project(tmp_path)
    assert main(["check", str(root), "--policy-config", "/dev/zero"]) == exit_codes.BAD_INPUT
    assert "byte limit" in one_line_error(capsys, "/dev/zero")


def test_check_refuses_a_stack_file_linked_to_dev_zero(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = project(tmp_path)
    (root / "Pulumi.dev.yaml").symlink_to("/dev/zero")
    assert main(["check", str(root)]) == exit_codes.BAD_INPUT
    assert "byte limit" in one_line_error(capsys, "Pulumi.dev.yaml")


@pytest.mark.parametrize("value", ["nan", "inf", "-1", "0", "soon"])
def test_check_refuses_a_nonsense_timeout_with_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], value: str
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["check", str(project(tmp_path)), "--timeout", value])
    assert exited.value.code == exit_codes.BAD_INPUT
    assert "--timeout" in capsys.readouterr().err


@pytest.mark.parametrize("stack", ["../../etc/passwd", "org/project/dev", ".hidden", "a b", ""])
def test_check_refuses_a_stack_name_that_is_not_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], stack: str
) -> None:
    root = project(tmp_path)
    assert main(["check", str(root), "--stack", stack]) == exit_codes.BAD_INPUT
    assert "is not a stack name" in one_line_error(capsys, "--stack")


@pytest.mark.parametrize("port", ["99999", "65536", "-1", "http"])
def test_the_emulator_refuses_a_port_that_is_not_one(port: str) -> None:
    # 99999 used to be taken modulo 65536: the emulator listened on a port nobody asked for,
    # and served: hence the real command in a subprocess, whose timeout guards against a hang.
    result = run_cli("emulator", "--port", port)
    assert result.returncode == exit_codes.BAD_INPUT, result.stderr
    assert "--port" in result.stderr


@pytest.mark.parametrize("host", ["not..a..host", "no-such-host.invalid"])
def test_the_emulator_refuses_a_host_that_is_not_one(
    capsys: pytest.CaptureFixture[str], host: str
) -> None:
    assert main(["emulator", "--host", host, "--port", "0"]) == exit_codes.BAD_INPUT
    assert "is not a host name or address" in one_line_error(capsys, host)


def sparse(path: Path, size: int) -> Path:
    with path.open("wb") as file:  # 300 MB on paper, nothing on disk
        file.truncate(size)
    return path


@pytest.mark.parametrize(
    ("name", "content", "says"),
    [
        ("directory.yaml", b"markings: [\xff]\n", "not valid UTF-8"),
        ("directory.yaml", BILLION_LAUGHS.encode(), "expands to more than"),
        ("directory.json", b"[" * 100_000 + b"]" * 100_000, "nest"),
        ("directory.yaml", deep(100_000), "nest"),
    ],
    ids=["utf8", "alias-bomb", "deep-json", "deep-yaml"],
)
@pytest.mark.parametrize("command", ["policy-config", "emulator"])
def test_a_hostile_directory_file_is_refused_with_exit_2(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    command: str,
    name: str,
    content: bytes,
    says: str,
) -> None:
    directory = tmp_path / name
    directory.write_bytes(content)
    extra = ["--caller", "release-bot"] if command == "policy-config" else ["--port", "0"]
    assert main([command, "--directory", str(directory), *extra]) == exit_codes.BAD_INPUT
    line = one_line_error(capsys, name)
    assert says in line and "lol" not in line


@pytest.mark.parametrize("command", ["policy-config", "emulator"])
def test_a_300_mb_directory_is_refused_from_its_size(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str
) -> None:
    directory = sparse(tmp_path / "huge.yaml", 300 * 1024 * 1024)
    extra = ["--caller", "release-bot"] if command == "policy-config" else ["--port", "0"]
    assert main([command, "--directory", str(directory), *extra]) == exit_codes.BAD_INPUT
    assert "314572800 bytes, over the" in one_line_error(capsys, "huge.yaml")


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "gotham_inbox.cli", *args],
        capture_output=True,
        text=True,
        timeout=HANG_GUARD_SECONDS,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )


def test_the_alias_bomb_stack_file_that_killed_check_is_refused_by_the_real_command(
    tmp_path: Path,
) -> None:
    root = project(tmp_path, stack=BILLION_LAUGHS.encode())
    result = run_cli("check", str(root))
    assert result.returncode == exit_codes.BAD_INPUT, result.stderr
    assert result.stderr.count("\n") == 1 and "Pulumi.dev.yaml" in result.stderr


def test_dev_zero_as_the_directory_is_refused_by_the_real_command() -> None:
    result = run_cli("policy-config", "--directory", "/dev/zero", "--caller", "release-bot")
    assert result.returncode == exit_codes.BAD_INPUT, result.stderr
    assert result.stderr.count("\n") == 1 and "/dev/zero" in result.stderr


def test_an_unexpected_error_is_one_line_and_exit_70(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import gotham_inbox.cli.policy_config as policy_config

    def broken(*_args: object) -> object:
        raise RuntimeError("a bug with a long text that must not be shown")

    monkeypatch.setattr(policy_config, "policy_config_from_directory", broken)
    monkeypatch.delenv("GOTHAM_INBOX_TRACEBACK", raising=False)
    assert main(["policy-config", "--caller", "release-bot"]) == exit_codes.INTERNAL_ERROR
    line = one_line_error(capsys, "internal error (RuntimeError)")
    assert "must not be shown" not in line and "GOTHAM_INBOX_TRACEBACK=1" in line


def test_the_exit_code_table_has_one_meaning_per_code() -> None:
    codes = [code for code, _ in exit_codes.TABLE]
    assert len(codes) == len(set(codes))
    assert exit_codes.UNAVAILABLE not in {exit_codes.MANDATORY_VIOLATION, exit_codes.BAD_INPUT}
    docs = (Path(__file__).parents[2] / "docs" / "exit-codes.md").read_text(encoding="utf-8")
    for code, meaning in exit_codes.TABLE:
        assert f"| {code} | {meaning} |" in docs


FUZZ_PIECES = st.sampled_from(
    [
        "name: app\n",
        "runtime: python\n",
        "config:\n",
        "  gotham:realm: ",
        "markings: ",
        "groups:",
        "users:",
        "  - ",
        "{",
        "}",
        "[",
        "]",
        ": ",
        ", ",
        "&a ",
        "*a",
        "<<: *a",
        "!!str ",
        "\n",
        "x",
        "1",
        "null",
        "true",
        "'",
        '"',
        "\xff",
        "\x00",
        "\ud800",
        "é",
        "#",
        "---\n",
        "1" * 20,
    ]
)
FUZZ_SETTINGS = settings(
    max_examples=120,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def fuzz_bytes(pieces: list[str]) -> bytes:
    return "".join(pieces).encode("utf-8", "surrogatepass")


@FUZZ_SETTINGS
@given(st.lists(FUZZ_PIECES, max_size=40), st.lists(FUZZ_PIECES, max_size=40))
def test_fuzzed_project_and_stack_files_give_a_project_or_a_project_error(
    tmp_path_factory: pytest.TempPathFactory, project_pieces: list[str], stack_pieces: list[str]
) -> None:
    root = tmp_path_factory.mktemp("fuzz")
    (root / "Pulumi.yaml").write_bytes(fuzz_bytes(project_pieces))
    (root / "Pulumi.dev.yaml").write_bytes(fuzz_bytes(stack_pieces))
    (root / "__main__.py").write_text("")
    try:
        load_project(root)
    except ProjectError as error:
        assert "\n" not in str(error)


@FUZZ_SETTINGS
@given(st.lists(FUZZ_PIECES, max_size=60), st.sampled_from(["yaml", "json"]))
def test_fuzzed_directory_files_give_a_directory_or_a_directory_error(
    tmp_path_factory: pytest.TempPathFactory, pieces: list[str], suffix: str
) -> None:
    path = tmp_path_factory.mktemp("fuzz") / f"directory.{suffix}"
    path.write_bytes(fuzz_bytes(pieces))
    with contextlib.suppress(DirectoryError):
        load_directory(path)


@FUZZ_SETTINGS
@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=8),
        lambda inner: (
            st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=12), inner, max_size=3)
        ),
        max_leaves=12,
    )
    | st.binary(max_size=60).map(lambda raw: raw.decode("latin-1"))
)
def test_fuzzed_policy_configs_give_settings_or_a_policy_config_error(
    tmp_path_factory: pytest.TempPathFactory, document: Any
) -> None:
    path = tmp_path_factory.mktemp("fuzz") / "policy-config.json"
    path.write_text(document if isinstance(document, str) else json.dumps(document))
    with contextlib.suppress(PolicyConfigError):
        load_pack_config(path)
