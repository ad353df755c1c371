"""The per-file cache and the process pool: same findings, less work, never unsafe."""

from __future__ import annotations

import os
import pickle
import stat
from pathlib import Path

import pytest

from fastapi_lint.api import lint_paths
from fastapi_lint.run.cache import Cache, NotACache, clean, load_secret, seal, unseal
from fastapi_lint.config import Config
from fastapi_lint.analysis.extract import summarize_file
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


SECRET = b"k" * 32


def test_every_fixture_summary_survives_a_round_trip() -> None:
    for path in sorted((ROOT / "fixtures").rglob("*.py")):
        outcome = summarize_file(path, path.name)
        assert unseal(SECRET, seal(SECRET, ("key", outcome))) == ("key", outcome), path


class _Exploit:
    """What a malicious cache entry would carry: unpickling it runs a command."""

    def __reduce__(self):  # type: ignore[no-untyped-def]
        return (os.system, ("touch /tmp/fastapi-lint-pwned",))


def test_entries_signed_elsewhere_or_holding_code_are_never_unpickled() -> None:
    entry = seal(SECRET, ("key", _Exploit()))
    with pytest.raises(ValueError):
        unseal(b"another machine's key".ljust(32), entry)  # the MAC check comes first
    with pytest.raises(pickle.UnpicklingError):
        unseal(SECRET, entry)  # even with the right key, only fact classes are built
    with pytest.raises(ValueError):
        unseal(SECRET, entry[: len(entry) // 2])
    with pytest.raises(ValueError):
        unseal(SECRET, pickle.dumps(("key", 1)))


def test_the_key_is_made_once_and_private(tmp_path: Path) -> None:
    path = tmp_path / "home" / "fastapi-lint" / "cache-key"
    first = load_secret(path)
    assert first is not None and len(first) >= 32 and load_secret(path) == first
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    assert load_secret(blocker / "fastapi-lint" / "cache-key") is None


def test_runs_starting_together_agree_on_one_key(tmp_path: Path) -> None:
    from concurrent.futures import ProcessPoolExecutor

    path = tmp_path / "home" / "fastapi-lint" / "cache-key"
    with ProcessPoolExecutor(max_workers=4) as pool:
        keys = list(pool.map(load_secret, [path] * 16))
    assert len(set(keys)) == 1 and keys[0] is not None and len(keys[0]) == 32
    assert [p.name for p in path.parent.iterdir()] == ["cache-key"]  # no temporary left behind


def test_without_a_usable_key_nothing_is_cached(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "home-is-a-file"
    blocker.write_text("x")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    project = _project(tmp_path, files=1)
    cache = tmp_path / "cache"
    first = lint_paths([project], ALL, cache_dir=cache)
    again = lint_paths([project], ALL, cache_dir=cache)
    assert again.parsed == 3 and again.cached == 0 and _codes(first) == _codes(again)
    assert not list(cache.rglob("*.entry"))


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


def _resealed(value):  # type: ignore[no-untyped-def]
    secret = load_secret()
    assert secret is not None
    return lambda data: seal(secret, value(unseal(secret, data)))


@pytest.mark.parametrize(
    "damage",
    [
        lambda data: data[: len(data) // 2],  # truncated
        lambda data: b"not an entry at all",
        lambda data: data[:-1] + bytes([data[-1] ^ 1]),  # one bit flipped
        lambda data: seal(b"a key from another machine".ljust(32), unseal(load_secret() or b"", data)),
        lambda data: seal(b"a key from another machine".ljust(32), _Exploit()),
        _resealed(lambda entry: (entry[0], [1, 2])),  # right key, wrong shape
        _resealed(lambda entry: ("another key", entry[1])),
    ],
)
def test_damaged_or_foreign_entries_are_rebuilt(tmp_path: Path, damage) -> None:  # type: ignore[no-untyped-def]
    project = _project(tmp_path, files=1)
    cache = tmp_path / "cache"
    expected = _codes(lint_paths([project], ALL, cache_dir=cache))
    entries = list(cache.rglob("*.entry"))
    assert len(entries) == 3
    for entry in entries:
        entry.write_bytes(damage(entry.read_bytes()))
    again = lint_paths([project], ALL, cache_dir=cache)
    assert _codes(again) == expected
    assert again.cached == 0


def test_process_pool_gives_the_same_findings(tmp_path: Path) -> None:
    project = _project(tmp_path, files=60)
    serial = lint_paths([project], ALL, jobs=1)
    parallel = lint_paths([project], ALL, jobs=2)
    assert parallel.workers == 2 and serial.workers == 1
    assert _codes(serial) == _codes(parallel)


def test_entries_written_by_pool_workers_serve_the_next_run(tmp_path: Path) -> None:
    project = _project(tmp_path, files=60)
    cache = tmp_path / "cache"
    cold = lint_paths([project], ALL, jobs=2, cache_dir=cache)
    warm = lint_paths([project], ALL, jobs=1, cache_dir=cache)
    assert cold.workers == 2 and (warm.parsed, warm.cached) == (0, 62)
    assert _codes(cold) == _codes(warm) == _codes(lint_paths([project], ALL, jobs=1))


def test_small_runs_stay_in_process(tmp_path: Path) -> None:
    assert lint_paths([_project(tmp_path, files=3)], ALL, jobs=2).workers == 1


def test_clean_removes_only_our_cache(tmp_path: Path) -> None:
    project = _project(tmp_path, files=1)
    cache = tmp_path / "cache"
    lint_paths([project], ALL, cache_dir=cache)
    clean(cache)
    assert not cache.exists()
    other = tmp_path / "other"
    other.mkdir()
    (other / "keep.txt").write_text("x")
    with pytest.raises(NotACache, match="did not write"):
        clean(other)
    assert (other / "keep.txt").exists()


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
    first = runner.invoke(main, [str(project), "--timings", "-q"])
    assert first.exit_code == 1 and (tmp_path / ".fastapi_lint_cache" / "CACHEDIR.TAG").is_file()
    second = runner.invoke(main, [str(project), "--timings", "--statistics"])
    assert "0 parsed, 5 from the cache" in second.stderr and "unresolved calls" in second.stderr
    assert "3\tFAS101\t" in second.stdout
    assert runner.invoke(main, ["clean", str(project)]).exit_code == 0
    assert not (tmp_path / ".fastapi_lint_cache").exists()


def test_cli_no_cache_writes_nothing(tmp_path: Path) -> None:
    from fastapi_lint.cli import main
    from tests.helpers import cli_runner as _runner

    project = _project(tmp_path)
    (tmp_path / "pyproject.toml").write_text("[tool.fastapi-lint]\n", encoding="utf-8")
    result = _runner().invoke(main, [str(project), "--no-cache", "--timings"])
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
    other_config = lint_paths([project], Config(select=("FAS900",), scope="all"), cache_dir=cache, facts=False)
    assert {d.code for d in other_config.diagnostics} == {"FAS900"}  # the configuration is part of the key


# -- stamps: a file the last run saw, untouched since, keeps its key unread ------------------


def _reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The files whose content is read to make a key."""
    from fastapi_lint.run import extract

    read: list[str] = []
    real = extract._key

    def counting(path: Path, display: str, module: str, is_package: bool) -> str | None:
        read.append(path.name)
        return real(path, display, module, is_package)

    monkeypatch.setattr(extract, "_key", counting)
    return read


def test_untouched_files_keep_their_keys_unread(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from fastapi_lint.run import extract

    monkeypatch.setattr(extract, "RACY_NS", 0)  # the files were written before the first run looked
    project = _project(tmp_path)
    cache = tmp_path / "cache"
    read = _reads(monkeypatch)
    first = lint_paths([project], ALL, cache_dir=cache, facts=False)
    assert len(read) == 5
    read.clear()
    again = lint_paths([project], ALL, cache_dir=cache, facts=False)
    assert read == [] and again.parsed == 0 and _codes(again) == _codes(first)
    # The same size and modification time, new content: the change time tells.
    target = project / "m0.py"
    before = target.stat()
    target.write_text(target.read_text().replace("time.sleep(1)", "time.sleep(2)"), encoding="utf-8")
    os.utime(target, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert target.stat().st_size == before.st_size and target.stat().st_mtime_ns == before.st_mtime_ns
    edited = lint_paths([project], ALL, cache_dir=cache, facts=False)
    assert read == ["m0.py"] and edited.parsed == 1
    assert any(d.path.endswith("m0.py") and d.span.line == 7 for d in edited.diagnostics)


def test_stamps_are_not_trusted_near_the_last_look_or_across_builds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from fastapi_lint.run import carry_over
    from fastapi_lint.run import extract

    project = _project(tmp_path)
    cache = tmp_path / "cache"
    read = _reads(monkeypatch)
    lint_paths([project], ALL, cache_dir=cache, facts=False)
    read.clear()
    lint_paths([project], ALL, cache_dir=cache, facts=False)
    assert len(read) == 5  # written within RACY_NS of the last run's look: an edit could hide there
    monkeypatch.setattr(extract, "RACY_NS", 0)
    read.clear()
    lint_paths([project], ALL, cache_dir=cache, facts=False)
    assert read == []
    monkeypatch.setattr(extract, "TRUSTS_CHANGE_TIMES", False)
    read.clear()
    lint_paths([project], ALL, cache_dir=cache, facts=False)
    assert len(read) == 5  # Windows: the "change time" is the creation time
    monkeypatch.setattr(extract, "TRUSTS_CHANGE_TIMES", True)
    read.clear()
    monkeypatch.setattr(extract, "code_fingerprint", lambda: "another build")
    monkeypatch.setattr(carry_over, "code_fingerprint", lambda: "another build")
    lint_paths([project], ALL, cache_dir=cache, facts=False)
    assert len(read) == 5  # keys made by other code name other entries


def test_a_new_package_folder_renames_modules_without_touching_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The module name is part of the key and of the stamp: an ``__init__.py`` added above a file
    changes it, though the file itself is untouched."""
    from fastapi_lint.run import extract

    monkeypatch.setattr(extract, "RACY_NS", 0)
    project = _project(tmp_path)
    cache = tmp_path / "cache"
    (tmp_path / "top").mkdir()
    inner = project.rename(tmp_path / "top" / "svc")
    first = lint_paths([inner], ALL, cache_dir=cache, facts=False)
    (tmp_path / "top" / "__init__.py").write_text("", encoding="utf-8")
    from fastapi_lint.analysis.extract import module_names

    module_names._package_parts.cache_clear()  # a new run is a new process: nothing remembered
    read = _reads(monkeypatch)
    again = lint_paths([inner], ALL, cache_dir=cache, facts=False)
    assert len(read) == 5 and again.parsed == 5
    assert _codes(again) == _codes(first)


def test_every_fact_class_can_be_read_back_and_its_code_keys_the_cache() -> None:
    """A fact class missing from the unpickler's list makes every cached run fail; phase-1 code
    missing from the key serves facts an older build extracted. Phase 1 is the package
    ``analysis/extract/``: every module it imports, directly or through another, keys the cache."""
    import ast
    import inspect

    from fastapi_lint.run import cache
    from fastapi_lint.analysis import facts

    defined = {obj for obj in vars(facts).values() if inspect.isclass(obj) and obj.__module__ == facts.__name__}
    assert defined <= set(cache._CLASSES)
    package = ROOT / "fastapi_lint"

    def file_of(module: str) -> Path | None:
        relative = module.removeprefix("fastapi_lint").lstrip(".").replace(".", "/")
        return next((f for f in (package / f"{relative}.py", package / relative / "__init__.py") if f.is_file()), None)

    def imported_by(file: Path) -> set[Path]:
        found: set[Path] = set()
        for node in ast.walk(ast.parse(file.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("fastapi_lint"):
                found.update(f for alias in node.names if (f := file_of(f"{node.module}.{alias.name}") or file_of(node.module)))
            elif isinstance(node, ast.Import):
                found.update(f for alias in node.names if alias.name.startswith("fastapi_lint") and (f := file_of(alias.name)))
        return found

    extract = sorted((package / "analysis" / "extract").rglob("*.py"))
    assert len(extract) > 10
    seen: set[Path] = set()
    pending = list(extract)
    while pending:
        file = pending.pop()
        if file not in seen:
            seen.add(file)
            pending.extend(imported_by(file))
    keyed = set(cache.phase1_sources(package))
    assert {file.relative_to(package).as_posix() for file in seen} <= keyed
    assert {file.relative_to(package).as_posix() for file in extract} <= keyed
