"""Text, names, sourceIds and arbitrary JSON: the leaves every other strategy is built from.

Names shrink to short readable ones (``"0"``, ``"0-realm"``) and never come from a filter that
could reject most draws.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

# Text a JSON body can carry: no lone surrogates.
_TEXT_ALPHABET = st.characters(codec="utf-8", exclude_categories=["Cs"])


def texts(min_size: int = 1, max_size: int = 60) -> st.SearchStrategy[str]:
    """Arbitrary text that survives a JSON round trip."""
    return st.text(_TEXT_ALPHABET, min_size=min_size, max_size=max_size)


def readable_names(min_size: int = 1, max_size: int = 24) -> st.SearchStrategy[str]:
    """Names that shrink to something readable: letters, digits, dashes and spaces."""
    return (
        st.text("abcdefghijklmnopqrstuvwxyz0123456789- ", min_size=min_size, max_size=max_size)
        .map(str.strip)
        .filter(bool)
    )


def realm_names() -> st.SearchStrategy[str]:
    """Realm names."""
    return readable_names().map(lambda name: name.replace(" ", "-") + "-realm")


def group_names() -> st.SearchStrategy[str]:
    """Group names."""
    return readable_names()


def portion_markings() -> st.SearchStrategy[str]:
    """Marking names, e.g. ``UNCLASSIFIED``."""
    return st.sampled_from(["UNCLASSIFIED", "SENSITIVE", "SECRET"]) | readable_names().map(
        str.upper
    )


def source_ids() -> st.SearchStrategy[str]:
    """Canonical UUID text, as the API carries a sourceId."""
    return st.uuids().map(str)


def json_values(max_leaves: int = 10) -> st.SearchStrategy[Any]:
    """Arbitrary JSON values (no NaN or infinity: JSON has neither), for fuzzing."""
    return st.recursive(
        st.none()
        | st.booleans()
        | st.integers()
        | st.floats(allow_nan=False, allow_infinity=False)
        | texts(0, 20),
        lambda children: (
            st.lists(children, max_size=4) | st.dictionaries(texts(0, 12), children, max_size=4)
        ),
        max_leaves=max_leaves,
    )
