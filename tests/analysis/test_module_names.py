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


def test_one_package_below_two_roots_keeps_the_shallowest_for_code_outside_both(tmp_path: Path) -> None:
    """``polar.base`` below an SDK (``sdk/python``) and below its generator's template: the
    server, outside both, imports the SDK's (the shallower root), which blocks; the template's,
    which does not, is renamed by its root and never stands in for it
    (``module_collisions.separate_roots``)."""
    from fastapi_lint.api import lint_paths
    from fastapi_lint.config import Config

    files = {
        "server/polar/__init__.py": "",
        "server/polar/api.py": ("from fastapi import FastAPI\nfrom polar.base import fetch\n\napp = FastAPI()\n\n\n"
                                "@app.get('/')\nasync def root():\n    return fetch()\n"),
        "sdk/python/polar/__init__.py": "",
        "sdk/python/polar/base.py": "import requests\n\n\ndef fetch():\n    return requests.get('https://api.example.com', timeout=5)\n",
        "sdk/python/requirements.txt": "requests\n",
        "sdk/template/polar/__init__.py": "",
        "sdk/template/polar/base.py": "def fetch():\n    return {}\n",
        "sdk/template/requirements.txt": "",
        "sdk/template/test_base.py": "from polar.base import fetch\n",
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
    found = lint_paths([tmp_path], Config()).diagnostics
    assert [(d.code, Path(d.path).as_posix().endswith("server/polar/api.py")) for d in found] == [("FAS102", True)]
    assert "requests.get" in found[0].message


def test_a_link_again_takes_the_last_links_renamed_modules(tmp_path: Path) -> None:
    """An editor's session links the project after every edit: the modules ``separate_roots``
    renamed are the same objects as the last link's while their facts are, renamed afresh when
    they change, and equal to a fresh renaming either way."""
    from fastapi_lint.analysis import module_collisions
    from fastapi_lint.analysis.extract import summarize_file
    from fastapi_lint.analysis.facts import ModuleSummary
    from fastapi_lint.analysis.roots import module_aliases

    files = {"a/app/__init__.py": "", "a/app/core.py": "from app.util import f\n\n\ndef g():\n    return f()\n",
             "a/app/util.py": "def f():\n    return 1\n",
             "b/svc/app/__init__.py": "", "b/svc/app/core.py": "from app.util import f\n\n\ndef g():\n    return f()\n",
             "b/svc/app/util.py": "def f():\n    return 2\n"}
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")

    def summaries(core: str) -> list[ModuleSummary]:
        found = []
        for name in files:
            path = tmp_path / name
            data = core.encode() if name == "b/svc/app/core.py" else path.read_bytes()
            outcome = summarize_file(path, name, data=data)
            assert isinstance(outcome, ModuleSummary)
            found.append(outcome)
        return found

    first = summaries(files["b/svc/app/core.py"])
    aliases = module_aliases(first, {s.path: tmp_path / s.path for s in first}, ())
    renamed, _ = module_collisions.separate_roots(first, aliases)
    assert {s.module for s in renamed if s.path.startswith("b/")} == {"b.svc.app", "b.svc.app.core", "b.svc.app.util"}
    again, _ = module_collisions.separate_roots(first, aliases)
    assert all(one is other for one, other in zip(renamed, again))
    edited = [*first[:4], summaries("from app.util import f\n\n\ndef g():\n    return f() + 1\n")[4], first[5]]
    after, _ = module_collisions.separate_roots(edited, aliases)
    assert after[4] is not again[4] and after[3] is again[3]
    module_collisions._renamed_now.clear()
    module_collisions._renamed_before.clear()
    assert module_collisions.separate_roots(edited, aliases)[0] == after
