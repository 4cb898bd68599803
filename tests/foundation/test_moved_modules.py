"""Module paths the docs once showed still import after their module moved, and say where to."""

from __future__ import annotations

import importlib
import re

import pytest

MOVED = [
    ("gotham_inbox.identity", "derive_source_id", "gotham_inbox.source_ids"),
    ("gotham_inbox.policy.report", "JSON_REPORT_VERSION", "gotham_inbox.check.report"),
    ("gotham_inbox.emulator.directory", "Directory", "gotham_inbox.directory"),
]


@pytest.mark.parametrize(("old", "name", "new"), MOVED, ids=[old for old, _, _ in MOVED])
def test_a_former_module_path_still_imports_and_says_where_to_import_from(
    old: str, name: str, new: str
) -> None:
    former = importlib.import_module(old)
    moved = rf"{re.escape(old)} is deprecated: import {name} from {re.escape(new)}"
    with pytest.warns(DeprecationWarning, match=moved):
        value = getattr(former, name)
    assert value is getattr(importlib.import_module(new), name)
    assert name in dir(former)
    assert "annotations" not in dir(former), "only what the new module offers"


def test_a_name_the_new_module_lacks_is_an_attribute_error() -> None:
    former = importlib.import_module("gotham_inbox.identity")
    with pytest.raises(AttributeError):
        former.no_such_name  # noqa: B018
