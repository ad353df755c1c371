"""The folders a module adds to ``sys.path``, as import roots (``extract/import_paths.py``)."""

from __future__ import annotations

import ast
import textwrap

import pytest

from fastapi_lint.analysis.extract.import_paths import sys_path_folders


def folders(source: str) -> tuple[str, ...]:
    source = textwrap.dedent(source)
    return sys_path_folders(ast.parse(source), source)


@pytest.mark.parametrize(
    ("statement", "expected"),
    [
        ("sys.path.insert(0, os.path.dirname(__file__))", "."),
        ("sys.path.insert(0, os.path.abspath(os.path.dirname(os.path.dirname(__file__))))", ".."),
        ("sys.path.append(os.path.join(os.path.dirname(__file__), '..', '..'))", "../.."),
        ("sys.path.append(os.path.join(os.path.dirname(__file__), 'vendor'))", "vendor"),
        ("sys.path.insert(0, str(Path(__file__).resolve().parent.parent))", ".."),
        ("sys.path.insert(0, str(Path(__file__).parents[2]))", "../.."),
        ("sys.path.append(str(Path(__file__).parent / 'lib'))", "lib"),
        ("site.addsitedir(os.path.dirname(os.path.realpath(__file__)))", "."),
    ],
)
def test_paths_built_from_the_file(statement: str, expected: str) -> None:
    assert folders(statement) == (expected,)


def test_a_module_level_name_carries_the_path() -> None:
    assert folders("""
        ROOT = Path(__file__).resolve().parents[1]
        sys.path.append(str(ROOT / "src"))
    """) == ("../src",)


def test_under_a_module_level_if_and_try() -> None:
    assert folders("""
        try:
            import server
        except ImportError:
            sys.path.insert(0, os.path.dirname(os.path.dirname(__file__)))
    """) == ("..",)


@pytest.mark.parametrize(
    "source",
    [
        "sys.path.append(os.getcwd())",
        "sys.path.append(os.environ['PLUGINS'])",
        "sys.path.append('/opt/lib')",
        "sys.path.append(__file__)",
        "sys.path.append(os.path.join(os.path.dirname(__file__), name))",
        # a name rebound to something else no longer holds the path
        "ROOT = os.path.dirname(__file__)\nROOT = os.getcwd()\nsys.path.append(ROOT)",
        # inside a function it runs only when called: not read
        "def setup():\n    sys.path.append(os.path.dirname(__file__))",
    ],
)
def test_paths_that_are_not_a_folder_of_the_project(source: str) -> None:
    assert folders(source) == ()
