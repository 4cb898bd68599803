"""sourceIds that collide on purpose: small pools, and ids drawn from them in either case."""

from __future__ import annotations

from collections.abc import Sequence

from hypothesis import strategies as st

from gotham_inbox.strategies._text import source_ids


def source_id_pools(min_size: int = 1, max_size: int = 3) -> st.SearchStrategy[list[str]]:
    """A few distinct sourceIds; draw messages' ids from one so that some collide."""
    return st.lists(source_ids(), min_size=min_size, max_size=max_size, unique=True)


def colliding_source_ids(pool: Sequence[str]) -> st.SearchStrategy[str]:
    """A sourceId that is often one of ``pool`` (in any letter case: UUIDs ignore it), else new."""
    spelled = st.tuples(st.sampled_from(list(pool)), st.booleans()).map(
        lambda pair: pair[0].upper() if pair[1] else pair[0]
    )
    return spelled | source_ids()
