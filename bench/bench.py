#!/usr/bin/env python3
"""Time fastapi-lint against its peers on one source tree, and measure the parse cost.

    python3 bench/bench.py bench/corpora/dispatch --runs 5

Runs, on the same tree and in one invocation:

* fastapi-lint (default rules, and ``--select ALL``), as a subprocess;
* the peers: ruff (ASYNC, FAST), flake8 + flake8-async (ASYNC), hydroid;
* micro-measures of the parse cost of phase 1: ``ast.parse`` of every file, ``libcst.parse_module``
  of every file, and libcst parse + ``MetadataWrapper(...).resolve(PositionProvider)``, each in its
  own fresh interpreter (one pass each), so that the peak RSS of each is its own.

Each timed tool run is a child process waited for with ``os.wait4``, which gives its own rusage:
wall time (median of ``--runs``), user+system CPU, and peak RSS (``ru_maxrss``: the largest single
process of the tree it waited for, not a sum over worker processes).

Prints a Markdown table and writes it to ``bench/results/<corpus>-<YYYY-MM-DD>.md`` (plus a ``.json``
with every raw sample). Standard library only; the tools it times are found on ``--peers-bin`` /
``--fastapi-lint`` / ``PATH`` and skipped with a note when absent.

Variants: ``VARIANTS`` lists the ways every tool is run: ``cold`` (caches off and removed, default
worker count), ``cold-j1`` / ``cold-j2`` (``--jobs``; only tools with such a flag), ``warm`` (cache
filled by one untimed run), ``one-file-comment`` and ``one-file-code`` (warm, then one file edited
before each run: a comment appended, which changes no fact, or a function appended, which does;
only tools with a cache), ``one-file-code-daemon`` (the latter with fastapi-lint's ``--daemon``). A variant is flags for a tool (``None``: the tool has no such mode and is
skipped) plus untimed hooks run once before, before each run, and once after. ``TOOLS`` lists what
is timed: an argv builder, the exit codes that mean "ran fine", and how the tool turns its cache
off, where the cache lives, and its jobs flag. Adding either is one more list entry.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
# Same folder names fastapi-lint skips by default (fastapi_lint.config.DEFAULT_EXCLUDE), copied so
# the script does not import the package it measures.
SKIP_DIRS = {".git", ".hg", ".svn", ".venv", "venv", "node_modules", "__pycache__", "build", "dist",
             ".tox", ".nox", ".mypy_cache", ".ruff_cache", ".pytest_cache", ".fastapi_lint_cache",
             ".eggs", ".hydroid_cache"}


# --------------------------------------------------------------------------------------------------
# The corpus


def python_files(root: Path) -> list[Path]:
    found = []
    for folder, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS and not d.endswith(".egg-info"))
        found.extend(Path(folder) / n for n in sorted(filenames) if n.endswith(".py"))
    return found


def count_lines(files: list[Path]) -> int:
    total = 0
    for f in files:
        with open(f, "rb") as fh:
            total += sum(1 for _ in fh)
    return total


# --------------------------------------------------------------------------------------------------
# Tools and variants


@dataclass
class Ctx:
    corpus: Path
    fastapi_lint: str | None
    peers_bin: Path | None
    hydroid_python: str | None
    touch_file: Path | None = None  # the file the "one-file-*" variants edit
    fl_config: list[str] = field(default_factory=list)  # fastapi-lint's --config, see fastapi_lint_config()
    single_dir: Path | None = None  # a folder holding one ~600-line file of the corpus (the single-file variant)

    def peer(self, name: str) -> str | None:
        if self.peers_bin is not None:
            cand = self.peers_bin / name
            if cand.exists() and os.access(cand, os.X_OK):
                return str(cand)
        return shutil.which(name)


@dataclass
class Tool:
    name: str  # the row label (and the --tools name)
    kind: str  # "fastapi-lint" (the subject) or "peer"
    exe: Callable[[Ctx], str | None]
    argv: Callable[[Ctx, str], list[str]]  # (ctx, exe) -> argv, path last; runs with cwd = corpus
    ok_codes: tuple[int, ...] = (0,)
    version: Callable[[Ctx, str], str] | None = None
    count: Callable[[str], int | None] | None = None  # findings from one run's stdout
    note: str = ""
    no_cache: list[str] | None = None  # flags that turn the tool's cache off; None: it has no cache
    cache_name: str | None = None  # its cache folder under the corpus
    cache_args: list[str] = field(default_factory=list)  # flags pinning that folder (relative to the corpus)
    jobs_flag: str | None = None  # the flag that sets its worker count, if any
    only: tuple[str, ...] | None = None  # run only in these variants (None: every variant it supports)


def _version(argv_tail: list[str]) -> Callable[[Ctx, str], str]:
    def get(ctx: Ctx, exe: str) -> str:
        try:
            out = subprocess.run([exe, *argv_tail], check=False, capture_output=True, text=True, timeout=60)
            return " ".join((out.stdout or out.stderr).split())
        except Exception as exc:  # noqa: BLE001 - a version is only a label
            return f"? ({exc})"
    return get


def _count_json_list(out: str) -> int | None:
    try:
        return len(json.loads(out))
    except ValueError:
        return None


def _count_hydroid(out: str) -> int | None:
    try:
        return len(json.loads(out)["diagnostics"])
    except (ValueError, KeyError, TypeError):
        return None


def _count_lines_matching(pattern: str) -> Callable[[str], int]:
    rx = re.compile(pattern, re.MULTILINE)
    return lambda out: len(rx.findall(out))


def _fl_exe(ctx: Ctx) -> str | None:
    return ctx.fastapi_lint or shutil.which("fastapi-lint")


def _hydroid_argv(ctx: Ctx, exe: str) -> list[str]:
    argv = [exe, "--format", "json"]
    if ctx.hydroid_python:
        argv += ["--python", ctx.hydroid_python]
    return argv + ["."]


_FL_CACHE = {"no_cache": ["--no-cache"], "cache_name": ".fastapi_lint_cache",
                 "cache_args": ["--cache-dir", ".fastapi_lint_cache"], "jobs_flag": "--jobs"}

def fastapi_lint_config(corpus: Path, tmp: Path) -> list[str]:
    """Pin fastapi-lint's configuration to the corpus's own.

    fastapi-lint, like Ruff, walks up from the linted folder to the first pyproject.toml with a
    [tool.fastapi-lint] table. A corpus under bench/corpora/ without one would pick up this
    repository's, whose ``extend-exclude = ["bench/corpora"]`` skips every file (0 files, 0.2 s).
    """
    own = corpus / "pyproject.toml"
    try:
        if own.is_file() and re.search(r"^\[tool\.fastapi-lint\b", own.read_text(errors="replace"), re.MULTILINE):
            return ["--config", str(own)]
    except OSError:
        pass
    empty = tmp / "pyproject.toml"
    empty.write_text("[tool.fastapi-lint]\n")
    return ["--config", str(empty)]


TOOLS: list[Tool] = [
    Tool("fastapi-lint", "fastapi-lint", _fl_exe,
         lambda c, e: [e, "check", "--format", "json", "-q", "--exit-zero", *c.fl_config, "."],
         version=_version(["--version"]), count=_count_json_list, note="default rules", **_FL_CACHE),
    Tool("fastapi-lint-all", "fastapi-lint", _fl_exe,
         lambda c, e: [e, "check", "--format", "json", "-q", "--exit-zero", "--select", "ALL", *c.fl_config, "."],
         version=_version(["--version"]), count=_count_json_list, note="--select ALL (every rule)",
         only=("cold",), **_FL_CACHE),
    Tool("ruff", "peer", lambda c: c.peer("ruff"),
         lambda c, e: [e, "check", "--select", "ASYNC,FAST", "--exit-zero", "--output-format", "concise", "."],
         version=_version(["--version"]), count=_count_lines_matching(r"^\S+:\d+:\d+: "),
         note="--select ASYNC,FAST; multi-threaded",
         no_cache=["--no-cache"], cache_name=".ruff_cache", cache_args=["--cache-dir", ".ruff_cache"]),
    Tool("flake8-async", "peer", lambda c: c.peer("flake8"),
         lambda c, e: [e, "--select", "ASYNC", "."], ok_codes=(0, 1),
         version=_version(["--version"]), count=_count_lines_matching(r"^\S+:\d+:\d+: ASYNC"),
         note="flake8 --select ASYNC; flake8 runs every installed plugin and filters the output; "
              "default --jobs=auto", only=("cold", "single-file")),
    Tool("hydroid", "peer", lambda c: c.peer("hydroid"), _hydroid_argv, ok_codes=(0, 1),
         version=_version(["--version"]), count=_count_hydroid, note="--python <venv with fastapi>",
         no_cache=["--no-cache"], cache_name=".hydroid_cache"),
]


def clean_cache(ctx: Ctx, tool: Tool) -> None:
    if tool.cache_name:
        shutil.rmtree(ctx.corpus / tool.cache_name, ignore_errors=True)


@dataclass
class Variant:
    """One way of running every tool. Hooks get (ctx, tool, argv); argv already has `args` in it."""
    name: str
    description: str
    # Extra flags for a tool, or None when the tool has no such mode (it is then skipped).
    args: Callable[[Tool], list[str] | None] = lambda tool: []
    before_all: Callable[[Ctx, Tool, list[str]], None] = lambda ctx, tool, argv: None  # untimed, once
    before_each: Callable[[Ctx, Tool, list[str]], None] = lambda ctx, tool, argv: None  # untimed
    after_all: Callable[[Ctx, Tool], None] = lambda ctx, tool: None
    workdir: Callable[[Ctx], Path | None] = lambda ctx: ctx.corpus  # where the tool runs, on "."


def _untimed_run(ctx: Ctx, tool: Tool, argv: list[str]) -> None:
    subprocess.run(argv, cwd=ctx.corpus, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   stdin=subprocess.DEVNULL, check=False)


def _warm_up(ctx: Ctx, tool: Tool, argv: list[str]) -> None:
    clean_cache(ctx, tool)
    _untimed_run(ctx, tool, argv)


_touched: dict[Path, bytes] = {}


def _edit(ctx: Ctx, addition: Callable[[int], str]) -> None:
    """Edit one file (something new each time), as a developer saving a file between two runs."""
    path = ctx.touch_file
    if path is None:
        return
    original = _touched.setdefault(path, path.read_bytes())
    path.write_bytes(original + addition(time.time_ns()).encode())


def _add_comment(ctx: Ctx, tool: Tool, argv: list[str]) -> None:
    _edit(ctx, lambda n: f"\n# bench edit {n}\n")


def _add_function(ctx: Ctx, tool: Tool, argv: list[str]) -> None:
    # A new function that calls something: a changed fact, so no tool may reuse its last answer.
    _edit(ctx, lambda n: f"\n\ndef _bench_edit_{n}(values):\n    return sorted(values, key=str)[:{n % 97}]\n")


def _untouch(ctx: Ctx, tool: Tool) -> None:
    for path, original in _touched.items():
        path.write_bytes(original)
    _touched.clear()
    clean_cache(ctx, tool)


def _stop_daemon(ctx: Ctx, tool: Tool) -> None:
    if tool.name == "fastapi-lint":
        exe = tool.exe(ctx)
        if exe is not None:
            subprocess.run([exe, "daemon", "stop"], cwd=ctx.corpus, capture_output=True, check=False)
    _untouch(ctx, tool)


VARIANTS: list[Variant] = [
    Variant("cold", "no cache (each tool's cache off and its folder removed), default worker count",
            args=lambda t: t.no_cache or [],
            before_each=lambda ctx, tool, argv: clean_cache(ctx, tool),
            after_all=lambda ctx, tool: clean_cache(ctx, tool)),
    Variant("cold-j1", "no cache, one process (`--jobs 1`; tools without a jobs flag skipped)",
            args=lambda t: (t.no_cache or []) + [t.jobs_flag, "1"] if t.jobs_flag else None,
            before_each=lambda ctx, tool, argv: clean_cache(ctx, tool)),
    Variant("cold-j2", "no cache, `--jobs 2` (tools without a jobs flag skipped)",
            args=lambda t: (t.no_cache or []) + [t.jobs_flag, "2"] if t.jobs_flag else None,
            before_each=lambda ctx, tool, argv: clean_cache(ctx, tool)),
    Variant("warm", "cache filled by one untimed run, nothing changed since (tools without a cache skipped)",
            args=lambda t: list(t.cache_args) if t.no_cache is not None else None,
            before_all=_warm_up, after_all=lambda ctx, tool: clean_cache(ctx, tool)),
    Variant("one-file-comment", "warm cache, then a comment appended to one file before each run: no fact changed "
            "(tools without a cache skipped)",
            args=lambda t: list(t.cache_args) if t.no_cache is not None else None,
            before_all=_warm_up, before_each=_add_comment, after_all=_untouch),
    Variant("one-file-code", "warm cache, then a function appended to one file before each run: a fact changed "
            "(tools without a cache skipped)",
            args=lambda t: list(t.cache_args) if t.no_cache is not None else None,
            before_all=_warm_up, before_each=_add_function, after_all=_untouch),
    Variant("one-file-code-daemon", "as `one-file-code`, fastapi-lint with `--daemon` (its background process, "
            "started by the untimed run, keeps the project between runs; its memory is not in the peak RSS); "
            "the other tools as in `one-file-code`",
            args=lambda t: ([*t.cache_args, *(["--daemon"] if t.name == "fastapi-lint" else [])]
                            if t.no_cache is not None and t.name != "fastapi-lint-all" else None),
            before_all=_warm_up, before_each=_add_function, after_all=_stop_daemon),
    Variant("single-file", "one file of about 600 lines, alone in a folder, no cache: a pre-commit or editor run",
            args=lambda t: t.no_cache or [], workdir=lambda ctx: ctx.single_dir),
]


def single_file_dir(files: list[Path], lines: int = 600) -> tuple[Path, Path, int] | None:
    """A temporary folder holding a copy of the corpus file nearest ``lines`` long: (folder, file, its lines)."""
    counted = [(abs(count_lines([f]) - lines), f) for f in files]
    if not counted:
        return None
    _, chosen = min(counted, key=lambda pair: (pair[0], str(pair[1])))
    folder = Path(tempfile.mkdtemp(prefix="bench-single-"))
    shutil.copyfile(chosen, folder / chosen.name)
    return folder, chosen, count_lines([chosen])


# --------------------------------------------------------------------------------------------------
# Running


@dataclass
class Sample:
    wall: float
    cpu: float
    maxrss_kb: int
    code: int
    load1: float = 0.0  # 1-minute load average when the run started (other work on the machine)
    findings: int | None = None


def run_once(argv: list[str], cwd: Path, stdout_path: str) -> Sample:
    load1 = os.getloadavg()[0]
    with open(stdout_path, "wb") as out, open(stdout_path + ".err", "wb") as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(argv, cwd=cwd, stdout=out, stderr=err, stdin=subprocess.DEVNULL)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)  # so Popen does not wait again
    # ru_maxrss is in KiB on Linux.
    return Sample(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss, proc.returncode, load1)


@dataclass
class Result:
    label: str
    variant: str
    kind: str
    status: str = "ok"  # ok | skipped | failed
    note: str = ""
    version: str = ""
    argv: list[str] = field(default_factory=list)
    samples: list[Sample] = field(default_factory=list)
    findings: int | None = None

    @property
    def median(self) -> float | None:
        return statistics.median(s.wall for s in self.samples) if self.samples else None

    @property
    def best(self) -> float | None:
        return min(s.wall for s in self.samples) if self.samples else None

    @property
    def cpu(self) -> float | None:
        return statistics.median(s.cpu for s in self.samples) if self.samples else None

    @property
    def rss_mb(self) -> float | None:
        return max(s.maxrss_kb for s in self.samples) / 1024 if self.samples else None


def time_tool(ctx: Ctx, tool: Tool, variant: Variant, runs: int, budget: float, log) -> Result:
    res = Result(tool.name, variant.name, tool.kind, note=tool.note)
    exe = tool.exe(ctx)
    if exe is None:
        res.status, res.note = "skipped", "not installed (not on --peers-bin / --fastapi-lint / PATH)"
        return res
    extra = variant.args(tool)
    if extra is None:
        res.status, res.note = "skipped", f"no {variant.name} mode"
        return res
    cwd = variant.workdir(ctx)
    if cwd is None:
        res.status, res.note = "skipped", f"no folder for {variant.name}"
        return res
    argv = tool.argv(ctx, exe)
    argv = argv[:-1] + extra + argv[-1:]  # the path stays last
    res.argv = argv
    res.version = tool.version(ctx, exe) if tool.version else ""
    try:
        variant.before_all(ctx, tool, argv)
        with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
            out_path = os.path.join(tmp, "out")
            spent = 0.0
            for i in range(runs):
                variant.before_each(ctx, tool, argv)
                s = run_once(argv, cwd, out_path)
                spent += s.wall
                log(f"  {tool.name} [{variant.name}] run {i + 1}/{runs}: {s.wall:.2f}s "
                    f"cpu {s.cpu:.2f}s rss {s.maxrss_kb / 1024:.0f}MB exit {s.code} load {s.load1:.2f}")
                if s.code not in tool.ok_codes:
                    err = Path(out_path + ".err").read_text(errors="replace").strip().splitlines()
                    res.status = "failed"
                    res.note = f"exit {s.code}: " + (" | ".join(err[-3:]) if err else "(no stderr)")
                    return res
                res.samples.append(s)
                if tool.count:
                    s.findings = tool.count(Path(out_path).read_text(errors="replace"))
                    if i == 0:
                        res.findings = s.findings
                if spent + s.wall > budget and i + 1 < runs:
                    res.note += f"; stopped after {i + 1} of {runs} runs (--tool-budget {budget:.0f}s)"
                    break
    finally:
        variant.after_all(ctx, tool)  # leave the corpus as found
    counts = [s.findings for s in res.samples]
    if len(set(counts)) > 1:  # the same tree should give the same findings on every run
        res.note += f"; **findings differ between runs: {counts}**"
    return res


# --------------------------------------------------------------------------------------------------
# Parse micro-measures (each mode in its own interpreter; that interpreter runs this file)

PARSE_MODES = ("ast", "libcst", "libcst+positions")


def parse_worker(mode: str, list_file: str) -> None:
    paths = Path(list_file).read_text().splitlines()
    sources = []
    for p in paths:
        with open(p, "rb") as fh:
            sources.append(fh.read())
    if mode == "ast":
        import ast

        def one(src: bytes) -> None:
            ast.parse(src)
    else:
        import libcst
        from libcst.metadata import MetadataWrapper, PositionProvider

        if mode == "libcst":
            def one(src: bytes) -> None:
                libcst.parse_module(src)
        else:
            def one(src: bytes) -> None:
                MetadataWrapper(libcst.parse_module(src)).resolve(PositionProvider)
    failed = 0
    t0 = time.perf_counter()
    for src in sources:
        try:
            one(src)
        except Exception:  # noqa: BLE001 - a file a parser rejects is counted, not fatal
            failed += 1
    elapsed = time.perf_counter() - t0
    json.dump({"seconds": elapsed, "failed": failed, "files": len(sources)}, sys.stdout)


def parse_measures(files: list[Path], python: str, log) -> list[dict]:
    out = []
    with tempfile.TemporaryDirectory(prefix="bench-parse-") as tmp:
        list_file = os.path.join(tmp, "files.txt")
        Path(list_file).write_text("\n".join(str(f.resolve()) for f in files))
        for mode in PARSE_MODES:
            argv = [python, str(Path(__file__).resolve()), "--parse-worker", mode, list_file]
            s = run_once(argv, Path(tmp), os.path.join(tmp, "out"))
            row = {"mode": mode, "maxrss_kb": s.maxrss_kb, "code": s.code}
            if s.code == 0:
                row.update(json.loads(Path(tmp, "out").read_text()))
                log(f"  parse {mode}: {row['seconds']:.2f}s rss {s.maxrss_kb / 1024:.0f}MB "
                    f"failed {row['failed']}")
            else:
                err = Path(tmp, "out.err").read_text(errors="replace").strip().splitlines()
                row["error"] = err[-1] if err else f"exit {s.code}"
                log(f"  parse {mode}: FAILED {row['error']}")
            out.append(row)
    return out


# --------------------------------------------------------------------------------------------------
# Report


def _fmt(x: float | None, spec: str) -> str:
    return "–" if x is None else format(x, spec)


def ratio_text(subject: float, other: float) -> str:
    """fastapi-lint's time over the other's (below 1: fastapi-lint is faster)."""
    r = subject / other
    return f"{r:.2f} ({1 / r:.1f}× faster)" if r < 1 else f"{r:.2f} ({r:.1f}× slower)"


def render(meta: dict, results: list[Result], parses: list[dict], lines: int) -> str:
    md = [f"# {meta['corpus']} — {meta['date']}", ""]
    md += [(f"- corpus: `{meta['corpus_path']}`{(' at ' + meta['corpus_rev']) if meta['corpus_rev'] else ''}: "
           f"{meta['files']} Python files, {meta['lines']} lines"),
           f"- machine: {meta['machine']}",
           f"- fastapi-lint: {meta['fastapi_lint_rev']} (`{meta['fastapi_lint_exe']}`)",
           f"- one-file-comment and one-file-code edit `{meta['touch_file']}` (the largest file unless --touch-file)",
           f"- single-file lints a copy of `{meta['single_file']}`, alone in a temporary folder, with each tool's cache off",
           (f"- runs per tool: {meta['runs']} (median wall time; CPU = user+system of the process tree, "
           f"median; RSS = peak of the largest single process)"),
           (f"- 1-minute load average at the start of the timed runs: min {meta['load_min']:.2f}, "
           f"max {meta['load_max']:.2f} (on a shared machine this is other work competing for the CPUs; "
           f"CPU seconds are less sensitive to it than wall seconds)"), ""]
    for variant in VARIANTS:
        rows = [r for r in results if r.variant == variant.name]
        if not rows:
            continue
        base = next((r for r in rows if r.label == "fastapi-lint" and r.median), None)
        md += [f"## Variant `{variant.name}`: {variant.description}", "",
               ("| tool | version | runs | median s | min s | CPU s | lines/s | peak RSS MB | findings "
               "| fastapi-lint ÷ tool (wall) | fastapi-lint ÷ tool (CPU) | note |"),
               "|---|---|--:|--:|--:|--:|--:|--:|--:|---|---|---|"]
        for r in rows:
            if r.status == "skipped" and r.note.startswith("no "):
                continue  # the tool has no such mode: nothing to show
            if r.status != "ok":
                md.append(f"| {r.label} | {r.version} | 0 | – | – | – | – | – | – | – | – | **{r.status}**: {r.note} |")
                continue
            if r is base:
                ratio = ratio_cpu = "(subject)"
            else:
                ratio = ratio_text(base.median, r.median) if base else "–"
                ratio_cpu = ratio_text(base.cpu, r.cpu) if base and r.cpu else "–"
            md.append(f"| {r.label} | {r.version} | {len(r.samples)} | {r.median:.2f} | {r.best:.2f} "
                      f"| {r.cpu:.2f} | {lines / r.median:,.0f} | {r.rss_mb:.0f} | {_fmt(r.findings, 'd')} "
                      f"| {ratio} | {ratio_cpu} | {r.note.lstrip('; ')} |")
        md.append("")
    if parses:
        md += ["## Parse cost of every file (one pass, one process, files read beforehand)", "",
               "| parser | seconds | lines/s | peak RSS MB | files rejected | × ast |",
               "|---|--:|--:|--:|--:|--:|"]
        ast_s = next((p["seconds"] for p in parses if p["mode"] == "ast" and "seconds" in p), None)
        for p in parses:
            if "seconds" not in p:
                md.append(f"| {p['mode']} | – | – | – | – | failed: {p.get('error')} |")
                continue
            times = f"{p['seconds'] / ast_s:.1f}" if ast_s else "–"
            md.append(f"| {p['mode']} | {p['seconds']:.2f} | {lines / p['seconds']:,.0f} "
                      f"| {p['maxrss_kb'] / 1024:.0f} | {p['failed']} | {times} |")
        md.append("")
    md += ["Commands (run with the corpus as working directory; `single-file` in its temporary folder):", ""]
    md += [f"- {r.label} [{r.variant}]: `{' '.join(r.argv)}`" for r in results if r.argv]
    return "\n".join(md) + "\n"


def _git_rev(repo: Path) -> str:
    try:
        rev = subprocess.run(["git", "-C", str(repo), "rev-parse", "--short", "HEAD"],
                             check=False, capture_output=True, text=True, timeout=30).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(repo), "status", "--porcelain", "--untracked-files=no",
                                "--", "fastapi_lint"], check=False, capture_output=True, text=True, timeout=30).stdout
        return f"{rev}{' + uncommitted changes in fastapi_lint/' if dirty.strip() else ''}" if rev else "?"
    except Exception:  # noqa: BLE001
        return "?"


def main(argv: list[str] | None = None) -> int:
    if argv is None:
        argv = sys.argv[1:]
    if argv[:1] == ["--parse-worker"]:
        parse_worker(argv[1], argv[2])
        return 0
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("corpus", type=Path, help="folder to lint (e.g. bench/corpora/dispatch)")
    ap.add_argument("--runs", type=int, default=5, help="timed runs per tool (median); default 5")
    ap.add_argument("--tool-budget", type=float, default=900.0,
                    help="stop repeating a tool once its runs add up past this many seconds (default 900)")
    ap.add_argument("--peers-bin", type=Path, default=None,
                    help="folder holding ruff, flake8, hydroid (e.g. /work/bench-venv/bin); else PATH")
    ap.add_argument("--fastapi-lint", default=None, help="the fastapi-lint executable; else PATH")
    ap.add_argument("--fastapi-lint-rev", default=None,
                    help="label for the fastapi-lint measured (e.g. the commit a --fastapi-lint snapshot was "
                         "installed from); default: this repository's git HEAD, and whether fastapi_lint/ has "
                         "uncommitted changes")
    ap.add_argument("--hydroid-python", default=None,
                    help="virtualenv with fastapi installed, passed to hydroid --python")
    ap.add_argument("--parse-python", default=sys.executable,
                    help="interpreter (with libcst) for the parse measures; default this one")
    ap.add_argument("--no-parse", action="store_true", help="skip the parse measures")
    ap.add_argument("--tools", default=None,
                    help="comma-separated subset of tool labels to run (default all): "
                         + ", ".join(t.name for t in TOOLS))
    ap.add_argument("--variants", default=None,
                    help="comma-separated subset of variants (default all): " + ", ".join(v.name for v in VARIANTS))
    ap.add_argument("--touch-file", type=Path, default=None,
                    help="file the one-file-* variants edit, relative to the corpus (default: its largest .py file); "
                         "it is restored afterwards")
    ap.add_argument("--corpus-rev", default="", help="label for the corpus revision (e.g. its git commit)")
    ap.add_argument("--out-dir", type=Path, default=HERE / "results")
    args = ap.parse_args(argv)
    # fastapi-lint's runs are timed in their own process: a one-file run that took a second would
    # otherwise leave a background process that answers the next ones (``one-file-code-daemon``
    # times that route, with --daemon, which wins over this).
    os.environ["FASTAPI_LINT_DAEMON"] = "0"

    corpus = args.corpus.resolve()
    if not corpus.is_dir():
        ap.error(f"{corpus} is not a folder")

    def log(msg: str) -> None:
        print(msg, file=sys.stderr, flush=True)

    files = python_files(corpus)
    lines = count_lines(files)
    touch = max(files, key=lambda f: f.stat().st_size, default=None)
    if args.touch_file is not None:  # relative to the corpus, or else to the working folder
        touch = (corpus / args.touch_file if (corpus / args.touch_file).is_file() else args.touch_file).resolve()
    cfg_dir = Path(tempfile.mkdtemp(prefix="bench-config-"))
    single = single_file_dir(files)
    ctx = Ctx(corpus, args.fastapi_lint, args.peers_bin, args.hydroid_python, touch,
              fastapi_lint_config(corpus, cfg_dir), single[0] if single else None)
    wanted_tools = set(args.tools.split(",")) if args.tools else None
    wanted_variants = set(args.variants.split(",")) if args.variants else None
    date = _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d")
    meta = {
        "corpus": corpus.name, "corpus_path": str(corpus), "corpus_rev": args.corpus_rev,
        "files": len(files), "lines": lines, "date": date, "runs": args.runs,
        "machine": f"{os.cpu_count()} CPUs (nproc {len(os.sched_getaffinity(0))}), {platform.machine()}, "
                   f"{platform.system()} {platform.release()}, Python {platform.python_version()}",
        "fastapi_lint_rev": args.fastapi_lint_rev or _git_rev(HERE.parent),
        "fastapi_lint_exe": args.fastapi_lint or shutil.which("fastapi-lint") or "not found",
        "touch_file": str(touch.relative_to(corpus)) if touch and touch.is_relative_to(corpus) else str(touch),
        "single_file": f"{single[1].relative_to(corpus)} ({single[2]} lines)" if single else "none",
    }
    log(f"{corpus.name}: {len(files)} files, {lines} lines")

    results: list[Result] = []
    for variant in VARIANTS:
        if wanted_variants and variant.name not in wanted_variants:
            continue
        for tool in TOOLS:
            if wanted_tools and tool.name not in wanted_tools:
                continue
            if tool.only is not None and variant.name not in tool.only:
                continue
            results.append(time_tool(ctx, tool, variant, args.runs, args.tool_budget, log))
    parses = [] if args.no_parse else parse_measures(files, args.parse_python, log)

    end_rev = args.fastapi_lint_rev or _git_rev(HERE.parent)
    if end_rev != meta["fastapi_lint_rev"]:
        meta["fastapi_lint_rev"] += f" at the start, {end_rev} at the end (the code changed during the run)"
    loads = [s.load1 for r in results for s in r.samples] or [os.getloadavg()[0]]
    meta["load_min"], meta["load_max"] = min(loads), max(loads)
    report = render(meta, results, parses, lines)
    print(report)
    args.out_dir.mkdir(parents=True, exist_ok=True)
    stem = args.out_dir / f"{corpus.name}-{date}"
    Path(f"{stem}.md").write_text(report)
    raw = {"meta": meta, "parse": parses,
           "results": [{**{k: v for k, v in r.__dict__.items() if k != "samples"},
                        "samples": [s.__dict__ for s in r.samples]} for r in results]}
    Path(f"{stem}.json").write_text(json.dumps(raw, indent=1))
    shutil.rmtree(cfg_dir, ignore_errors=True)
    if single:
        shutil.rmtree(single[0], ignore_errors=True)
    log(f"wrote {Path(f'{stem}.md')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
