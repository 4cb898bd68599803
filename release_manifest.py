"""The example stack's "other infrastructure": a release manifest file written on this machine.

It stands in for the cloud resources a real release consists of, and needs no credentials: a
Pulumi dynamic resource whose provider writes a JSON file (``create``/``update``) and removes it
(``delete``). The provider class lives here, not in ``__main__.py``, so Pulumi pickles it by
reference and the provider host can import it.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

import pulumi
import pulumi.dynamic


def _render(content: Any) -> str:
    return json.dumps(content, indent=2, sort_keys=True) + "\n"


def _write(path: str, content: Any) -> dict[str, Any]:
    text = _render(content)
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    # Write then rename, so a reader never sees half a manifest.
    scratch = target.with_name(f".{target.name}.tmp")
    scratch.write_text(text, encoding="utf-8")
    os.replace(scratch, target)
    return {"path": path, "content": content, "sha256": hashlib.sha256(text.encode()).hexdigest()}


class ReleaseManifestProvider(pulumi.dynamic.ResourceProvider):
    """Writes ``content`` as JSON to ``path`` (relative to the project directory)."""

    serialize_as_secret_always = False  # no state and no secrets: pickled by reference

    def create(self, props: dict[str, Any]) -> pulumi.dynamic.CreateResult:
        """Write the file."""
        return pulumi.dynamic.CreateResult(props["path"], _write(props["path"], props["content"]))

    def diff(
        self, _id: str, olds: dict[str, Any], news: dict[str, Any]
    ) -> pulumi.dynamic.DiffResult:
        """A new path replaces the file; new content rewrites it in place."""
        changed = [key for key in ("path", "content") if olds.get(key) != news.get(key)]
        return pulumi.dynamic.DiffResult(
            changes=bool(changed),
            replaces=["path"] if "path" in changed else [],
            delete_before_replace=False,
        )

    def update(
        self, _id: str, _olds: dict[str, Any], news: dict[str, Any]
    ) -> pulumi.dynamic.UpdateResult:
        """Rewrite the file with the new content."""
        return pulumi.dynamic.UpdateResult(_write(news["path"], news["content"]))

    def delete(self, _id: str, props: dict[str, Any]) -> None:
        """Remove the file (already gone is fine)."""
        Path(props["path"]).unlink(missing_ok=True)


class ReleaseManifest(pulumi.dynamic.Resource, module="local", name="ReleaseManifest"):
    """A JSON file describing a release. Type ``pulumi-python:dynamic/local:ReleaseManifest``.

    Outputs: ``path``, ``content`` and ``sha256`` (of the file as written).
    """

    path: pulumi.Output[str]
    content: pulumi.Output[dict[str, Any]]
    sha256: pulumi.Output[str]

    def __init__(
        self,
        resource_name: str,
        path: pulumi.Input[str],
        content: pulumi.Input[dict[str, Any]],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        """Declare the manifest file ``path`` with ``content`` (JSON-serialisable)."""
        super().__init__(
            ReleaseManifestProvider(),
            resource_name,
            {"path": path, "content": content, "sha256": None},
            opts,
        )
