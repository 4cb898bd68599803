"""``gotham-inbox migrate-state``: an old stack's export, rewritten to ``gotham_inbox.providers``.

The golden values (tests/provider/golden) are what stacks hold; the host-level proof that the
rewritten value serves Delete is in tests/provider/test_provider_golden.py, and the whole
export / migrate / import / destroy round trip under the real CLI in the user-project e2e.
"""

from __future__ import annotations

import base64
import contextlib
import copy
import io
import json
import os
import pickle
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gotham_inbox.cli import main
from gotham_inbox.distribution.state_migration import (
    SECRET_SIG,
    SECRET_SIG_KEY,
    StateMigrationError,
    migrate_export,
    pickled_globals,
)
from gotham_inbox.strategies._text import json_values
from tests.distribution_support import REPO

GOLDEN = json.loads((REPO / "tests/provider/golden/provider-references.json").read_text())
CURRENT, OLD = GOLDEN["current"], GOLDEN["top-level providers"]
MESSAGE_TYPE = "pulumi-python:dynamic/gotham:InboxMessage"
BATCH_TYPE = "pulumi-python:dynamic/gotham:InboxMessageBatch"
# Another project's own dynamic provider that happens to live in a `providers` package.
FOREIGN = base64.b64encode(
    b"\x80\x04\x95\x1e\x00\x00\x00\x00\x00\x00\x00\x8c\x12providers.provider\x94\x8c\x06Bucket"
    b"\x94\x93\x94)\x81\x94."
).decode()


def urn(type_: str, name: str) -> str:
    return f"urn:pulumi:dev::user-project::{type_}::{name}"


def resource(type_: str, name: str, provider: Any) -> dict[str, Any]:
    return {
        "urn": urn(type_, name),
        "type": type_,
        "inputs": {"message": {"title": {"value": name}}, "__provider": provider},
        "outputs": {"status": "sent", "__provider": provider},
    }


def plaintext_secret(value: str) -> dict[str, str]:
    return {SECRET_SIG_KEY: SECRET_SIG, "plaintext": json.dumps(value)}


def old_export() -> dict[str, Any]:
    stack = {"urn": "urn:pulumi:dev::user-project::pulumi:pulumi:Stack::user-project-dev"}
    return {
        "version": 3,
        "deployment": {
            "manifest": {"version": "v3.274.1"},
            "resources": [
                {**stack, "type": "pulumi:pulumi:Stack"},
                resource(MESSAGE_TYPE, "single", OLD["InboxMessageProvider"]),
                resource(BATCH_TYPE, "batch", OLD["InboxMessageBatchProvider"]),
                resource(MESSAGE_TYPE, "secret", plaintext_secret(OLD["InboxMessageProvider"])),
                resource("pulumi-python:dynamic:Resource", "theirs", FOREIGN),
                resource(MESSAGE_TYPE, "already-new", CURRENT["InboxMessageProvider"]),
            ],
            "pending_operations": [
                {
                    "resource": resource(MESSAGE_TYPE, "pending", OLD["InboxMessageProvider"]),
                    "type": "creating",
                }
            ],
        },
    }


class _RunsCodeWhenLoaded:
    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[Any, tuple[str]]:
        return (os.system, (f"touch {self.marker}",))


def test_pickles_are_read_from_their_opcodes_never_loaded(tmp_path: Path) -> None:
    assert pickled_globals(OLD["InboxMessageProvider"]) == [
        ("providers.provider", "InboxMessageProvider")
    ]
    assert pickled_globals(FOREIGN) == [("providers.provider", "Bucket")]
    # A state file whose __provider would run a command if it were loaded: only parsed.
    marker = tmp_path / "loaded"
    hostile = base64.b64encode(pickle.dumps(_RunsCodeWhenLoaded(marker), protocol=4)).decode()
    assert pickled_globals(hostile) == [(os.system.__module__, "system")]
    exported = old_export()
    exported["deployment"]["resources"].append(resource(MESSAGE_TYPE, "hostile", hostile))
    migrated = migrate_export(exported)
    assert migrated.document["deployment"]["resources"][-1]["outputs"]["__provider"] == hostile
    assert not marker.exists()
    assert pickled_globals("not base64 !") is None
    assert pickled_globals(base64.b64encode(b"not a pickle").decode()) is None


def test_every_old_gotham_inbox_value_becomes_the_current_one_and_nothing_else_changes() -> None:
    exported = old_export()
    before = copy.deepcopy(exported)
    migration = migrate_export(exported)
    assert exported == before  # the input is not modified

    resources = {
        r["urn"].rsplit("::", 1)[-1]: r for r in migration.document["deployment"]["resources"]
    }
    for name, class_name in (
        ("single", "InboxMessageProvider"),
        ("batch", "InboxMessageBatchProvider"),
    ):
        for part in ("inputs", "outputs"):
            assert resources[name][part]["__provider"] == CURRENT[class_name]
    for part in ("inputs", "outputs"):
        assert resources["secret"][part]["__provider"] == plaintext_secret(
            CURRENT["InboxMessageProvider"]
        )
        assert resources["theirs"][part]["__provider"] == FOREIGN
        assert resources["already-new"][part]["__provider"] == CURRENT["InboxMessageProvider"]
    (pending,) = migration.document["deployment"]["pending_operations"]
    assert pending["resource"]["outputs"]["__provider"] == CURRENT["InboxMessageProvider"]

    assert sorted(migration.rewritten) == sorted(
        f"{urn(type_, name)} {part}"
        for type_, name in (
            (MESSAGE_TYPE, "single"),
            (BATCH_TYPE, "batch"),
            (MESSAGE_TYPE, "secret"),
            (MESSAGE_TYPE, "pending"),
        )
        for part in ("inputs", "outputs")
    )

    # Everything but the rewritten values is as it was.
    def without_providers(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: without_providers(v) for k, v in value.items() if k != "__provider"}
        if isinstance(value, list):
            return [without_providers(item) for item in value]
        return value

    assert without_providers(migration.document) == without_providers(before)


def test_an_encrypted_inbox_provider_asks_for_show_secrets() -> None:
    exported = old_export()
    encrypted = {SECRET_SIG_KEY: SECRET_SIG, "ciphertext": "v1:abc"}
    exported["deployment"]["resources"].append(resource(MESSAGE_TYPE, "sealed", encrypted))
    with pytest.raises(
        StateMigrationError, match=r"sealed: its __provider is an encrypted secret.*--show-secrets"
    ):
        migrate_export(exported)


@pytest.mark.parametrize("document", [[], {"version": 3}, {"deployment": []}, "text"])
def test_a_document_that_is_not_an_export_is_refused(document: Any) -> None:
    with pytest.raises(StateMigrationError, match="is not a `pulumi stack export` document"):
        migrate_export(document, "state.json")


def test_the_command_writes_the_migrated_export_and_lists_what_it_rewrote(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source, target = tmp_path / "state.json", tmp_path / "migrated.json"
    source.write_text(json.dumps(old_export()))
    assert main(["migrate-state", str(source), "--output", str(target)]) == 0
    printed = capsys.readouterr()
    assert printed.out == ""
    assert "rewrote 8 __provider value(s)" in printed.err
    assert f"pulumi stack import --file {target}" in printed.err
    assert json.loads(target.read_text()) == migrate_export(old_export()).document
    assert json.loads(source.read_text()) == old_export()


def test_the_command_reads_standard_input_and_says_when_there_is_nothing_to_do(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    current = migrate_export(old_export()).document
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(json.dumps(current).encode())))
    assert main(["migrate-state", "-"]) == 0
    printed = capsys.readouterr()
    assert json.loads(printed.out) == current
    assert "nothing to migrate" in printed.err


@pytest.mark.parametrize(
    ("content", "says"),
    [
        ("{not json", "state.json is not valid JSON: Expecting property name"),
        ("[1, 2]", "is not a `pulumi stack export` document"),
        (None, "state.json does not exist"),
        # json.loads overflowed the stack on this before (RecursionError: a traceback, exit 1)
        ('{"deployment": ' + "[" * 100_000 + "]" * 100_000 + "}", "nests deeper than 256"),
        (b'{"deployment": {"x": "\xff"}}', "is not valid UTF-8 (byte 0xff at offset"),
        ('{"deployment": {"x": NaN}}', "is not valid JSON"),
    ],
)
def test_bad_input_exits_2_naming_the_file_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str | bytes | None, says: str
) -> None:
    source, target = tmp_path / "state.json", tmp_path / "migrated.json"
    if isinstance(content, bytes):
        source.write_bytes(content)
    elif content is not None:
        source.write_text(content)
    assert main(["migrate-state", str(source), "--output", str(target)]) == 2
    error = capsys.readouterr().err
    assert error.startswith("gotham-inbox migrate-state: ")
    assert says in error and "state.json" in error
    assert not target.exists()


def big_export(size: int) -> str:
    """An export of about ``size`` bytes: the old export plus a large unrelated output."""
    document = old_export()
    document["deployment"]["padding"] = "x" * size
    return json.dumps(document)


def test_an_export_larger_than_a_config_file_may_be_is_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from gotham_inbox.documents import DEFAULT_MAX_BYTES

    source, target = tmp_path / "state.json", tmp_path / "migrated.json"
    source.write_text(big_export(DEFAULT_MAX_BYTES + 1024 * 1024))  # real exports can be big
    assert main(["migrate-state", str(source), "--output", str(target)]) == 0
    assert "rewrote 8 __provider value(s)" in capsys.readouterr().err


def test_an_export_over_the_cap_is_refused_before_it_is_read_and_the_cap_can_be_raised(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    source, target = tmp_path / "state.json", tmp_path / "migrated.json"
    source.write_text(big_export(200_000))
    assert (
        main(["migrate-state", str(source), "--output", str(target), "--max-bytes", "100000"]) == 2
    )
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and "state.json is " in error and "--max-bytes" in error
    assert not target.exists()
    # Standard input is read only up to the cap, whatever its length.
    stdin = io.TextIOWrapper(io.BytesIO(big_export(200_000).encode()))
    monkeypatch.setattr("sys.stdin", stdin)
    assert main(["migrate-state", "-", "--max-bytes", "100000"]) == 2
    assert "standard input is over the 100000-byte limit" in capsys.readouterr().err
    assert stdin.buffer.tell() <= 100_001
    assert (
        main(["migrate-state", str(source), "--output", str(target), "--max-bytes", "1000000"]) == 0
    )
    with pytest.raises(SystemExit) as usage:
        main(["migrate-state", str(source), "--max-bytes", "nan"])
    assert usage.value.code == 2


LONGEST_ERROR = 400
"""Characters an error line may have, whatever the file holds (its values are quoted cut)."""


def run_migrate_state(exported: Any) -> tuple[int, str]:
    """``migrate-state`` on ``exported`` written to a file: the exit code and standard error."""
    with tempfile.TemporaryDirectory() as scratch:
        source = Path(scratch, "state.json")
        source.write_text(json.dumps(exported))
        err, out = io.StringIO(), io.StringIO()
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
            code = main(["migrate-state", str(source), "--output", str(Path(scratch, "out"))])
        return code, err.getvalue()


@pytest.mark.parametrize(
    ("deployment", "field", "kind"),
    [
        ({"resources": 5}, "deployment.resources", "is a number, not a list"),
        ({"resources": True}, "deployment.resources", "is a boolean, not a list"),
        ({"resources": "urn"}, "deployment.resources", "is a string, not a list"),
        ({"resources": {"a": 1}}, "deployment.resources", "is an object, not a list"),
        ({"resources": [{}, 3]}, "deployment.resources[1]", "is a number, not an object"),
        ({"pending_operations": 7}, "deployment.pending_operations", "is a number, not a list"),
        ({"pending_operations": [False]}, "deployment.pending_operations[0]", "is a boolean"),
        ({"pending_operations": [{}]}, "deployment.pending_operations[0].resource", "is null"),
        (
            {"pending_operations": [{"resource": []}]},
            "deployment.pending_operations[0].resource",
            "is a list, not an object",
        ),
        ({"resources": [{"urn": 1}]}, "deployment.resources[0].urn", "is a number, not a string"),
        ({"resources": [{"type": {}}]}, "deployment.resources[0].type", "is an object, not a"),
        ({"resources": [{"inputs": []}]}, "deployment.resources[0].inputs", "is a list, not an"),
        ({"resources": [{"outputs": 0.5}]}, "deployment.resources[0].outputs", "is a number"),
    ],
)
def test_a_misshapen_export_exits_2_naming_the_file_and_the_field(
    deployment: dict[str, Any], field: str, kind: str
) -> None:
    code, error = run_migrate_state({"version": 3, "deployment": deployment})
    assert code == 2, error
    assert error.count("\n") == 1 and error.startswith("gotham-inbox migrate-state: ")
    assert f"state.json: {field} {kind}" in error
    assert "pulumi stack export --file FILE" in error


def test_an_error_quotes_a_few_dozen_characters_of_a_huge_urn() -> None:
    exported = old_export()
    sealed = resource(MESSAGE_TYPE, "sealed", {SECRET_SIG_KEY: SECRET_SIG, "ciphertext": "v1:x"})
    sealed["urn"] = "urn:" + "u" * 2_000_000 + "::sealed"
    exported["deployment"]["resources"] = [sealed]
    code, error = run_migrate_state(exported)
    assert code == 2
    assert error.count("\n") == 1 and len(error) < LONGEST_ERROR
    assert "state.json: urn:uuuu" in error
    assert "uuuu…uuuu" in error and "uuuu::sealed: its __provider is an encrypted" in error


def test_a_huge_urn_rewritten_is_listed_cut() -> None:
    exported = old_export()
    exported["deployment"]["resources"][1]["urn"] = "urn:" + "u" * 2_000_000
    code, error = run_migrate_state(exported)
    assert code == 0
    assert max(len(line) for line in error.splitlines()) < LONGEST_ERROR


def test_a_provider_secret_whose_plaintext_is_no_json_string_is_left_as_it_is() -> None:
    exported = old_export()
    for plaintext in ("1" * 5000, "[" * 5000, "{not json"):
        value = {SECRET_SIG_KEY: SECRET_SIG, "plaintext": plaintext}
        exported["deployment"]["resources"].append(resource(MESSAGE_TYPE, "odd", value))
    code, error = run_migrate_state(exported)
    assert code == 0, error
    assert "rewrote 8 __provider value(s)" in error


def hostile_providers() -> st.SearchStrategy[Any]:
    """``__provider`` values: old and current pickles, other base64, secrets, anything."""
    return st.one_of(
        st.sampled_from(sorted([*OLD.values(), *CURRENT.values(), FOREIGN])),
        st.binary(max_size=64).map(lambda data: base64.b64encode(data).decode()),
        st.builds(
            lambda plain: {SECRET_SIG_KEY: SECRET_SIG, "plaintext": plain},
            st.one_of(
                st.sampled_from(sorted(OLD.values())).map(json.dumps), json_values().map(str)
            ),
        ),
        st.just({SECRET_SIG_KEY: SECRET_SIG, "ciphertext": "v1:abc"}),
        json_values(),
    )


def hostile_resources() -> st.SearchStrategy[Any]:
    """Resources as an export holds them, or anything else where one should be."""
    properties = st.one_of(
        st.dictionaries(st.just("__provider"), hostile_providers(), max_size=1), json_values()
    )
    shaped = st.fixed_dictionaries(
        {},
        optional={
            "urn": st.one_of(st.text(max_size=200), json_values()),
            "type": st.one_of(st.sampled_from([MESSAGE_TYPE, BATCH_TYPE]), json_values()),
            "inputs": properties,
            "outputs": properties,
        },
    )
    return st.one_of(shaped, json_values())


def hostile_exports() -> st.SearchStrategy[Any]:
    """Export-like documents, broken anywhere: the pass's "arbitrary JSON-ish state"."""
    listing = st.one_of(st.lists(hostile_resources(), max_size=4), json_values())
    operations = st.one_of(
        st.lists(
            st.one_of(st.fixed_dictionaries({}, optional={"resource": hostile_resources()})),
            max_size=3,
        ),
        json_values(),
    )
    deployment = st.fixed_dictionaries(
        {}, optional={"resources": listing, "pending_operations": operations}
    )
    return st.one_of(
        st.fixed_dictionaries({"deployment": st.one_of(deployment, json_values())}),
        json_values(),
    )


@given(hostile_exports())
def test_any_export_like_document_is_migrated_or_refused_in_one_bounded_line(
    exported: Any,
) -> None:
    code, error = run_migrate_state(exported)
    assert code in (0, 2), error
    if code == 2:
        assert error.count("\n") == 1 and error.startswith("gotham-inbox migrate-state: ")
        assert "state.json" in error
    assert max((len(line) for line in error.splitlines()), default=0) < LONGEST_ERROR
