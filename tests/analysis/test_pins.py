"""Reading a project's pinned library versions (analysis/pins.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from fastapi_lint.analysis.pins import Pins, Range, fingerprint, locked_versions, requirement_range, specifiers_range, version


def test_versions_order_as_releases_do() -> None:
    assert version("0.131.0") == version("0.131") < version("0.131.1") < version("0.132") < version("1")
    assert version("0.131.0rc1") < version("0.131.0") and version("0.99.9") < version("0.100")
    assert version("not a version") is None


@pytest.mark.parametrize(
    "written, below_131",
    [
        ("fastapi==0.115.2", True),
        ("fastapi[standard]==0.131.0", False),
        ("FastAPI >= 0.100 , < 1.0", True),  # a range: its lower bound
        ("fastapi~=0.131.1", False),
        ("fastapi<0.120", True),  # every allowed version is below
        ("fastapi<2", None),  # unknown
        ("fastapi", None),
        ("fastapi!=0.115.0", None),
        ("fastapi==0.115.*", True),
        ("fastapi @ git+https://github.com/fastapi/fastapi", None),
        ("fastapi>=0.135; python_version >= '3.10'", False),
    ],
)
def test_requirement_ranges(written: str, below_131: bool | None) -> None:
    parsed = requirement_range(written)
    assert parsed is not None and parsed[0] == "fastapi"
    limit = version("0.131.0")
    assert limit is not None and parsed[1].below(limit) is below_131


@pytest.mark.parametrize(
    "written, lower",
    [("^0.115.0", "0.115"), ("~0.115", "0.115"), ("0.115.3", "0.115.3"), (">=0.100 <1.0", "0.100"), ("*", None)],
)
def test_poetry_constraints(written: str, lower: str | None) -> None:
    found = specifiers_range(written)
    assert (found.exact or found.lower) == (version(lower) if lower else None)


def test_alternatives_keep_the_lowest_bound() -> None:
    either = specifiers_range("^0.110 || ^0.135")
    assert either == Range(lower=version("0.110"))


def test_locks_list_each_package_once_per_version() -> None:
    text = '[[package]]\nname = "FastAPI"\nversion = "0.115.3"\n\n[[package]]\nname = "fastapi"\nversion = "0.110.0"\n'
    text += '[[package]]\nname = "app"\nsource = { editable = "." }\n'
    assert locked_versions(text) == {"fastapi": [version("0.115.3"), version("0.110.0")]}


def _project(tmp_path: Path, files: dict[str, str]) -> Pins:
    (tmp_path / ".git").mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
    return Pins({"app/main.py": tmp_path / "app" / "main.py"})


def test_the_nearest_declarations_and_lock_decide(tmp_path: Path) -> None:
    pins = _project(
        tmp_path,
        {
            "app/main.py": "",
            "pyproject.toml": '[tool.ruff]\nline-length = 100\n',  # no dependencies: not a declaration
            "requirements.txt": "fastapi>=0.100\n",
        },
    )
    assert pins.below("fastapi", "app/main.py", "0.131.0")
    (tmp_path / "uv.lock").write_text('[[package]]\nname = "fastapi"\nversion = "0.135.0"\n', encoding="utf-8")
    assert not Pins({"app/main.py": tmp_path / "app" / "main.py"}).below("fastapi", "app/main.py", "0.131.0")


def test_includes_outside_the_repository_are_not_read(tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere.txt"
    outside.write_text("fastapi==0.90.0\n", encoding="utf-8")
    repo = tmp_path / "repo"
    pins = _project(repo, {"app/main.py": "", "requirements.txt": "-r ../elsewhere.txt\n-r base.txt\n", "base.txt": "fastapi\n"})
    assert pins.pin("fastapi", "app/main.py") is not None
    assert not pins.below("fastapi", "app/main.py", "0.131.0")
    assert [f.name for f in pins.files()] == ["base.txt", "requirements.txt"]


def test_unknown_modules_and_projects_without_pins_say_nothing(tmp_path: Path) -> None:
    pins = _project(tmp_path, {"app/main.py": ""})
    assert pins.pin("fastapi", "app/main.py") is None and not pins.below("fastapi", "app/main.py", "0.131.0")
    assert not Pins.none().below("fastapi", "app/main.py", "0.131.0")
    assert fingerprint(pins) == fingerprint(Pins.none())


@pytest.mark.parametrize(
    "files",
    [
        {"setup.py": 'from setuptools import setup\nsetup(name="api", install_requires=["fastapi==0.44.0", "uvicorn"])\n'},
        {"setup.py": 'import setuptools\nBASE = ["fastapi>=0.60"]\nsetuptools.setup(install_requires=BASE + ["orm"])\n'},
        {"setup.py": 'from setuptools import setup\nsetup(extras_require={"web": ["fastapi~=0.80.1"]})\n'},
        {"setup.cfg": "[metadata]\nname = api\n\n[options]\ninstall_requires =\n    # the web framework\n    fastapi==0.90.0\n    uvicorn\n"},
        {"Pipfile": '[packages]\nfastapi = "==0.88.0"\nuvicorn = "*"\n\n[dev-packages]\npytest = "*"\n'},
        {"Pipfile": '[packages]\nfastapi = "*"\n', "Pipfile.lock": '{"default": {"fastapi": {"version": "==0.85.1"}}, "develop": {}}'},
    ],
)
def test_the_older_declarations_pin_too(tmp_path: Path, files: dict[str, str]) -> None:
    pins = _project(tmp_path, {"app/main.py": "", **files})
    assert pins.below("fastapi", "app/main.py", "0.93.0")
    assert not pins.below("fastapi", "app/main.py", "0.44.0")
    assert {f.name for f in pins.files()} == set(files)


@pytest.mark.parametrize(
    "setup_py",
    [
        'setup(install_requires=open("requirements.txt").read().splitlines())\n',  # computed: unknown
        'REQUIRES = ["fastapi==0.44.0"]\nREQUIRES = []\nsetup(install_requires=REQUIRES)\n',  # bound twice: unknown
        "setup(install_requires=[\n",  # not Python
        'def setup(**kw): ...\nsetup(install_requires=["fastapi==0.44.0"]) if False else None\nimport os; os.system("touch pwned")\n',
    ],
)
def test_a_setup_py_is_read_never_run(tmp_path: Path, setup_py: str) -> None:
    pins = _project(tmp_path, {"app/main.py": "", "setup.py": setup_py})
    expected = "fastapi==0.44.0" in setup_py and "REQUIRES = []" not in setup_py
    assert pins.below("fastapi", "app/main.py", "0.93.0") is expected
    assert not (tmp_path / "pwned").exists()
