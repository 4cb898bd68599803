"""The one bounded loader for the YAML and JSON files every command reads.

``Pulumi.yaml``, ``Pulumi.<stack>.yaml``, the policy config and the emulator's directory file
all come through :func:`load_document`, which bounds the work a hostile or broken file can
cause, whatever it holds:

- size: a regular file over ``max_bytes`` is refused from its size alone, before any read; any
  other file (``/dev/zero``, a pipe) is read only up to ``max_bytes`` + 1;
- encoding: strict UTF-8 (a leading BOM is allowed);
- shape: at most ``max_nodes`` values *after alias expansion* (a 459-byte YAML "billion laughs"
  expands to a billion values: it is refused from the node graph, before anything is built),
  nested at most ``max_depth`` deep, and no recursive aliases. JSON gets the same bounds.

Every failure is a :class:`DocumentError` whose one-line text names the file and the reason;
no part of the document's value is ever repr'd into it.
"""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO, Literal

import yaml

from gotham_inbox.errors import UserError

DEFAULT_MAX_BYTES = 4 * 1024 * 1024
"""4 MiB: a directory of 10,000 groups is under 1 MiB."""
DEFAULT_MAX_NODES = 1_000_000
"""Values in the document once aliases are expanded."""
DEFAULT_MAX_DEPTH = 64
"""Nesting of lists and mappings; real files nest under 10 deep."""

Kind = Literal["yaml", "json"]

# libyaml parses about four times faster than the pure-Python parser, and has its own nesting
# limit; the pure-Python one is the fallback where PyYAML was built without it.
_BaseLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _PlainDataLoader(_BaseLoader):  # type: ignore[valid-type,misc]
    """Safe YAML whose values are plain data: a date (``when: 2024-01-01``) stays its text, as
    Pulumi keeps a config value's YAML text; other non-JSON values are refused after loading."""


_PlainDataLoader.add_constructor("tag:yaml.org,2002:timestamp", yaml.SafeLoader.construct_yaml_str)

_PLAIN_SCALARS = (str, int, float, bool, type(None))


class DocumentError(UserError, ValueError):
    """A file that cannot be used as a document; ``str()`` is one line: the file, then why."""

    def __init__(self, path: str | Path, reason: str) -> None:
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{path} {reason}")


def read_bounded(path: str | Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> str:
    """The file's text: at most ``max_bytes``, strict UTF-8.

    Raises:
        DocumentError: missing, unreadable, too large, or not UTF-8.
    """
    try:
        with open(path, "rb") as file:
            info = os.fstat(file.fileno())
            if stat.S_ISDIR(info.st_mode):
                raise DocumentError(path, "is a directory, not a file")
            if stat.S_ISREG(info.st_mode) and info.st_size > max_bytes:
                raise DocumentError(
                    path, f"is {info.st_size} bytes, over the {max_bytes}-byte limit for this file"
                )
            data = file.read(max_bytes + 1)
    except FileNotFoundError:
        raise DocumentError(path, "does not exist") from None
    except IsADirectoryError:
        raise DocumentError(path, "is a directory, not a file") from None
    except OSError as error:
        raise DocumentError(path, f"cannot be read: {error.strerror or error}") from None
    return _decoded(data, path, max_bytes)


def read_bounded_stream(
    stream: BinaryIO, source: str, *, max_bytes: int = DEFAULT_MAX_BYTES
) -> str:
    """Like :func:`read_bounded`, for an open binary stream (standard input) named ``source``."""
    try:
        data = stream.read(max_bytes + 1)
    except OSError as error:
        raise DocumentError(source, f"cannot be read: {error.strerror or error}") from None
    return _decoded(data, source, max_bytes)


def _decoded(data: bytes, source: str | Path, max_bytes: int) -> str:
    if len(data) > max_bytes:
        raise DocumentError(
            source, f"is over the {max_bytes}-byte limit for this file (is it a device or a pipe?)"
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise DocumentError(
            source,
            f"is not valid UTF-8 (byte 0x{data[error.start]:02x} at offset {error.start}); "
            "save it as UTF-8",
        ) from None
    return text.removeprefix("\ufeff")


def load_document(
    path: str | Path,
    kind: Kind,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_nodes: int = DEFAULT_MAX_NODES,
    max_depth: int = DEFAULT_MAX_DEPTH,
) -> Any:
    """The parsed document in ``path`` (``None`` for an empty YAML file), within the bounds.

    The defaults suit configuration files; a command whose input is legitimately larger
    passes its own bounds (``gotham-inbox migrate-state`` reads stack exports of up to
    256 MiB).

    Raises:
        DocumentError: one line naming the file and what is wrong.
    """
    text = read_bounded(path, max_bytes=max_bytes)
    if kind == "json":
        return parse_json(text, path, max_nodes=max_nodes, max_depth=max_depth)
    return parse_yaml(text, path, max_nodes=max_nodes, max_depth=max_depth)


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def parse_json(
    text: str,
    source: str | Path,
    *,
    max_nodes: int = DEFAULT_MAX_NODES,
    max_depth: int = DEFAULT_MAX_DEPTH,
) -> Any:
    """``text`` as strict JSON (no NaN/Infinity), within the node and depth bounds."""
    try:
        value = json.loads(text, parse_constant=_refuse_constant)
    except json.JSONDecodeError as error:
        raise DocumentError(
            source, f"is not valid JSON: {error.msg} at line {error.lineno}, column {error.colno}"
        ) from None
    except RecursionError:
        raise DocumentError(source, f"nests deeper than {max_depth} levels") from None
    except ValueError as error:  # NaN/Infinity, or an integer of more than 4300 digits
        raise DocumentError(source, f"is not valid JSON: {str(error)[:120]}") from None
    _check_value_shape(value, source, max_nodes=max_nodes, max_depth=max_depth)
    return value


def _check_value_shape(value: Any, source: str | Path, *, max_nodes: int, max_depth: int) -> None:
    # Iterative: a deep value must not overflow the stack of the check meant to refuse it.
    stack: list[tuple[Any, int]] = [(value, 1)]
    nodes = 0
    while stack:
        item, depth = stack.pop()
        nodes += 1
        if nodes > max_nodes:
            raise DocumentError(source, f"holds more than {max_nodes} values")
        if depth > max_depth:
            raise DocumentError(source, f"nests deeper than {max_depth} levels")
        if isinstance(item, dict):
            stack.extend((child, depth + 1) for child in item.values())
        elif isinstance(item, list):
            stack.extend((child, depth + 1) for child in item)


_NOT_PLAIN: dict[type, str] = {set: "a set (!!set)", bytes: "binary data (!!binary)"}


def _check_plain_data(value: Any, source: str | Path) -> None:
    """Refuse what JSON cannot hold (``!!set``, ``!!binary``), naming where it is (keys only:
    never the value). Every reader then gets JSON-shaped data, whatever tags the file uses."""
    stack: list[tuple[Any, str]] = [(value, "")]
    while stack:
        item, where = stack.pop()
        if isinstance(item, dict):
            for key, child in item.items():
                if not isinstance(key, _PLAIN_SCALARS):
                    raise DocumentError(
                        source, f"has a key at {where or 'the top'} that is not text or a number"
                    )
                stack.append((child, f"{where}.{key}" if where else str(key)))
        elif isinstance(item, list | tuple):
            stack.extend((child, f"{where}[{index}]") for index, child in enumerate(item))
        elif not isinstance(item, _PLAIN_SCALARS):
            what = _NOT_PLAIN.get(type(item), f"a {type(item).__name__}")
            raise DocumentError(
                source,
                f"holds {what} at {where or 'the top'}, which is not plain data (text, a "
                "number, true/false, a list or a mapping); write it as text or a list",
            )


def _children(node: yaml.Node) -> Iterator[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        yield from node.value
    elif isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            yield key
            yield value


def _check_node_shape(
    root: yaml.Node, source: str | Path, *, max_nodes: int, max_depth: int
) -> None:
    """Refuse a node graph whose alias-expanded tree is too big, too deep, or infinite.

    An alias is the anchored node itself, shared: sizes and depths are computed once per node
    (post-order, iteratively), so even a billion-value bomb costs one visit per node written.
    """
    size: dict[int, int] = {}
    depth: dict[int, int] = {}
    on_path: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        key = id(node)
        if children_done:
            on_path.discard(key)
            kids = list(_children(node))
            size[key] = 1 + sum(size[id(kid)] for kid in kids)
            depth[key] = 1 + max((depth[id(kid)] for kid in kids), default=0)
            if size[key] > max_nodes:
                raise DocumentError(
                    source,
                    f"expands to more than {max_nodes} values (YAML aliases repeat what they "
                    "refer to); refusing it",
                )
            if depth[key] > max_depth:
                raise DocumentError(source, f"nests deeper than {max_depth} levels")
            continue
        if key in size:
            continue
        if key in on_path:
            raise DocumentError(source, "has an alias inside the node it refers to (a cycle)")
        on_path.add(key)
        stack.append((node, True))
        stack.extend((kid, False) for kid in _children(node) if id(kid) not in size)


def _yaml_problem(error: yaml.YAMLError) -> str:
    mark = getattr(error, "problem_mark", None)
    where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
    problem = getattr(error, "problem", None) or type(error).__name__
    return f"is not valid YAML{where}: {' '.join(str(problem).split())[:160]}"


def parse_yaml(
    text: str,
    source: str | Path,
    *,
    max_nodes: int = DEFAULT_MAX_NODES,
    max_depth: int = DEFAULT_MAX_DEPTH,
) -> Any:
    """``text`` as YAML (safe tags only, one document), within the node and depth bounds."""
    try:
        loader = _PlainDataLoader(text)
    except UnicodeError:  # text that did not come from a file: a lone surrogate
        raise DocumentError(source, "holds text that is not valid Unicode") from None
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        _check_node_shape(node, source, max_nodes=max_nodes, max_depth=max_depth)
        value = loader.construct_document(node)
        _check_plain_data(value, source)
        return value
    except DocumentError:
        raise
    except yaml.YAMLError as error:
        raise DocumentError(source, _yaml_problem(error)) from None
    except RecursionError:
        raise DocumentError(source, f"nests deeper than {max_depth} levels") from None
    except (ValueError, TypeError, OverflowError) as error:  # e.g. an int of 5000 digits
        raise DocumentError(
            source, f"holds a value YAML cannot read ({type(error).__name__})"
        ) from None
    finally:
        loader.dispose()
