"""The curated public API: what each public package exports, documented, and nothing by accident.

Helper modules are private (``gotham_inbox._auth``, ``gotham_inbox.strategies._text``, ...), as
httpx and hypothesis keep theirs: a user imports from the packages below, and a name leaves a
package only when it is written here. A change to a list is a change to the public API.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PACKAGE = REPO / "gotham_inbox"

PUBLIC_API: dict[str, list[str]] = {
    "gotham_inbox": [
        "HOST_MEMORY",
        "NO_RETRIES",
        "ApiNotAvailableError",
        "BadRequestError",
        "ClientCredentialsAuth",
        "ConfigurationError",
        "Delivery",
        "GothamAPIError",
        "GothamInboxError",
        "GroupRecipient",
        "HostMemory",
        "InboxClient",
        "IncompleteAnswerError",
        "InsecureTransportError",
        "InvalidMessagesError",
        "MessageResult",
        "MessageSecurity",
        "MessageSender",
        "OutcomeUnknownError",
        "PalantirError",
        "PermissionDeniedError",
        "Problem",
        "RateLimitedError",
        "RequestNotSentError",
        "RetryPolicy",
        "SecureTextBody",
        "SecureTextTitle",
        "SendMessageFailure",
        "SendMessageRequest",
        "SendMessageResponse",
        "SendMessagesRequest",
        "SendMessagesResponse",
        "SourceIdPolicy",
        "TokenAuth",
        "TokenEndpointError",
        "UnauthorizedError",
    ],
    "gotham_inbox.providers": [
        "AnnouncementError",
        "InboxMessage",
        "InboxMessageBatch",
        "InboxMessageBatchProvider",
        "InboxMessageProvider",
        "InboxProviderError",
        "MessageInput",
        "ProviderSettings",
        "ReleaseAnnouncement",
        "release_source_id",
    ],
    "gotham_inbox.policy": [
        "INBOX_MESSAGE_BATCH_TYPE",
        "INBOX_MESSAGE_TYPE",
        "PACK_NAME",
        "POLICIES",
        "POLICIES_BY_NAME",
        "EnforcementLevel",
        "Finding",
        "InboxResource",
        "PackConfig",
        "PolicyConfigError",
        "PolicySpec",
        "ResolvedPolicy",
        "StackContext",
        "Violation",
        "evaluate",
        "inbox_resource",
        "load_pack_config",
        "resolve_pack_config",
    ],
    "gotham_inbox.emulator": [
        "Directory",
        "DirectoryError",
        "MessageStore",
        "create_app",
        "load_directory",
    ],
    "gotham_inbox.announce": [
        "EVENTS",
        "AnnounceRefused",
        "Announcement",
        "Announcer",
        "DeployIdentity",
        "DeploySummary",
        "IdentityError",
        "Routes",
        "RoutesError",
        "SummaryBuilder",
        "SummaryError",
    ],
    "gotham_inbox.explore": ["Budget", "Example", "ExploreResult", "Outcome", "explore"],
    "gotham_inbox.verdicts": [
        "InProcessEmulator",
        "PolicyChecker",
        "PolicyVerdict",
        "ServerVerdict",
        "side_by_side",
    ],
    "gotham_inbox.strategies": [
        "BREAKAGE_NAMES",
        "DIRECTORY_BREAKAGES",
        "DIRECTORY_BREAKAGE_NAMES",
        "EMPTY_BREAKAGE_NAMES",
        "FIELD_BREAKAGES",
        "JUNK",
        "LIMIT_LABELS",
        "LIMIT_NAMES",
        "UNREADABLE",
        "VALID",
        "BreakageKind",
        "DirectoryBreakage",
        "DirectoryData",
        "FieldBreakage",
        "Message",
        "batch_sizes_around",
        "batches",
        "batches_for",
        "bodies",
        "break_directory_rule",
        "break_field",
        "breakage_names",
        "caller_clearances",
        "caller_of",
        "clearance_of",
        "colliding_source_ids",
        "credential_samples",
        "directories",
        "directory_breakages_for",
        "directory_broken_messages_for",
        "directory_data",
        "directory_limits",
        "example_directory",
        "foreign_groups",
        "group_names",
        "group_recipients",
        "json_values",
        "kind_of",
        "labelled_batches_for",
        "labelled_messages_for",
        "limit_straddling_messages_for",
        "limits_of",
        "marking_and_ceiling",
        "marking_lists",
        "messages",
        "near_valid_messages",
        "over_clearance_markings",
        "portion_markings",
        "readable_names",
        "realm_names",
        "realms_of",
        "recipient_for",
        "recipient_groups",
        "recipient_realms",
        "securities",
        "senders",
        "source_id_pools",
        "source_ids",
        "texts",
        "texts_with_credentials",
        "titles",
        "unreadable_messages_for",
        "unreadable_pairs",
        "valid_messages_for",
        "valid_recipients_for",
        "within_limits",
    ],
}
"""Every public package and the names it exports, as written in its ``__all__``."""


def _module_path(dotted: str) -> Path:
    relative = Path(*dotted.split(".")[1:])
    package = PACKAGE / relative / "__init__.py"
    return package if package.exists() else (PACKAGE / relative).with_suffix(".py")


def _modules() -> list[str]:
    """Every module of the package (gotham_inbox/providers is a link, which rglob skips)."""
    names = []
    for path in [*PACKAGE.rglob("*.py"), *(PACKAGE / "providers").rglob("*.py")]:
        parts = ["gotham_inbox", *path.relative_to(PACKAGE).with_suffix("").parts]
        if parts[-1] == "__init__":
            parts.pop()
        names.append(".".join(parts))
    return sorted(names)


def _is_private(dotted: str) -> bool:
    return any(part.startswith("_") and part != "__main__" for part in dotted.split("."))


def _tree(dotted: str) -> ast.Module:
    return ast.parse(_module_path(dotted).read_text(encoding="utf-8"))


def _docstring(dotted: str, name: str) -> str | None:
    """The docstring of ``name`` where it is defined, following the imports that bring it.

    A class or function has its own; a constant or type alias has the string literal written
    under its assignment (what Sphinx and IDEs show). A dataclass's generated ``__doc__`` does
    not count: only what a person wrote.
    """
    tree = _tree(dotted)
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                if (alias.asname or alias.name) != name:
                    continue
                if node.module.split(".")[0] != "gotham_inbox":
                    found = getattr(importlib.import_module(node.module), alias.name)
                    return inspect.getdoc(found)
                return _docstring(node.module, alias.name)
    body = tree.body
    for index, node in enumerate(body):
        if isinstance(node, ast.ClassDef | ast.FunctionDef) and node.name == name:
            return ast.get_docstring(node)
        targets: list[ast.expr] = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, ast.AnnAssign):
            targets = [node.target]
        if any(isinstance(target, ast.Name) and target.id == name for target in targets):
            after = body[index + 1] if index + 1 < len(body) else None
            if (
                isinstance(after, ast.Expr)
                and isinstance(after.value, ast.Constant)
                and isinstance(after.value.value, str)
            ):
                return after.value.value
            return None
    return None


@pytest.mark.parametrize("package", sorted(PUBLIC_API))
def test_each_public_package_exports_exactly_its_written_names(package: str) -> None:
    module = importlib.import_module(package)
    assert sorted(module.__all__) == sorted(PUBLIC_API[package])
    assert len(set(module.__all__)) == len(module.__all__)


@pytest.mark.parametrize("package", sorted(PUBLIC_API))
def test_every_exported_name_resolves_and_is_documented(package: str) -> None:
    module = importlib.import_module(package)
    missing = [name for name in PUBLIC_API[package] if not hasattr(module, name)]
    assert missing == []
    undocumented = [name for name in PUBLIC_API[package] if not _docstring(package, name)]
    assert undocumented == []


def test_the_lazy_names_of_the_top_package_are_its_exports() -> None:
    """``gotham_inbox`` imports its names on first use (check's start-up needs no httpx):
    each one it lists comes from the module it names, and ``dir()`` shows them."""
    import gotham_inbox

    assert sorted(gotham_inbox._HOMES) == sorted(gotham_inbox.__all__)
    for name, home in gotham_inbox._HOMES.items():
        assert getattr(gotham_inbox, name) is getattr(importlib.import_module(home), name)
    assert set(gotham_inbox.__all__) <= set(dir(gotham_inbox))


def _declared_all(dotted: str) -> set[str]:
    """The names a module lists in ``__all__``, read from its source (importing every module
    would run ``__main__``s and need every extra)."""
    for node in _tree(dotted).body:
        if (
            isinstance(node, ast.Assign)
            and any(
                isinstance(target, ast.Name) and target.id == "__all__" for target in node.targets
            )
            and isinstance(node.value, ast.List | ast.Tuple)
        ):
            return {
                item.value
                for item in node.value.elts
                if isinstance(item, ast.Constant) and isinstance(item.value, str)
            }
    return set()


def _private_imports(dotted: str) -> list[tuple[str, str, str | None]]:
    """``(private module, name, as)`` of each module-level import from a private module."""
    found = []
    for node in _tree(dotted).body:
        if isinstance(node, ast.ImportFrom) and node.module and _is_private(node.module):
            found += [(node.module, alias.name, alias.asname) for alias in node.names]
    return found


@pytest.mark.parametrize("module", [name for name in _modules() if not _is_private(name)])
def test_no_public_module_re_exports_a_private_name_by_accident(module: str) -> None:
    """A public module may use a private module's names; it re-exports one (``__all__``,
    ``import x as x``, ``*``) only when its package's written list holds that name."""
    exported = set(PUBLIC_API.get(module, []))
    declared = _declared_all(module)
    accidental = [
        f"{source}.{name}"
        for source, name, alias in _private_imports(module)
        if (name == "*" or alias == name or (alias or name) in declared)
        and (alias or name) not in exported
    ]
    assert accidental == []


PRIVATE_PATH = re.compile(r"\bgotham_inbox(?:\.\w+)*\._[a-z]\w*")


def test_the_docs_name_no_private_import_path() -> None:
    """Readers copy import paths from the docs: only public ones may be there (a repository
    file path, for contributors, is no import path)."""
    pages = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
    named = {
        f"{page.name}: {match}"
        for page in pages
        for match in PRIVATE_PATH.findall(page.read_text(encoding="utf-8"))
    }
    assert sorted(named) == []
