"""Syntax newer than the running Python is read as the newest Python reads it (issue 16, item 4).

The proofs, each able to fail: the trees ``analysis/extract/downgrade`` gives are the ones a newer
Python gives (compared for real: in this process for what this Python reads itself, rewritten as
an older one would; under a newer interpreter when the machine has one); a module in new syntax
gives the findings of the same module written in old syntax, line for line; what cannot be
rewritten is one FAS900 naming the construct and the Python that reads it, and the run's summary
says once which files and which Python; texts too deep for libcst never reach it.
"""

from __future__ import annotations

import ast
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from fastapi_lint.analysis.extract import summarize_file
from fastapi_lint.analysis.extract.downgrade import NewerSyntax, read_newer
from fastapi_lint.analysis.extract.downgrade.nesting import MAX_BRACKETS, MAX_CHAIN, nesting
from fastapi_lint.analysis.project_python import lowest_python, requires_python, unreadable_note
from fastapi_lint.api import lint_paths
from fastapi_lint.diagnostics import Diagnostic, Severity, Span
from tests.ast_dump import POSITIONS, dump
from tests.fixture_harness import FIXTURES, ROOT, Fixture
from tests.helpers import _plain_environment, invoke  # noqa: F401 (_plain_environment: an autouse fixture)

RUNNING = sys.version_info[:2]
NEWER_FIXTURE = FIXTURES / "FAS101" / "newer_syntax.py"
OLD_TWIN = ROOT / "tests" / "data" / "newer_syntax" / "newer_syntax.py"


def same_tree(source: str, tree: ast.AST | NewerSyntax | None) -> object:
    assert isinstance(tree, ast.Module), f"not read: {tree!r}"
    return json.loads(json.dumps(dump(tree)))


# -- the trees ---------------------------------------------------------------------------------------

# Each holds a construct Python 3.11 rejects (3.12's PEP 695 and PEP 701), and f-strings of every
# shape: under 3.11 every f-string of such a file is rewritten, and must come back as 3.12 gives it.
NEWER_312 = {
    "generic function": "def f[T: int, U: (str, bytes), *Ts, **P](x: T, *a: P.args) -> T:\n    return x\n",
    "generic class and method": "class C[T](Base, metaclass=M):\n    def m[U](self, u: U) -> T: ...\n",
    "type aliases": "type Pair[T] = tuple[T, T]\ntype Simple = int | None\nif x:\n    type Inner = list[Simple]\n",
    "async generic": "async def g[T](x: T) -> T:\n    return await h(x)\n",
    "type params over lines": "def f[\n    T: int,\n    U,\n](x: T, y: U) -> None:\n    pass\n",
    "nested quotes": 'def f[T](): pass\nx = f"{d["k"]} {d[\'j\']} {d["""k"""]}"\n',
    "nested f-strings": 'def f[T](): pass\nx = f"{f"{f"{y}"}"}"\n',
    "specs and conversions": 'def f[T](): pass\nx = f"{a!r:>{width}.{prec}} {b=} {c = !s:^10} {{lit}} {d:%Y-%m-%d}"\n',
    "backslash in a field": 'def f[T](): pass\nx = f"{"\\n".join(lines)}\\t{y}"\n',
    "a field over lines with a comment": 'def f[T](): pass\nx = f"""{\n    a  # the first\n    + b\n} and {c}"""\n',
    "text that is not ASCII": 'def f[T](): pass\nx = f"— é {a} 日本 {b!r} ✓"\ny = f"{"—".join(z)} → {w}"\n',
    "escapes in literal text": (
        'def f[T](): pass\nx = f"""\\\n  a="{b}"\n  c="{d}\\""""\n'
        "y = f'\\N{EM DASH} {a} \\x41\\101 é \\u00e9 {{b}}\\\\'\n"
    ),
    "tuple fields": 'def f[T](): pass\nx = f"{a, b}" f"{a, b,}"\n',
    "concatenations": 'def f[T](): pass\nx = ("plain " f"{a}" "\\t" rf"\\d{b}" """tri""" f\'{c}\')\n',
    "f-string in a call in an f-string": 'def f[T](): pass\nx = f"{g(f"{h["k"]}", key="v")!r}"\n',
    "lambda and walrus in fields": 'def f[T](): pass\nx = f"{(lambda: 1)()} {(y := 2)} {await_ if b else c}"\n',
    "a generic route": (
        "import time\nfrom fastapi import FastAPI\napp = FastAPI()\n\n@app.get('/')\n"
        "async def route[T: str](name: T) -> str:\n    time.sleep(1)\n    return f\"{name!r:>{len(name)}}\"\n"
    ),
}
NEWER_313 = {
    "type parameter defaults": "def f[T = int, *Ts = *tuple[int], **P = [int]]() -> None: ...\nclass C[T: int = bool]: ...\n",
}

# What this Python reads itself, rewritten as an older one would (``read_newer``'s ``version``).
MATCH = """\
match command.split():
    case [action]:
        pass
    case [action, obj] | (action, obj, _):
        pass
    case Point(x=0, y=0) | Point(1, 2):
        pass
    case {"k": v, 1: w, **rest}:
        pass
    case [1, 2, *others] if others and (n := len(others)):
        pass
    case str() as s:
        pass
    case None | True | -1 | 1 + 2j | "s" | b"b":
        pass
    case Color.RED | mod.Color.BLUE:
        pass
    case (inner as y) as z:
        pass
    case _:
        pass
match a, *b:
    case first, *_:
        pass
match (x):
    case (y):
        return y
match {"a": 1}:
    case {}:
        pass
"""
EXCEPT_STAR = """\
try:
    pass
except* OSError as group:
    pass
except *(ValueError, TypeError):
    pass
def f(*args: *Ts) -> tuple[*Ts]:
    return tuple[int, *Ts, str]
"""


@pytest.mark.skipif(RUNNING < (3, 10), reason="compares with this Python's own `match`")
def test_match_reads_as_this_python_reads_it() -> None:
    assert same_tree(MATCH, read_newer(MATCH, (3, 9))) == same_tree(MATCH, ast.parse(MATCH))


@pytest.mark.skipif(RUNNING < (3, 11), reason="compares with this Python's own `except*` and starred annotations")
def test_except_star_and_starred_types_read_as_this_python_reads_them() -> None:
    assert same_tree(EXCEPT_STAR, read_newer(EXCEPT_STAR, (3, 10))) == same_tree(EXCEPT_STAR, ast.parse(EXCEPT_STAR))


@pytest.mark.skipif(RUNNING < (3, 12), reason="compares with this Python's own generics and f-strings")
@pytest.mark.parametrize("name", sorted(NEWER_312))
def test_312_syntax_reads_as_this_python_reads_it(name: str) -> None:
    source = NEWER_312[name]
    assert same_tree(source, read_newer(source, (3, 11))) == same_tree(source, ast.parse(source))


def _newer_pythons() -> list[tuple[tuple[int, int], str]]:
    """Interpreters on this machine newer than the running one (on PATH, or installed by pyenv)."""
    candidates = [shutil.which(f"python3.{minor}") for minor in range(RUNNING[1] + 1, 20)]
    pyenv = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    candidates += [str(found) for found in sorted(pyenv.glob("3.*/bin/python3"))] if pyenv.is_dir() else []
    found: dict[tuple[int, int], str] = {}
    for candidate in filter(None, candidates):
        try:
            done = subprocess.run([candidate, "-c", "import sys; print(*sys.version_info[:2])"],
                                  capture_output=True, text=True, timeout=30, check=True)
        except (OSError, subprocess.SubprocessError):
            continue
        major, minor = map(int, done.stdout.split())
        if (major, minor) > RUNNING:
            found.setdefault((major, minor), candidate)
    return sorted(found.items())


NEWER_PYTHONS = _newer_pythons()


# Nodes this Python gives no position (``alias`` before 3.10): their positions are not compared.
_UNPLACED = {name for name, kind in vars(ast).items()
             if isinstance(kind, type) and issubclass(kind, ast.AST) and not getattr(kind, "_attributes", ())}


def _native_tree(python: str, source: str) -> object:
    done = subprocess.run([python, str(ROOT / "tests" / "ast_dump.py")], input=source, capture_output=True,
                          text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    return _placed_as_here(json.loads(done.stdout))


def _placed_as_here(tree: object) -> object:
    if isinstance(tree, list):
        return [_placed_as_here(item) for item in tree]
    if not isinstance(tree, dict):
        return tree
    unplaced = tree.get("node") in _UNPLACED
    return {key: _placed_as_here(value) for key, value in tree.items() if not (unplaced and key in POSITIONS)}


@pytest.mark.skipif(not NEWER_PYTHONS, reason="no Python newer than this one on the machine")
@pytest.mark.parametrize("name", sorted({**NEWER_312, **NEWER_313}))
def test_trees_are_a_newer_pythons(name: str) -> None:
    """Read here, the tree a newer interpreter of this machine gives, node for node, position
    for position (the newest it has; 3.13 syntax only from 3.13)."""
    version, python = NEWER_PYTHONS[-1]
    source = {**NEWER_312, **NEWER_313}[name]
    if name in NEWER_313 and version < (3, 13):
        pytest.skip(f"Python {version} does not read it")
    if RUNNING >= (3, 13) or (RUNNING >= (3, 12) and name in NEWER_312):
        pytest.skip("this Python reads it itself")
    assert same_tree(source, read_newer(source)) == _native_tree(python, source)


def _renamed(tree: object, names: dict[str, str], dropped: str) -> object:
    if isinstance(tree, list):
        return [_renamed(item, names, dropped) for item in tree]
    if not isinstance(tree, dict):
        return tree
    return {key: names.get(value, value) if key == "node" else _renamed(value, names, dropped)
            for key, value in tree.items() if key != dropped}


@pytest.mark.skipif(RUNNING >= (3, 14), reason="this Python reads them itself")
def test_except_without_parentheses_reads_as_314_gives_it() -> None:
    """No 3.14 here to compare with: the tree is that of ``except(A, B):`` (the names where they
    are), with the tuple spanning the names alone, as 3.14 places it."""
    source = "try:\n    pass\nexcept ValueError, TypeError:\n    pass\n"
    expected = ast.parse(source.replace("except ValueError", "except(ValueError").replace("TypeError:", "TypeError):"))
    handler = expected.body[0].handlers[0]  # type: ignore[attr-defined]
    handler.type.col_offset, handler.type.end_col_offset = 7, 28
    assert same_tree(source, read_newer(source)) == same_tree(source, expected)


@pytest.mark.skipif(RUNNING >= (3, 14), reason="this Python reads them itself")
def test_a_t_string_reads_as_the_f_string_it_would_be_with_template_nodes() -> None:
    """A t-string's tree is its f-string's (checked against a newer Python above), with
    ``TemplateStr`` and ``Interpolation`` (which also keeps its expression's text)."""
    template = 'x = t"{a!r:>{w}} and {b.c + 1=}"\n'
    formatted = read_newer(template.replace('t"', 'f"'), (3, 11))
    read = read_newer(template)
    assert isinstance(read, ast.Module)
    # a format spec is a JoinedStr of FormattedValues in 3.14's t-strings too: ``w`` is not one
    assert [node.str for node in ast.walk(read) if type(node).__name__ == "Interpolation"] == ["a", "b.c + 1"]
    names = {"TemplateStr": "JoinedStr", "Interpolation": "FormattedValue"}
    assert _renamed(same_tree(template, read), names, "str") == same_tree(template, formatted)


# -- the findings --------------------------------------------------------------------------------------


def _findings(path: Path) -> list[tuple[str, int, str]]:
    # the fixture's configuration, for both; the twin lives among the tests, which the default
    # scope leaves out
    config = Fixture("FAS101", NEWER_FIXTURE).config().with_overrides(scope="all")
    found = lint_paths([path], config).diagnostics
    return [(d.code, d.span.line, d.message) for d in found]


def test_newer_syntax_gives_the_findings_of_the_same_module_in_old_syntax(monkeypatch: pytest.MonkeyPatch) -> None:
    """fixtures/FAS101/newer_syntax.py (match, except*, PEP 695, PEP 701, PEP 758, t-strings, with
    blocking calls inside them) and its twin in 3.9 syntax, line for line."""
    monkeypatch.chdir(ROOT)
    newer, older = _findings(NEWER_FIXTURE), _findings(OLD_TWIN)
    assert [code for code, _, _ in newer] == ["FAS101", "FAS101", "FAS102", "FAS101", "FAS101", "FAS101"], newer
    assert newer == older


def test_a_blocking_call_inside_a_nested_f_string_is_found() -> None:
    source = (
        "import requests\nfrom fastapi import FastAPI\napp = FastAPI()\n\n@app.get('/')\n"
        "async def route(name: str) -> str:\n"
        "    return f\"{requests.get(f\"https://{name}\", timeout=5).text}\"\n"
    )
    summary = summarize_file(Path("route.py"), "route.py", data=source.encode())
    assert not isinstance(summary, Diagnostic), summary.message
    calls = [(call.text, call.span.line) for function in summary.functions for call in function.calls]
    assert ("requests.get", 7) in calls, calls


# -- what cannot be read ---------------------------------------------------------------------------------

UNSUPPORTED = "def f():\n    try:\n        pass\n    except ValueError, TypeError:pass\n"


@pytest.mark.skipif(RUNNING >= (3, 14), reason="this Python reads it")
def test_what_cannot_be_rewritten_is_one_fas900_naming_the_construct_and_the_python() -> None:
    outcome = summarize_file(Path("m.py"), "m.py", data=UNSUPPORTED.encode())
    assert isinstance(outcome, Diagnostic) and outcome.code == "FAS900"
    assert outcome.message.startswith("uses syntax of Python 3.14 (`except A, B:` without parentheses)"), outcome.message
    assert "run it with Python >= 3.14" in outcome.message and "Traceback" not in outcome.message
    assert outcome.span.line == 4  # where this Python's parser stopped


@pytest.mark.skipif(RUNNING >= (3, 14), reason="this Python reads it")
def test_the_summary_says_once_which_files_and_which_python(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".git").mkdir()
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "p"\nrequires-python = ">=3.14"\n')
    (tmp_path / "a.py").write_text(UNSUPPORTED)
    (tmp_path / "b.py").write_text(UNSUPPORTED.replace("f()", "g()"))
    (tmp_path / "c.py").write_text("type Read = int\n")  # read: not named
    (tmp_path / "d.py").write_text("x = (\n")  # the file's own error: not named
    result = invoke(".", "--no-cache")
    lines = result.stderr.splitlines()
    notes = [line for line in lines if "not read" in line]
    assert notes == [f"2 files not read: syntax Python {RUNNING[0]}.{RUNNING[1]} cannot parse (a.py, b.py); "
                     "run fastapi-lint with Python >= 3.14 to check them"], result.stderr
    assert result.stdout.count("the project requires Python >=3.14: `requires-python` in pyproject.toml") == 2
    assert "language_version: python3.14" in result.stdout
    own_error = result.stdout[result.stdout.index("FAS900 syntax error: ") :].split("\n")[0]
    assert "requires" not in own_error, own_error  # libcst, with 3.14's grammar, rejects it too


def test_the_note_names_a_few_files_and_counts_the_rest() -> None:
    found = [Diagnostic(code="FAS900", name="parse-error", severity=Severity.ERROR, span=Span(1, 0, 1, 0),
                        message=f"uses syntax of Python 3.{12 + n % 3} (`type` statements) ...", path=f"m{n}.py")
             for n in range(7)]
    note = unreadable_note(found)
    assert note is not None and "(m0.py, m1.py, m2.py, m3.py, m4.py and 2 more)" in note, note
    assert note.endswith("run fastapi-lint with Python >= 3.14 to check them"), note
    assert unreadable_note([]) is None


def test_requires_python() -> None:
    assert lowest_python(">=3.12") == (3, 12)
    assert lowest_python("~=3.13.1") == (3, 13)
    assert lowest_python(">=3.10,<4") == (3, 10)
    assert lowest_python("==3.14.*") == (3, 14)
    assert lowest_python("<3.14") is None


def test_requires_python_stops_at_the_repository(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nrequires-python = ">=3.14"\n')
    repository = tmp_path / "repo"
    (repository / ".git").mkdir(parents=True)
    (repository / "pkg").mkdir()
    assert requires_python(repository / "pkg") is None
    (repository / "pyproject.toml").write_text('[project]\nname = "x"\nrequires-python = ">=3.13"\n')
    assert requires_python(repository / "pkg") == (">=3.13", repository / "pyproject.toml")


# -- what libcst is never handed ----------------------------------------------------------------------------


def test_nesting_reads_tokens_not_text() -> None:
    assert nesting('x = "(((((" + y  # [[[[[\n').brackets == 0
    assert nesting('x = f"{a[b]:{c}}"\n').brackets == 2
    assert nesting('x = f"{{((("\n').brackets == 0
    assert nesting("x = " + "(" * (MAX_BRACKETS + 1) + ")" * (MAX_BRACKETS + 1)).too_deep()
    assert nesting("x = " + "not " * (MAX_CHAIN + 1) + "a\n").too_deep()
    assert not nesting("x = [" + "A.b, " * 10 * MAX_CHAIN + "]\n").too_deep()  # long, and flat


@pytest.mark.parametrize("tail", ["(" * 5000 + "1" + ")" * 5000, "a" + ".b" * 5000, "f" + "(" * 3000 + ")" * 3000])
def test_newer_syntax_too_deep_for_libcst_is_a_syntax_error_not_a_crash(tail: str) -> None:
    """libcst's parser dies of a stack overflow (no exception: the process ends) on such texts;
    they are not handed to it. Run in a child process, so that a crash fails only this test."""
    code = (
        "import sys\nfrom pathlib import Path\nfrom fastapi_lint.analysis.extract import summarize_file\n"
        f"source = 'type X = int\\nx = ' + {tail!r} + '\\n'\n"
        "found = summarize_file(Path('deep.py'), 'deep.py', data=source.encode())\n"
        "print(getattr(found, 'code', 'read'), getattr(found, 'message', ''))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    if RUNNING < (3, 12):
        assert done.stdout.startswith("FAS900 syntax error"), done.stdout


def test_read_newer_gives_the_same_at_any_depth_of_the_callers_stack() -> None:
    """libcst and the rewrite run on a thread of their own: how deep the caller is cannot change
    what is read (the cache keys on the text and the Python alone)."""
    source = NEWER_312["a generic route"] + "x = " + "f(" * 150 + ")" * 150 + "\n"  # 150 calls deep
    shallow = read_newer(source, (3, 11))

    def deep(levels: int) -> ast.Module | NewerSyntax | None:
        return deep(levels - 1) if levels else read_newer(source, (3, 11))

    deeper = deep(sys.getrecursionlimit() - 100)
    assert isinstance(shallow, ast.Module) and isinstance(deeper, ast.Module)
    assert ast.dump(shallow, include_attributes=True) == ast.dump(deeper, include_attributes=True)


def test_files_that_parse_never_load_libcst() -> None:
    """The rewrite costs nothing where ``ast.parse`` succeeds: libcst is not even imported."""
    code = (
        "import sys\nfrom pathlib import Path\nfrom fastapi_lint.api import lint_paths\n"
        "from fastapi_lint.config import Config\n"
        "lint_paths([Path('fixtures/FAS101/offloaded.py')], Config())\n"
        "assert 'libcst' not in sys.modules, 'libcst imported'\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
