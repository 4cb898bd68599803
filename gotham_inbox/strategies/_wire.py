"""Messages in their wire (camelCase JSON) form, from small pieces you can swap one by one."""

from __future__ import annotations

import uuid
from typing import Any

from hypothesis import strategies as st

from gotham_inbox.models import TEXT_FORMAT_STYLES
from gotham_inbox.strategies._text import (
    group_names,
    portion_markings,
    realm_names,
    source_ids,
    texts,
)

Message = dict[str, Any]
"""A message (or a part of one) in its wire form."""


def group_recipients(
    names: st.SearchStrategy[str] | None = None,
    realms: st.SearchStrategy[str | None] | None = None,
) -> st.SearchStrategy[Message]:
    """``{"name": ..., "realm": ...}``; the realm is left out when the strategy gives None."""
    realm_strategy = realms if realms is not None else st.none() | realm_names()

    def build(name: str, realm: str | None) -> Message:
        return {"name": name} if realm is None else {"name": name, "realm": realm}

    return st.builds(build, names if names is not None else group_names(), realm_strategy)


def senders() -> st.SearchStrategy[Message]:
    """``{"displayName": ...}``."""
    return st.builds(lambda name: {"displayName": name}, texts(max_size=40))


def titles() -> st.SearchStrategy[Message]:
    """``{"value": ...}`` titles."""
    return st.builds(lambda value: {"value": value}, texts(max_size=80))


def bodies() -> st.SearchStrategy[Message]:
    """``{"value": ..., "formatStyle": ...}`` bodies."""
    return st.builds(
        lambda value, style: {"value": value, "formatStyle": style},
        texts(min_size=0, max_size=200),
        st.sampled_from(TEXT_FORMAT_STYLES),
    )


def securities(
    markings: st.SearchStrategy[str] | None = None, min_size: int = 1, max_size: int = 3
) -> st.SearchStrategy[Message]:
    """``{"portionMarkings": [...]}`` with distinct markings."""
    return st.builds(
        lambda found: {"portionMarkings": found},
        st.lists(
            markings if markings is not None else portion_markings(),
            min_size=min_size,
            max_size=max_size,
            unique=True,
        ),
    )


def messages(
    *,
    recipients: st.SearchStrategy[Message] | None = None,
    markings: st.SearchStrategy[str] | None = None,
    max_recipients: int = 3,
    with_body: st.SearchStrategy[bool] | None = None,
    with_source_id: st.SearchStrategy[bool] | None = None,
    source_id_values: st.SearchStrategy[str] | None = None,
) -> st.SearchStrategy[Message]:
    """Messages that the models accept (at least one recipient and one marking).

    Whether the server accepts them depends on its directory: pass ``recipients`` and
    ``markings`` drawn from what exists to get messages it will take. ``source_id_values``
    replaces :func:`~gotham_inbox.strategies.source_ids` where a message gets a sourceId (e.g.
    a small pool, so ids collide).
    """

    @st.composite
    def build(draw: st.DrawFn) -> Message:
        message: Message = {
            "groupRecipients": draw(
                st.lists(
                    recipients if recipients is not None else group_recipients(),
                    min_size=1,
                    max_size=max_recipients,
                )
            ),
            "sender": draw(senders()),
            "title": draw(titles()),
            "security": draw(securities(markings)),
        }
        if draw(with_body if with_body is not None else st.booleans()):
            message["body"] = draw(bodies())
        if draw(with_source_id if with_source_id is not None else st.booleans()):
            message["sourceId"] = draw(
                source_id_values if source_id_values is not None else source_ids()
            )
        return message

    return build()


def batches(
    message_strategy: st.SearchStrategy[Message] | None = None,
    *,
    min_size: int = 1,
    max_size: int = 5,
) -> st.SearchStrategy[list[Message]]:
    """Lists of messages whose sourceIds (where present) are distinct."""
    return st.lists(
        message_strategy if message_strategy is not None else messages(),
        min_size=min_size,
        max_size=max_size,
        unique_by=lambda message: message.get("sourceId") or uuid.uuid4().hex,
    )
