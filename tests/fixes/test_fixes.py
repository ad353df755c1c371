"""The fix engine: fixture pairs, stability, comments, line endings, atomic writes, safety levels.

A fixture ``fixtures/<CODE>/fix_<slug>.py`` whose first line is ``# fix`` (or ``# fix:
unsafe`` to apply unsafe fixes too) must turn into ``fix_<slug>.fixed.py`` byte for byte.
"""

from __future__ import annotations

import ast
import io
import os
import stat
import subprocess
import sys
import textwrap
import tokenize
from collections import Counter
from pathlib import Path

import libcst as cst
import pytest

import fastapi_lint.fixes as fixes
from fastapi_lint.api import lint_paths, lint_source, relint
from fastapi_lint.config import Config
from fastapi_lint.diagnostics import Applicability, Diagnostic, Span
from fastapi_lint.fixes import (
    NEEDS_UNSAFE,
    apply_to_file,
    fix_files,
    fix_for,
    plan_fixes,
    with_fixes,
)
from fastapi_lint.fixes.base import Import
from fastapi_lint.fixes.imports import add_imports
from tests.fixture_harness import FIXTURES, ROOT, Fixture, all_fixtures

PAIRS = sorted(p for p in FIXTURES.glob("FAS*/fix_*.py") if not p.name.endswith(".fixed.py"))
FIXED = [p.with_name(f"{p.stem}.fixed.py") for p in PAIRS]
ALL = Config(select=("ALL",))


@pytest.fixture(autouse=True)
def _from_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)  # reported paths are relative to the working folder


def _unsafe(path: Path) -> bool:
    return path.read_text(encoding="utf-8").splitlines()[0].strip() == "# fix: unsafe"


def _fixture(path: Path) -> Fixture:
    return Fixture(path.parent.name, path)


def _fix(path: Path, unsafe: bool | None = None) -> fixes.FixResult:
    """Lint a fixture as the harness does, then plan its fixes with the project's facts."""
    fixture = _fixture(path)
    config = fixture.config()
    result = lint_paths([path], config)
    source = path.read_bytes().decode("utf-8")
    wanted = _unsafe(path) if unsafe is None else unsafe
    shown = path.relative_to(ROOT).as_posix()
    return plan_fixes(source, shown, result.diagnostics, wanted, context=result.context, config=config, relint=relint)


def _comments(source: str) -> Counter[str]:
    return Counter(
        t.string for t in tokenize.generate_tokens(io.StringIO(source).readline) if t.type == tokenize.COMMENT
    )


def _rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


# -- fixture pairs -------------------------------------------------------------------


def test_pairs_are_complete() -> None:
    assert PAIRS, "no fix fixtures"
    for path, fixed in zip(PAIRS, FIXED):
        assert fixed.is_file(), f"{_rel(path)} has no {fixed.name}"
        assert path.read_text(encoding="utf-8").startswith("# fix"), f"{_rel(path)} lacks the `# fix` header"
    fixed = FIXTURES.glob("FAS*/*.fixed.py")
    orphans = [p for p in fixed if p.with_name(p.name.replace(".fixed.py", ".py")) not in PAIRS]
    assert not orphans


@pytest.mark.parametrize("path", PAIRS, ids=_rel)
def test_fix_gives_the_fixed_file(path: Path) -> None:
    result = _fix(path)
    expected = path.with_name(f"{path.stem}.fixed.py").read_bytes()
    assert result.new_source.encode("utf-8") == expected
    assert result.applied, "a fix fixture that fixes nothing"
    assert not [reason for _, reason in result.skipped if reason.startswith("not fixed")]


@pytest.mark.parametrize("path", PAIRS, ids=_rel)
def test_fixing_the_fixed_file_changes_nothing(path: Path) -> None:
    fixed = path.with_name(f"{path.stem}.fixed.py")
    source = fixed.read_text(encoding="utf-8")
    config = _fixture(path).config()
    diagnostics = lint_source(source, fixed.name, config)
    result = plan_fixes(source, fixed.name, diagnostics, unsafe=True, config=config, relint=relint)
    assert result.new_source == source
    assert result.applied == []


@pytest.mark.parametrize("path", PAIRS, ids=_rel)
def test_fix_keeps_every_comment(path: Path) -> None:
    source = path.read_text(encoding="utf-8")
    fixed = path.with_name(f"{path.stem}.fixed.py").read_text(encoding="utf-8")
    if path.parent.name == "FAS901":  # its fix rewrites noqa directives: the rest of each comment stays
        assert not _said_besides_noqa(source) - _said_besides_noqa(fixed)
        return
    assert not _comments(source) - _comments(fixed)


def _said_besides_noqa(source: str) -> Counter[str]:
    from fastapi_lint.analysis.noqa_directives import without_directive

    return Counter(filter(None, (without_directive(comment) for comment in _comments(source).elements())))


@pytest.mark.parametrize("path", PAIRS, ids=_rel)
def test_fix_for_agrees_with_the_plan(path: Path) -> None:
    """Every finding the plan fixed had a fix announced by ``fix_for``, of an allowed safety."""
    config = _fixture(path).config()
    linted = lint_paths([path], config)
    assert linted.context is not None
    result = _fix(path)
    for diagnostic in result.applied:
        fix = fix_for(diagnostic, linted.context)
        assert fix is not None, diagnostic
        assert _unsafe(path) or fix.applicability is Applicability.SAFE


# -- safety levels ---------------------------------------------------------------------


def test_unsafe_fixes_only_when_asked() -> None:
    path = FIXTURES / "FAS101" / "fix_unsafe.py"
    safe = _fix(path, unsafe=False)
    assert safe.new_source == path.read_text(encoding="utf-8")
    assert safe.applied == []
    assert {reason for _, reason in safe.skipped} == {NEEDS_UNSAFE}
    unsafe = _fix(path, unsafe=True)
    assert unsafe.changed and len(unsafe.applied) == 4


def test_fix_titles_and_applicability() -> None:
    source = (FIXTURES / "FAS101" / "fix_unsafe.py").read_text(encoding="utf-8")
    linted = lint_paths([FIXTURES / "FAS101" / "fix_unsafe.py"], _fixture(FIXTURES / "FAS101" / "fix_unsafe.py").config())
    assert linted.context is not None and source
    found = {d.span.line: fix_for(d, linted.context) for d in linted.diagnostics}
    assert found[14] is not None and found[14].title == "Run `requests.get` in a thread with `await asyncio.to_thread(...)`"
    assert found[25] is not None and found[25].title == "Make `plain` a plain `def` (it awaits nothing)"
    assert all(fix is not None and fix.applicability is Applicability.UNSAFE for fix in found.values())
    sleep = lint_paths([FIXTURES / "FAS101" / "fix_sleep.py"], Config(select=("FAS101",)))
    assert sleep.context is not None
    titles = [fix_for(d, sleep.context) for d in sleep.diagnostics]
    assert [t.title if t else None for t in titles] == ["Await `asyncio.sleep` instead"] * 3 + [None]


def test_no_fix_for_other_rules() -> None:
    source = "from fastapi import FastAPI\napp = FastAPI()\n\nasync def go():\n    pass\n\napp.add_event_handler('startup', go)\n"
    diagnostics = lint_source(source, "events.py", Config(select=("FAS203",), scope="all"))
    assert diagnostics
    result = plan_fixes(source, "events.py", diagnostics, unsafe=True, relint=relint)
    assert not result.changed and [r for _, r in result.skipped] == [fixes.NO_FIX]


def test_the_lifespan_fix_is_unsafe_only() -> None:
    source = "from fastapi import FastAPI\napp = FastAPI()\n\n@app.on_event('startup')\nasync def go():\n    pass\n"
    diagnostics = lint_source(source, "events.py", Config(select=("FAS203",), scope="all"))
    safe = plan_fixes(source, "events.py", diagnostics, relint=relint)
    assert not safe.changed and [r for _, r in safe.skipped] == [fixes.NEEDS_UNSAFE]
    unsafe = plan_fixes(source, "events.py", diagnostics, unsafe=True, relint=relint)
    assert "lifespan=lifespan" in unsafe.new_source and "on_event" not in unsafe.new_source


# -- files: line endings, encodings, atomic writes ---------------------------------------------


def _copy(tmp_path: Path, name: str, newline: str = "\n") -> Path:
    source = (FIXTURES / name).read_text(encoding="utf-8")
    target = tmp_path / Path(name).name
    target.write_bytes(source.replace("\n", newline).encode("utf-8"))
    return target


def _lint(path: Path) -> list[Diagnostic]:
    return lint_paths([path], Config(select=("FAS101",))).diagnostics


def test_apply_to_file_keeps_crlf(tmp_path: Path) -> None:
    target = _copy(tmp_path, "FAS101/fix_sleep.py", "\r\n")
    result = apply_to_file(target, _lint(target), relint=relint)
    assert result.applied
    expected = (FIXTURES / "FAS101" / "fix_sleep.fixed.py").read_bytes().replace(b"\n", b"\r\n")
    assert target.read_bytes() == expected


def test_apply_to_file_keeps_mode_and_bom(tmp_path: Path) -> None:
    target = _copy(tmp_path, "FAS101/fix_sleep.py")
    target.write_bytes(b"\xef\xbb\xbf" + target.read_bytes())
    os.chmod(target, 0o640)
    result = apply_to_file(target, _lint(target), relint=relint)
    assert result.applied
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    data = target.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and data[3:] == (FIXTURES / "FAS101" / "fix_sleep.fixed.py").read_bytes()
    assert [p.name for p in tmp_path.iterdir()] == [target.name]  # no temporary file left behind


def test_the_stability_check_lints_the_fixed_text_as_its_file_would_be_read() -> None:
    """``api.relint`` encodes the text in the encoding its coding cookie names (columns count its
    characters); ``api.lint_source`` encodes any text as UTF-8, so a latin-1 cookie shifts them."""
    source = "# -*- coding: latin-1 -*-\nimport time\n\n\nasync def f():\n    x = '\xe9'; time.sleep(1)\n"
    config = Config(select=("FAS101",))
    column = source.splitlines()[5].index("time.sleep")
    assert [d.span.col for d in relint(source, "latin.py", config)] == [column]
    assert [d.span.col for d in lint_source(source, "latin.py", config)] == [column + 1]


def test_apply_to_file_keeps_a_latin1_file_latin1(tmp_path: Path) -> None:
    source = "# -*- coding: latin-1 -*-\nimport time\n\n\nasync def f():\n    x = '\xe9'; time.sleep(1)  # caf\xe9\n"
    target = tmp_path / "latin.py"
    target.write_bytes(source.encode("latin-1"))
    result = apply_to_file(target, _lint(target), relint=relint)
    assert result.applied
    assert target.read_bytes().decode("latin-1").endswith("    x = '\xe9'; await asyncio.sleep(1)  # caf\xe9\n")


def test_failed_check_leaves_the_file_byte_identical(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = _copy(tmp_path, "FAS101/fix_sleep.py", "\r\n")
    before = target.read_bytes()
    mtime = target.stat().st_mtime_ns
    diagnostics = _lint(target)
    monkeypatch.setattr(fixes, "check_parses", lambda source: "forced failure")
    result = apply_to_file(target, diagnostics, relint=relint)
    assert target.read_bytes() == before and target.stat().st_mtime_ns == mtime
    assert result.applied == [] and not result.changed
    reasons = [reason for _, reason in result.skipped]
    assert reasons.count("not fixed: forced failure") == 3


def test_unstable_fixes_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    source = "import time\n\n\nasync def f():\n    time.sleep(1)\n"
    diagnostics = lint_source(source, "s.py", Config(select=("FAS101",)))
    real = fixes._plan
    calls = []

    def flaky(*args, **kwargs):  # type: ignore[no-untyped-def]
        found = real(*args, **kwargs)
        calls.append(1)
        if len(calls) == 2:  # the second pass, on the fixed text, "changes" it again
            return found[0] + "# again\n", [diagnostics[0]], []
        return found

    monkeypatch.setattr(fixes, "_plan", flaky)
    result = plan_fixes(source, "s.py", diagnostics, relint=relint)
    assert not result.changed and "not stable" in result.skipped[0][1]


def test_write_failure_leaves_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = _copy(tmp_path, "FAS101/fix_sleep.py")
    before = target.read_bytes()

    def broken(src: str, dst: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken)
    result = apply_to_file(target, _lint(target), relint=relint)
    assert target.read_bytes() == before and not result.applied
    assert [p.name for p in tmp_path.iterdir()] == [target.name]


def test_stale_findings_are_skipped() -> None:
    source = "import time\n\n\nasync def f():\n    time.sleep(1)\n"
    (diagnostic,) = lint_source(source, "s.py", Config(select=("FAS101",)))
    moved = Diagnostic(**{**diagnostic.__dict__, "span": Span(5, 0, 5, 2)})
    result = plan_fixes(source, "s.py", [moved], relint=relint)
    assert not result.changed and result.skipped[0][1] == fixes.NO_FIX


# -- single fixes on small modules ---------------------------------------------------------------


def _apply(source: str, select: str = "FAS101", unsafe: bool = False, scope: str = "server") -> str:
    source = textwrap.dedent(source)
    config = Config(select=(select,), scope=scope)
    diagnostics = lint_source(source, "snippet.py", config)
    assert diagnostics, "the snippet should produce findings"
    return plan_fixes(source, "snippet.py", diagnostics, unsafe, config=config, relint=relint).new_source


def _skips(source: str, select: str = "FAS101", unsafe: bool = False, scope: str = "server") -> list[str]:
    """Why each finding of an unfixable snippet was not fixed (asserting nothing changed)."""
    source = textwrap.dedent(source)
    config = Config(select=(select,), scope=scope)
    diagnostics = lint_source(source, "snippet.py", config)
    assert diagnostics, "the snippet should produce findings"
    result = plan_fixes(source, "snippet.py", diagnostics, unsafe, config=config, relint=relint)
    assert not result.changed
    return [reason for _, reason in result.skipped]


SLEEPER = '''
async def f():
    time.sleep(1)
'''


def test_import_goes_after_docstring_and_future_imports() -> None:
    head = '"""Doc."""\nfrom __future__ import annotations\n\n'
    fixed = head + "import asyncio\nimport time\n\n" + SLEEPER.replace("time.sleep", "await asyncio.sleep")
    assert _apply(head + "import time\n\n" + SLEEPER) == fixed


def test_import_joins_the_stdlib_block_in_isort_order() -> None:
    source = "import os\nimport time\nfrom typing import Any\n\nfrom fastapi import FastAPI\n\n" + SLEEPER
    assert _apply(source).startswith("import asyncio\nimport os\nimport time\nfrom typing import Any\n\nfrom fastapi import")
    source = "import abc\nimport time\n\n" + SLEEPER
    assert _apply(source).startswith("import abc\nimport asyncio\nimport time\n\n\nasync def f():")


def test_import_opens_a_stdlib_block_above_third_party_imports() -> None:
    source = "from fastapi import FastAPI\nfrom time import sleep\n\n\nasync def f():\n    sleep(1)\n"
    assert _apply(source).startswith("from fastapi import FastAPI\nimport asyncio\nfrom time import sleep\n")
    source = "# select: x\nfrom fastapi import FastAPI\n\nfrom time import sleep as s\n\n\nasync def f():\n    s(1)\n"
    assert _apply(source).startswith("# select: x\nfrom fastapi import FastAPI\n\nimport asyncio\nfrom time import sleep as s\n")


def test_import_without_any_import() -> None:
    assert add_imports(cst.parse_module('"""Doc."""\nx = 1\n'), [Import("asyncio")]).code == (
        '"""Doc."""\nimport asyncio\n\nx = 1\n'
    )
    assert add_imports(cst.parse_module("x = 1\n"), [Import("functools", "lru_cache")]).code == (
        "from functools import lru_cache\n\nx = 1\n"
    )


def test_from_import_joins_a_wrapped_statement() -> None:
    module = cst.parse_module("from functools import (\n    partial,\n    wraps,\n)\n")
    assert add_imports(module, [Import("functools", "lru_cache")]).code == (
        "from functools import (\n    lru_cache,\n    partial,\n    wraps,\n)\n"
    )
    module = cst.parse_module("from functools import (\n    partial,\n)\n")
    assert add_imports(module, [Import("functools", "wraps")]).code == "from functools import (\n    partial,\n    wraps,\n)\n"
    module = cst.parse_module("from functools import wraps, partial\n")  # not sorted: appended
    assert add_imports(module, [Import("functools", "cache")]).code == "from functools import wraps, partial, cache\n"


def test_existing_asyncio_names_are_reused() -> None:
    out = _apply("import time\nfrom asyncio import sleep as nap\n\n" + SLEEPER)
    assert out.endswith("    await nap(1)\n")
    assert _apply("import time\nimport asyncio.subprocess\n\n" + SLEEPER).endswith("    await asyncio.sleep(1)\n")


def test_a_taken_asyncio_name_declines() -> None:
    reasons = _skips("import time\n\nasyncio = None\n\n" + SLEEPER)
    assert reasons == ["not fixed: the name `asyncio` is taken in this module"]


def test_await_is_parenthesized_where_needed() -> None:
    out = _apply(
        """
        import requests


        async def f(u):
            await g()
            return requests.get(u, timeout=1).json()
        """,
        unsafe=True,
    )
    assert "return (await asyncio.to_thread(requests.get, u, timeout=1)).json()" in out


def test_sleep_with_unusual_arguments_is_left_alone() -> None:
    reasons = _skips("import time\n\n\nasync def f(a):\n    time.sleep(*a)\n")
    assert reasons == ["not fixed: `time.sleep` is called with unusual arguments"]


def test_method_calls_on_self_are_not_offloaded() -> None:
    source = """
        import requests


        class C:
            def __init__(self):
                self.s = requests.Session()

            async def f(self):
                await g()
                return self.s.get('u', timeout=1)
        """
    assert _skips(source, "FAS103", unsafe=True) == [fixes.NO_FIX]


def test_calls_on_a_call_result_are_not_offloaded() -> None:
    source = """
        import requests


        async def f():
            await g()
            return requests.Session().get('u', timeout=1)
        """
    assert _skips(source, "FAS103", unsafe=True) == [fixes.NO_FIX]


def test_generator_expressions_are_left_alone() -> None:
    source = "import time\n\n\nasync def f():\n    return sum(1 for _ in [time.sleep(1)] if time.sleep(2) is None)\n"
    reason = "not fixed: the call is inside a generator expression: `await` would make it an async generator"
    assert set(_skips(source)) == {reason}


def test_comprehensions_and_fstrings() -> None:
    out = _apply("import time\n\n\nasync def f(xs):\n    return [time.sleep(x) for x in xs]\n")
    assert "return [await asyncio.sleep(x) for x in xs]" in out
    reasons = _skips("import time\n\n\nasync def f():\n    return f'{time.sleep(1)}'\n")
    assert reasons == ["not fixed: the call is inside an f-string"]


def test_drop_async_keeps_functions_the_project_awaits() -> None:
    out = _apply(
        """
        import requests
        from fastapi import FastAPI

        app = FastAPI()


        @app.get('/a')
        async def a():
            return requests.get('u', timeout=1).json()


        @app.get('/b')
        async def b():
            return requests.get('u', timeout=1).json()


        async def main():
            await b()
        """,
        unsafe=True,
    )
    assert "\ndef a():" in out and "async def b():" in out
    assert "return (await asyncio.to_thread(requests.get, 'u', timeout=1)).json()" in out


def test_drop_async_is_never_for_middleware() -> None:
    out = _apply(
        """
        import time

        import requests
        from fastapi import FastAPI, Request

        app = FastAPI()


        @app.middleware("http")
        async def timing(request: Request, call_next):
            requests.get('u', timeout=1)
            return await call_next(request)
        """,
        unsafe=True,
    )
    assert "async def timing" in out and "await asyncio.to_thread(requests.get, 'u', timeout=1)" in out


def test_lru_cache_goes_innermost_and_only_once() -> None:
    source = """
        import functools
        from fastapi import Depends, FastAPI
        from pydantic_settings import BaseSettings

        app = FastAPI()


        class S(BaseSettings):
            x: int = 1


        @functools.wraps(print)
        def get() -> S:
            return S()


        @app.get('/')
        async def r(s: S = Depends(get)) -> int:
            return s.x
        """
    out = _apply(source, "FAS302")
    assert "@functools.wraps(print)\n@functools.lru_cache\ndef get() -> S:" in out
    assert lint_source(out, "snippet.py", Config(select=("FAS302",))) == []


def test_response_model_none_keeps_the_class() -> None:
    source = """
        from fastapi import FastAPI
        from fastapi.responses import ORJSONResponse

        app = FastAPI()


        @app.get('/a', response_class=ORJSONResponse, response_model=None)
        async def a():
            return {}
        """
    assert _skips(source, "FAS502", scope="all") == [fixes.NO_FIX]  # the deprecation is the wider view


def test_response_class_comments_survive() -> None:
    source = (
        "from fastapi import FastAPI\nfrom fastapi.responses import ORJSONResponse\n\napp = FastAPI()\n\n\n"
        "@app.get(\n    '/a',\n    response_class=ORJSONResponse,  # fast\n)\nasync def a() -> dict[str, int]:\n    return {}\n"
    )
    assert "@app.get(\n    '/a',  # fast\n)\nasync def a()" in _apply(source, "FAS502", scope="all")
    both = source.replace("'/a',", "'/a',  # the path")
    assert _skips(both, "FAS502", scope="all") == ["not fixed: removing the keyword would drop a comment"]


def test_tabs_and_unicode_columns() -> None:
    source = "import time\n\n\nasync def f():\n\tname = 'café'; time.sleep(1)\n"
    assert _apply(source).endswith("\tname = 'café'; await asyncio.sleep(1)\n")


# -- every fixture: fixing everything keeps the code valid and its comments ------------------------


# Reasons that mean the engine produced something it had to throw away: never on our fixtures.
_REFUSALS = ("does not parse", "drop a comment", "not stable", "internal error")


def _fixture_files() -> list[tuple[Fixture, list[Path]]]:
    found = [(f, f.files()) for f in all_fixtures()]
    apps = sorted(p for p in (FIXTURES / "apps").iterdir() if p.is_dir())
    found += [(Fixture("apps", app), sorted(app.rglob("*.py"))) for app in apps]
    return found


@pytest.mark.parametrize("fixture", [f for f, _ in _fixture_files()], ids=lambda f: f.id)
def test_every_fixture_fixes_to_valid_code_with_its_comments(fixture: Fixture) -> None:
    config = fixture.config() if fixture.code != "apps" else ALL
    result = lint_paths([fixture.target], config)
    by_path: dict[str, list[Diagnostic]] = {}
    for diagnostic in result.diagnostics:
        by_path.setdefault(diagnostic.path, []).append(diagnostic)
    for path, diagnostics in by_path.items():
        file = ROOT / path
        if not file.is_file():
            continue
        try:
            source = file.read_bytes().decode("utf-8")
            ast.parse(source)
        except (UnicodeDecodeError, SyntaxError, ValueError):
            continue  # the FAS900 fixtures
        fixed = plan_fixes(source, path, diagnostics, True, context=result.context, config=config, relint=relint)
        refused = [r for _, r in fixed.skipped if any(word in r for word in _REFUSALS)]
        assert not refused, refused
        ast.parse(fixed.new_source)
        cst.parse_module(fixed.new_source)
        if fixture.code == "FAS901":  # its fix rewrites noqa directives: the rest of each comment stays
            assert not _said_besides_noqa(source) - _said_besides_noqa(fixed.new_source), path
            continue
        assert not _comments(source) - _comments(fixed.new_source), path


# -- the API the CLI uses ---------------------------------------------------------------------


def test_fix_for_does_not_load_libcst() -> None:
    """Linting announces fixes without paying for libcst: only fixing parses with it."""
    code = (
        "import sys\nfrom pathlib import Path\nfrom fastapi_lint.api import lint_paths\n"
        "from fastapi_lint.config import Config\nfrom fastapi_lint.fixes import with_fixes\n"
        "r = lint_paths([Path('fixtures/FAS101/fix_unsafe.py')], Config(select=('ALL',)))\n"
        "assert r.context is not None and all(d.fix for d in with_fixes(r.diagnostics, r.context))\n"
        "assert 'libcst' not in sys.modules, 'libcst imported'\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr


def test_with_fixes_attaches_what_fix_for_says() -> None:
    path = FIXTURES / "FAS502" / "fix_response_class.py"
    linted = lint_paths([path], _fixture(path).config())
    assert linted.context is not None
    attached = with_fixes(linted.diagnostics, linted.context)
    assert [d.fix.title if d.fix else None for d in attached] == [
        "Remove `response_class=ORJSONResponse`",
        "Remove `response_class=UJSONResponse`",
        None,
    ]


def test_fix_files_plans_or_writes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = _copy(tmp_path, "FAS101/fix_unsafe.py")
    monkeypatch.chdir(tmp_path)
    linted = lint_paths([Path(target.name)], Config(select=("FAS101",)))
    before = target.read_bytes()
    planned = fix_files(linted.diagnostics, True, context=linted.context, write=False, relint=relint)
    assert list(planned) == [target.name] and planned[target.name].changed
    assert target.read_bytes() == before
    assert planned[target.name].diff(target.name).startswith(f"--- {target.name}\n+++ {target.name}\n")
    written = fix_files(linted.diagnostics, True, context=linted.context, relint=relint)
    assert target.read_bytes() == (FIXTURES / "FAS101" / "fix_unsafe.fixed.py").read_bytes()
    assert len(written[target.name].applied) == 4


def test_symlinked_file_stays_a_link(tmp_path: Path) -> None:
    real = _copy(tmp_path, "FAS101/fix_sleep.py")
    link = tmp_path / "link.py"
    link.symlink_to(real)
    result = apply_to_file(link, _lint(link), relint=relint)
    assert result.applied and link.is_symlink()
    assert real.read_bytes() == (FIXTURES / "FAS101" / "fix_sleep.fixed.py").read_bytes()


def test_a_broken_fixer_costs_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    from fastapi_lint.fixes.await_sleep import AwaitSleep

    def broken(self, target, tree):  # type: ignore[no-untyped-def]
        raise RuntimeError("boom")

    monkeypatch.setattr(AwaitSleep, "edit", broken)
    source = "import time\n\n\nasync def f():\n    time.sleep(1)\n"
    diagnostics = lint_source(source, "s.py", Config(select=("FAS101",)))
    result = plan_fixes(source, "s.py", diagnostics, relint=relint)
    assert not result.changed and "internal error" in result.skipped[0][1]


# -- generated programs: every fix keeps the code valid, its comments, and is complete ---------------

_EXTRA_IMPORTS = ["import asyncio", "import asyncio as aio", "from asyncio import sleep", "import functools"]
# Each statement with the import that binds its names: generated modules never use an unbound name.
_STATEMENTS = [
    ("time.sleep(1)  # nap", "import time"),
    ("t.sleep(0.5)", "import time as t"),
    ("pause(2)", "from time import sleep as pause"),
    ("x = [time.sleep(i) for i in range(2)]", "import time"),
    ("y = (time.sleep(1),)[0]", "import time"),
    ("cb = lambda: time.sleep(1)  # later", "import time"),
    ("await asyncio.sleep(0)", "import asyncio"),
    ("loop = asyncio.get_event_loop()", "import asyncio"),
    ("loop = aio.get_event_loop()", "import asyncio as aio"),
    ("loop = get_event_loop()", "from asyncio import get_event_loop"),
    ("r = requests.get('u', timeout=1).json()", "import requests"),
    ("subprocess.run(\n        ['ls'],  # list\n        check=True,\n    )", "import subprocess"),
    ("s = f'{time.sleep(0)}'", "import time"),
    ("print(time.sleep(1))", "import time"),
]


def _program(extra: list[str], bodies: list[list[tuple[str, str]]], route: list[bool]) -> str:
    needed = [line for body in bodies for _, line in body]
    imports = sorted(dict.fromkeys([*needed, *extra]))
    lines = ["# generated", *imports, "from fastapi import FastAPI", "", "app = FastAPI()", ""]
    for index, (body, is_route) in enumerate(zip(bodies, route)):
        lines += ["", ""]
        if is_route:
            lines.append(f'@app.get("/{index}")  # route {index}')
        lines.append(f"async def handler_{index}():")
        lines += [f"    {statement}" for statement, _ in body]
        lines.append("    return None")
    return "\n".join(lines) + "\n"


try:
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st
except ImportError:  # pragma: no cover - hypothesis is a test extra

    def test_generated_programs_fix_cleanly() -> None:
        pytest.skip("hypothesis is not installed")

else:

    @settings(max_examples=int(os.environ.get("FIX_EXAMPLES", "40")), deadline=None, suppress_health_check=list(HealthCheck))
    @given(
        st.lists(st.sampled_from(_EXTRA_IMPORTS), unique=True, max_size=2),
        st.lists(st.lists(st.sampled_from(_STATEMENTS), max_size=4), min_size=1, max_size=3),
        st.lists(st.booleans(), min_size=3, max_size=3),
        st.booleans(),
    )
    def test_generated_programs_fix_cleanly(
        extra: list[str], bodies: list[list[tuple[str, str]]], route: list[bool], unsafe: bool
    ) -> None:
        source = _program(extra, bodies, route)
        config = Config(select=("FAS101", "FAS105", "FAS109"))
        diagnostics = lint_source(source, "generated.py", config)
        result = plan_fixes(source, "generated.py", diagnostics, unsafe, config=config, relint=relint)
        refused = [r for _, r in result.skipped if any(word in r for word in _REFUSALS)]
        assert not refused, (refused, source)
        ast.parse(result.new_source)
        assert not _comments(source) - _comments(result.new_source)
        # Complete: what is left has no fix of the allowed safety that the engine would apply.
        again = lint_source(result.new_source, "generated.py", config)
        second = plan_fixes(result.new_source, "generated.py", again, unsafe, config=config, relint=relint)
        assert not second.changed, (source, result.new_source, second.new_source)
