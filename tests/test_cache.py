"""The per-file cache and the process pool: same findings, less work, never unsafe."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fastapi_lint.api import lint_paths
from fastapi_lint.cache import Cache, clean, decode, encode
from fastapi_lint.config import Config
from fastapi_lint.engine import summarize_file
from tests.fixture_harness import ROOT

ALL = Config(select=("ALL",))


def _project(root: Path, files: int = 3) -> Path:
    package = root / "svc"
    package.mkdir()
    (package / "__init__.py").write_text("", encoding="utf-8")
    for number in range(files):
        (package / f"m{number}.py").write_text(
            "import time\nfrom fastapi import FastAPI\napp = FastAPI()\n\n"
            f"@app.get('/r{number}')\nasync def route_{number}():\n    time.sleep(1)\n",
            encoding="utf-8",
        )
    (package / "broken.py").write_text("def broken(:\n", encoding="utf-8")
    return package


def _codes(result):  # type: ignore[no-untyped-def]
    return [(d.path, d.span.line, d.code, d.message) for d in result.diagnostics]


def test_every_fixture_summary_survives_a_round_trip() -> None:
    for path in sorted((ROOT / "fixtures").rglob("*.py")):
        outcome = summarize_file(path, path.name)
        assert decode(json.loads(json.dumps(encode(outcome)))) == outcome, path


def test_warm_run_parses_nothing_and_finds_the_same(tmp_path: Path) -> None:
    project = _project(tmp_path)
    cache = tmp_path / "cache"
    cold = lint_paths([project], ALL, cache_dir=cache)
    warm = lint_paths([project], ALL, cache_dir=cache)
    assert (cold.parsed, cold.cached) == (5, 0)
    assert (warm.parsed, warm.cached) == (0, 5)
    assert _codes(cold) == _codes(warm) == _codes(lint_paths([project], ALL))
    assert (cache / ".gitignore").read_text().strip().endswith("*")
    assert (cache / "CACHEDIR.TAG").read_text().startswith("Signature: 8a477f597d28d172789f06886806bc55")


def test_a_changed_file_is_parsed_again(tmp_path: Path) -> None:
    project = _project(tmp_path)
    cache = tmp_path / "cache"
    lint_paths([project], ALL, cache_dir=cache)
    (project / "m0.py").write_text("async def quiet():\n    return 1\n", encoding="utf-8")
    again = lint_paths([project], ALL, cache_dir=cache)
    assert (again.parsed, again.cached) == (1, 4)
    assert not [d for d in again.diagnostics if d.path.endswith("m0.py")]


@pytest.mark.parametrize(
    "damage",
    [
        lambda text: text[: len(text) // 2],  # truncated
        lambda text: "not json at all",
        lambda text: json.dumps({"key": json.loads(text)["key"], "outcome": {"t": "Popen", "v": ["rm -rf /"]}}),
        lambda text: json.dumps({"key": json.loads(text)["key"], "outcome": {"t": "Span", "v": [1, 2, 3, 4]}}),
        lambda text: json.dumps({"key": json.loads(text)["key"], "outcome": [1, 2]}),
    ],
)
def test_damaged_or_foreign_entries_are_rebuilt(tmp_path: Path, damage) -> None:  # type: ignore[no-untyped-def]
    project = _project(tmp_path, files=1)
    cache = tmp_path / "cache"
    expected = _codes(lint_paths([project], ALL, cache_dir=cache))
    for entry in cache.rglob("*.json"):
        entry.write_text(damage(entry.read_text()), encoding="utf-8")
    again = lint_paths([project], ALL, cache_dir=cache)
    assert _codes(again) == expected
    assert again.cached == 0


def test_process_pool_gives_the_same_findings(tmp_path: Path) -> None:
    project = _project(tmp_path, files=60)
    serial = lint_paths([project], ALL, jobs=1)
    parallel = lint_paths([project], ALL, jobs=2)
    assert parallel.workers == 2 and serial.workers == 1
    assert _codes(serial) == _codes(parallel)


def test_small_runs_stay_in_process(tmp_path: Path) -> None:
    assert lint_paths([_project(tmp_path, files=3)], ALL, jobs=2).workers == 1


def test_clean_removes_only_our_cache(tmp_path: Path) -> None:
    project = _project(tmp_path, files=1)
    cache = tmp_path / "cache"
    lint_paths([project], ALL, cache_dir=cache)
    assert clean(cache) and not cache.exists()
    other = tmp_path / "other"
    other.mkdir()
    (other / "keep.txt").write_text("x")
    assert not clean(other) and (other / "keep.txt").exists()


def test_unwritable_cache_folder_still_lints(tmp_path: Path) -> None:
    project = _project(tmp_path, files=1)
    blocker = tmp_path / "file-not-folder"
    blocker.write_text("x")
    result = lint_paths([project], ALL, cache_dir=blocker / "cache")
    assert result.parsed == 3 and any(d.code == "FAS101" for d in result.diagnostics)


def test_cache_key_depends_on_content_and_path() -> None:
    assert Cache.key(b"a", "x.py", "x", False) != Cache.key(b"b", "x.py", "x", False)
    assert Cache.key(b"a", "x.py", "x", False) != Cache.key(b"a", "y.py", "x", False)


def test_cli_cache_lives_at_the_project_root_and_clean_removes_it(tmp_path: Path) -> None:
    from fastapi_lint.cli import main
    from tests.helpers import cli_runner as _runner

    project = _project(tmp_path)
    (tmp_path / "pyproject.toml").write_text("[tool.fastapi-lint]\n", encoding="utf-8")
    runner = _runner()
    first = runner.invoke(main, [str(project), "--statistics", "-q"])
    assert first.exit_code == 1 and (tmp_path / ".fastapi_lint_cache" / "CACHEDIR.TAG").is_file()
    second = runner.invoke(main, [str(project), "--statistics"])
    assert "0 parsed, 5 from the cache" in second.stderr
    assert "FAS101: 3" in second.stderr and "unresolved calls" in second.stderr
    assert runner.invoke(main, ["clean", str(project)]).exit_code == 0
    assert not (tmp_path / ".fastapi_lint_cache").exists()


def test_cli_no_cache_writes_nothing(tmp_path: Path) -> None:
    from fastapi_lint.cli import main
    from tests.helpers import cli_runner as _runner

    project = _project(tmp_path)
    (tmp_path / "pyproject.toml").write_text("[tool.fastapi-lint]\n", encoding="utf-8")
    result = _runner().invoke(main, [str(project), "--no-cache", "--statistics"])
    assert result.exit_code == 1 and "5 parsed, 0 from the cache" in result.stderr
    assert not (tmp_path / ".fastapi_lint_cache").exists()


def test_unchanged_run_reuses_the_last_findings(tmp_path: Path) -> None:
    project = _project(tmp_path)
    cache = tmp_path / "cache"
    first = lint_paths([project], ALL, cache_dir=cache, facts=False)
    again = lint_paths([project], ALL, cache_dir=cache, facts=False)
    assert _codes(first) == _codes(again)
    assert again.context is None and again.parsed == 0  # nothing decoded, nothing linked
    (project / "m1.py").write_text("async def quiet():\n    return 1\n", encoding="utf-8")
    changed = lint_paths([project], ALL, cache_dir=cache, facts=False)
    assert changed.context is not None and changed.parsed == 1
    assert not [d for d in changed.diagnostics if d.path.endswith("m1.py")]
    other_config = lint_paths([project], Config(select=("FAS900",)), cache_dir=cache, facts=False)
    assert {d.code for d in other_config.diagnostics} == {"FAS900"}  # the configuration is part of the key
