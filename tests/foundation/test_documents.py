"""The one bounded YAML/JSON loader every command uses (issue 16).

Bounds are asserted by construction: a limit small enough that breaking it would make the test
read or build far more than it does (counted, not timed), and fuzzers with fixed seeds and
budgets that may only ever see a value or a DocumentError.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gotham_inbox.documents import (
    DEFAULT_MAX_DEPTH,
    DocumentError,
    load_document,
    parse_json,
    parse_yaml,
    read_bounded,
)

BILLION_LAUGHS = "\n".join(
    [
        'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
        *(
            f"{name}: &{name} [{', '.join([f'*{previous}'] * 9)}]"
            for previous, name in zip("abcdefgh", "bcdefghi", strict=True)
        ),
    ]
)


def write(tmp_path: Path, name: str, content: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(content)
    return path


def test_a_valid_document_loads_as_before(tmp_path: Path) -> None:
    path = write(tmp_path, "ok.yaml", b"\xef\xbb\xbfname: app\nlist: [1, 2]\nmap: {a: b}\n")
    assert load_document(path, "yaml") == {"name": "app", "list": [1, 2], "map": {"a": "b"}}
    shared = "base: &b {x: 1}\none: *b\ntwo: {<<: *b, y: 2}\n"
    assert parse_yaml(shared, "s.yaml") == {
        "base": {"x": 1},
        "one": {"x": 1},
        "two": {"x": 1, "y": 2},
    }
    assert load_document(write(tmp_path, "ok.json", b'{"a": [1]}'), "json") == {"a": [1]}
    assert load_document(write(tmp_path, "empty.yaml", b""), "yaml") is None


def test_the_billion_laughs_is_refused_from_the_node_graph() -> None:
    assert len(BILLION_LAUGHS) < 500
    with pytest.raises(DocumentError, match="expands to more than 1000 values") as caught:
        parse_yaml(BILLION_LAUGHS, "bomb.yaml", max_nodes=1000)
    assert "lol" not in str(caught.value)  # the expanded value is never repr'd
    with pytest.raises(DocumentError, match="expands to more than"):
        parse_yaml(BILLION_LAUGHS, "bomb.yaml")  # the default bound refuses it too


def test_a_recursive_alias_is_refused() -> None:
    with pytest.raises(DocumentError, match="cycle"):
        parse_yaml("a: &a [1, *a]\n", "cycle.yaml")


@pytest.mark.parametrize("kind", ["yaml", "json"])
@pytest.mark.parametrize("depth", [DEFAULT_MAX_DEPTH + 1, 900, 100_000])
def test_deep_nesting_is_refused_without_a_recursion_error(kind: str, depth: int) -> None:
    text = "[" * depth + "]" * depth
    with pytest.raises(DocumentError, match="nest"):
        (parse_json if kind == "json" else parse_yaml)(text, f"deep.{kind}")


def test_nesting_at_the_limit_is_fine() -> None:
    text = "[" * DEFAULT_MAX_DEPTH + "]" * DEFAULT_MAX_DEPTH
    assert parse_json(text, "x.json") is not None and parse_yaml(text, "x.yaml") is not None


def test_too_many_values_are_refused_in_json_too() -> None:
    with pytest.raises(DocumentError, match="more than 100 values"):
        parse_json(json.dumps(list(range(200))), "many.json", max_nodes=100)


def test_invalid_utf8_names_the_file_and_the_offset(tmp_path: Path) -> None:
    path = write(tmp_path, "Pulumi.yaml", b"name: caf\xe9\n")
    with pytest.raises(DocumentError) as caught:
        load_document(path, "yaml")
    assert str(caught.value) == (
        f"{path} is not valid UTF-8 (byte 0xe9 at offset 9); save it as UTF-8"
    )


def test_a_large_regular_file_is_refused_from_its_size_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "huge.yaml"
    with path.open("wb") as file:  # sparse: 300 MB on paper, nothing on disk
        file.truncate(300 * 1024 * 1024)
    with pytest.raises(DocumentError, match="314572800 bytes, over the"):
        read_bounded(path)


def test_an_endless_device_is_read_only_up_to_the_limit() -> None:
    with pytest.raises(DocumentError, match=r"over the 1024-byte limit .*device or a pipe"):
        read_bounded("/dev/zero", max_bytes=1024)


def test_a_fifo_that_never_ends_is_bounded_too(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    writer_pid = os.fork()
    if writer_pid == 0:  # the child writes far more than the limit, then exits
        try:
            with open(fifo, "wb") as out:
                out.write(b"a" * 64 * 1024)
        finally:
            os._exit(0)
    try:
        with pytest.raises(DocumentError, match="over the 4096-byte limit"):
            read_bounded(fifo, max_bytes=4096)
    finally:
        os.waitpid(writer_pid, 0)


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("x: " + "1" * 5000, "cannot read"),
        ("x: !!python/object:os.system {}", "not valid YAML"),
        ("x: [1, 2\n", "not valid YAML at line"),
        ("--- a\n--- b\n", "not valid YAML"),
        ("? [a]\n: b\n", "not valid YAML"),
        ("x: !!binary not-base64!", "not valid YAML"),
    ],
)
def test_hostile_yaml_is_a_one_line_document_error(text: str, says: str) -> None:
    with pytest.raises(DocumentError, match=says) as caught:
        parse_yaml(text, "bad.yaml")
    assert "\n" not in str(caught.value) and str(caught.value).startswith("bad.yaml ")


@pytest.mark.parametrize("text", ["NaN", '{"a": Infinity}', "1" * 5000, "[1,]", "\x00"])
def test_hostile_json_is_a_one_line_document_error(text: str) -> None:
    with pytest.raises(DocumentError) as caught:
        parse_json(text, "bad.json")
    assert "\n" not in str(caught.value)


YAML_PIECES = st.sampled_from(
    [
        "&a ",
        "*a",
        "&b ",
        "*b",
        "[",
        "]",
        "{",
        "}",
        ": ",
        "- ",
        "\n",
        "  ",
        "x",
        "1",
        ",",
        "<<: ",
        "!!str ",
        "? ",
        "'",
        '"',
        "#",
        "---\n",
        "|\n",
        "\t",
        "\x00",
        "\ud800",
        "é",
    ]
)


@settings(
    max_examples=150,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(st.lists(YAML_PIECES, max_size=60).map("".join))
def test_fuzzed_yaml_gives_a_value_or_a_document_error(text: str) -> None:
    try:
        value = parse_yaml(text, "fuzz.yaml", max_nodes=500)
    except DocumentError as error:
        assert "\n" not in str(error)
    else:
        json.dumps(value, default=str)  # a bounded, acyclic value: serialising it terminates


@settings(max_examples=150, derandomize=True, database=None, deadline=None)
@given(st.binary(max_size=200))
def test_fuzzed_bytes_give_a_value_or_a_document_error(
    tmp_path_factory: pytest.TempPathFactory, data: bytes
) -> None:
    path = tmp_path_factory.mktemp("fuzz") / "fuzz.yaml"
    path.write_bytes(data)
    for kind in ("yaml", "json"):
        try:
            load_document(path, kind, max_bytes=150, max_nodes=200)
        except DocumentError as error:
            assert str(error).startswith(str(path))


def test_the_shared_loader_agrees_with_pyyaml_on_ordinary_files() -> None:
    example = Path(__file__).parents[2] / "gotham_inbox" / "data" / "example-directory.yaml"
    assert load_document(example, "yaml") == yaml.safe_load(example.read_text(encoding="utf-8"))
