"""Edge values of the policies' config and inputs: where a sloppy rule goes wrong."""

from __future__ import annotations

from collections.abc import Sequence

from hypothesis import strategies as st

from gotham_inbox.strategies._directory_generation import ordered_subsets
from gotham_inbox.strategies._text import realm_names, texts


def caller_clearances(markings: Sequence[str]) -> st.SearchStrategy[list[str] | None]:
    """A ``callerClearance``: omitted (``None``: not checked), ``[]`` (cleared for nothing: the
    edge a sloppy rule mistakes for "not checked"), or a subset of ``markings``."""
    return st.one_of(st.none(), st.just([]), ordered_subsets(markings))


def recipient_realms() -> st.SearchStrategy[str | None]:
    """A recipient's realm as written: omitted (``None``), ``""`` (given, and empty: a realm no
    group lives in, not an omitted one), or a realm name."""
    return st.one_of(st.sampled_from([None, ""]), realm_names())


def marking_and_ceiling(allowed: Sequence[str]) -> st.SearchStrategy[tuple[str, str]]:
    """``(marking, ceiling)`` from ``allowed`` (lowest first), most often at the boundary: the
    marking equal to the ceiling, or one step above or below it."""
    if not allowed:
        raise ValueError("marking_and_ceiling needs at least one allowed marking")
    levels = list(allowed)

    @st.composite
    def build(draw: st.DrawFn) -> tuple[str, str]:
        ceiling = draw(st.integers(0, len(levels) - 1))
        step = draw(st.sampled_from([0, 1, -1]) | st.integers(-len(levels), len(levels)))
        marking = min(max(ceiling + step, 0), len(levels) - 1)
        return levels[marking], levels[ceiling]

    return build()


def batch_sizes_around(limit: int) -> st.SearchStrategy[int]:
    """Batch sizes at a ``maxBatchSize`` boundary: ``limit - 1``, ``limit``, ``limit + 1``
    (never below 1)."""
    return st.sampled_from(sorted({max(1, limit - 1), limit, limit + 1}))


def credential_samples(
    names: Sequence[str] | None = None,
) -> st.SearchStrategy[tuple[str, str]]:
    """``(pattern name, text)``: a text that matches one of the built-in secret patterns of
    ``inbox-content`` (all of them, or those named), generated from the pattern itself."""
    from gotham_inbox.policy.content import DEFAULT_SECRET_PATTERNS

    chosen = [
        (name, pattern)
        for name, pattern in DEFAULT_SECRET_PATTERNS
        if names is None or name in names
    ]
    if not chosen:
        raise ValueError(f"no built-in secret pattern named {list(names or [])}")
    return st.one_of(
        [
            st.tuples(st.just(name), st.from_regex(pattern, fullmatch=True))
            for name, pattern in chosen
        ]
    )


def texts_with_credentials() -> st.SearchStrategy[str]:
    """Texts that may hold a credential sample anywhere, or part of one, among other text."""
    piece = st.one_of(
        texts(min_size=0, max_size=20),
        credential_samples().map(lambda sample: sample[1]),
        credential_samples().map(lambda sample: sample[1][: len(sample[1]) // 2]),
    )
    return st.lists(piece, max_size=4).map("".join)
