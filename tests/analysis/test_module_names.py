"""A file's module name: the packages above it, and the namespace folders a package holds."""

from __future__ import annotations

from pathlib import Path

from fastapi_lint.analysis.extract.module_names import module_name


def _touch(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("", encoding="utf-8")
    return path


def test_namespace_folders_inside_a_package_are_part_of_the_name(tmp_path: Path) -> None:
    _touch(tmp_path / "core" / "__init__.py")
    _touch(tmp_path / "core" / "main" / "__init__.py")
    routes = _touch(tmp_path / "core" / "main" / "api" / "v3" / "users.py")
    assert module_name(routes) == ("core.main.api.v3.users", False)


def test_folders_with_no_package_above_are_not(tmp_path: Path) -> None:
    _touch(tmp_path / "app" / "__init__.py")
    assert module_name(_touch(tmp_path / "app" / "main.py")) == ("app.main", False)
    assert module_name(_touch(tmp_path / "scripts" / "tools" / "seed.py")) == ("seed", False)


def test_a_long_run_of_namespace_folders_ends_the_name(tmp_path: Path) -> None:
    _touch(tmp_path / "pkg" / "__init__.py")
    deep = _touch(tmp_path / "pkg" / "a" / "b" / "c" / "d" / "x.py")
    assert module_name(deep) == ("x", False)
    assert module_name(_touch(tmp_path / "pkg" / "a" / "b" / "c" / "y.py")) == ("pkg.a.b.c.y", False)


def test_a_folder_python_cannot_import_ends_the_name(tmp_path: Path) -> None:
    _touch(tmp_path / "pkg" / "__init__.py")
    assert module_name(_touch(tmp_path / "pkg" / "my-folder" / "x.py")) == ("x", False)
