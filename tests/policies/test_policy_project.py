"""How ``check`` finds the program, the stack and the config of a project on disk."""

from __future__ import annotations

from pathlib import Path

import pytest

from gotham_inbox.check.project import ProjectError, default_policy_config, load_project


def project(root: Path, pulumi_yaml: str, files: dict[str, str] | None = None) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "Pulumi.yaml").write_text(pulumi_yaml)
    for name, text in (files or {"__main__.py": ""}).items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


def test_config_is_namespaced_stringified_and_stack_overrides_project(tmp_path: Path) -> None:
    root = project(
        tmp_path,
        "name: app\nruntime: python\nconfig:\n"
        "  gotham:realm:\n    default: project-realm\n"
        "  retries:\n    type: integer\n    default: 3\n"
        "  declared-only:\n    type: string\n",
        {
            "__main__.py": "",
            "Pulumi.dev.yaml": "config:\n  gotham:realm: stack-realm\n  app:teams: [a, b]\n"
            "  verbose: true\n  gotham:token:\n    secure: v1:opaque\n",
        },
    )
    loaded = load_project(root)
    assert loaded.stack == "dev"
    assert loaded.config == {
        "gotham:realm": "stack-realm",
        "app:retries": "3",
        "app:teams": '["a","b"]',
        "app:verbose": "true",
        "gotham:token": "v1:opaque",
    }
    assert loaded.secret_keys == {"gotham:token"}
    assert "gotham:token" not in loaded.plain_config


def test_main_option_names_the_program(tmp_path: Path) -> None:
    root = project(
        tmp_path,
        "name: app\nruntime:\n  name: python\nmain: src/\n",
        {"src/__main__.py": "print('hi')\n"},
    )
    assert load_project(root).program == (root / "src" / "__main__.py").resolve()
    (root / "Pulumi.yaml").write_text("name: app\nruntime: python\nmain: missing.py\n")
    with pytest.raises(ProjectError, match="no Python program at"):
        load_project(root)


def test_stack_defaults(tmp_path: Path) -> None:
    lone = project(
        tmp_path / "lone",
        "name: app\nruntime: python\n",
        {"__main__.py": "", "Pulumi.prod.yaml": "config: {}\n"},
    )
    assert load_project(lone).stack == "prod"
    bare = project(tmp_path / "bare", "name: app\nruntime: python\n")
    assert (load_project(bare).stack, load_project(bare).stack_file) == ("dev", None)
    assert load_project(bare, "ci").stack == "ci"
    both = project(
        tmp_path / "both",
        "name: app\nruntime: python\n",
        {"__main__.py": "", "Pulumi.prod.yaml": "", "Pulumi.dev.yaml": ""},
    )
    assert load_project(both).stack == "dev"


def test_broken_stack_file_is_a_project_error(tmp_path: Path) -> None:
    root = project(
        tmp_path,
        "name: app\nruntime: python\n",
        {"__main__.py": "", "Pulumi.dev.yaml": "config: [not, a, mapping]\n"},
    )
    with pytest.raises(ProjectError, match="'config' must be a mapping"):
        load_project(root)
    (root / "Pulumi.dev.yaml").write_text("config: {a: [\n")
    with pytest.raises(ProjectError, match="is not valid YAML"):
        load_project(root)


def test_policy_config_lookup_prefers_the_stacks_file(tmp_path: Path) -> None:
    root = project(tmp_path, "name: app\nruntime: python\n")
    assert default_policy_config(load_project(root)) is None
    (root / "policy-config.json").write_text("{}")
    assert default_policy_config(load_project(root)) == root.resolve() / "policy-config.json"
    (root / "policy-config.dev.json").write_text("{}")
    assert default_policy_config(load_project(root)) == root.resolve() / "policy-config.dev.json"
