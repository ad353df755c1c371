"""What one edit costs in the edit loop: a ``ProjectSession`` (an editor's long-lived process) and
the CLI's one-file run (what pre-commit does), on a copy of a real project.

    python bench/incremental.py /work/corpora/prefect --runs 7

The project is copied to a temporary folder first (``.py`` files and ``pyproject.toml``s only), so
the corpus itself is never edited. The edit is the one issue 16 names: a sync helper that an async
route in another file calls gains a call to a project function that blocks (found in the project:
a sync module-level function with a witness, callable without arguments); the route's file then
gets FAS102. It is made and taken back ``--runs`` times. With ``--library`` the helper gains
``time.sleep(...)`` instead (its ``import time`` in the body, as an editor's quick edit writes it):
a call into a library that moves no function between places (``analysis/scope_cutoff.py``).

Measured, each as the median (and p95 where it matters) of the runs:

- session, add / remove: ``set_text(helper, edited)`` then ``diagnostics()`` (every file's findings,
  the edited file's and the route's among them), in this process; the same for a comment line
  added to the helper and taken away (an edit that changes no fact); with the session's memory of
  past checks, and with a memory of the last check only (taking the call away is then not an undo);
- CLI one-file, add / remove: ``fastapi-lint HELPER`` run in the project after the edit is written
  to disk, the cache warm (the previous run's), as a child process's wall time;
- CLI one-file after a stash: another file (not the helper) gains a function on disk (as
  pre-commit's stash of unstaged work changes a file), then ``fastapi-lint HELPER``; and back.

Every answer is checked against a fresh full run of the same text before it is timed (``--no-check``
skips that), so a fast wrong answer cannot pass as a result. Standard library only (the package under
test aside, imported as installed: ``PYTHONPATH=/some/copy`` times another build, in this process and
in the CLI's); not a timed test. Times depend on the machine and its load: the 1-minute load average is
printed with them.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from fastapi_lint.analysis.facts import ModuleSummary
from fastapi_lint.api import ProjectSession
from fastapi_lint.config import find_pyproject, load
from fastapi_lint.reporters.json import as_dict


@dataclass
class Edit:
    helper: Path  # the file edited
    route_file: str  # display path of the route that gains FAS102
    original: bytes
    edited: bytes
    other: Path  # the file a stash changes
    at: tuple[int, str, str]  # the helper's def line, the blocker's module and name
    library: bool = False  # the helper gains ``time.sleep`` instead (``--library``)

    def edited_for(self, run: int) -> bytes:
        """The edit, with a name of its own in each run, so that no run repeats another's facts."""
        found = _with_call(self.original, *self.at, alias=f"_bench_blocker{run}",
                           seconds=0.01 + run / 1000 if self.library else None)
        assert found is not None
        return found

    @property
    def commented(self) -> bytes:
        """The helper with a comment line more at the top: an edit that changes no fact."""
        return b"# a comment\n" + self.original


def copy_project(source: Path, into: Path) -> Path:
    def ignore(folder: str, names: list[str]) -> set[str]:
        return {n for n in names if n.startswith(".") or (not n.endswith((".py", ".toml")) and not (Path(folder) / n).is_dir())}

    target = into / source.name
    shutil.copytree(source, target, ignore=ignore, symlinks=True)
    return target


def find_edit(session: ProjectSession, root: Path, tries: int = 12) -> Edit:
    """A sync helper called by an async route handler in another module, which does not block,
    and a module-level sync function of the same top package that waits on a peer and takes no
    arguments; the first pair (of ``tries``) with which the route's file gains a FAS102."""
    from fastapi_lint.analysis.catalog.blocking import Tier

    context = session.check().context
    assert context is not None
    graph, project = context.callgraph, context.project
    blockers: dict[str, list[tuple[int, str]]] = {}
    for located in project.all_functions():
        function = located.function
        if (function.is_async or function.class_path is not None or function.parent_path is not None
                or any(param.default is None for param in function.params)):
            continue
        witness = graph.witness(function.path)
        if witness is not None and witness.tier == Tier.WAIT:
            top = located.module.module.partition(".")[0]
            blockers.setdefault(top, []).append((len(witness.steps), function.path))
    files = session.files()
    before = session.diagnostics()
    for route in sorted(context.model.routes, key=lambda r: (r.handler.module.path, r.handler.function.path)):
        if not route.handler.function.is_async or any(d.code == "FAS102" for d in before.get(route.handler.module.path, [])):
            continue
        for _, callee in graph.edges(route.handler.function.path):
            helper = project.function(callee)
            if (helper is None or helper.function.is_async or helper.module.path == route.handler.module.path
                    or helper.function.parent_path is not None or graph.witness(callee) is not None
                    or helper.module.path not in files):
                continue
            candidates = sorted(blockers.get(helper.module.module.partition(".")[0], []))
            if not candidates:
                continue
            blocker = project.functions[candidates[0][1]]
            path = files[helper.module.path]
            edited = _with_call(path.read_bytes(), helper.function.span.line, blocker.module.module, blocker.function.name)
            if edited is None:
                continue
            session.set_text(path, edited)
            gained = any(d.code == "FAS102" for d in session.diagnostics().get(route.handler.module.path, []))
            session.set_text(path, None)
            if gained:
                others = sorted(p for shown, p in files.items() if shown not in (helper.module.path, route.handler.module.path))
                return Edit(path, route.handler.module.path, path.read_bytes(), edited, others[len(others) // 2],
                            (helper.function.span.line, blocker.module.module, blocker.function.name))
            tries -= 1
            if tries == 0:
                raise SystemExit("no edit found that gives a route FAS102")
    raise SystemExit("no async route calling a sync helper in another module")


def _with_call(data: bytes, def_line: int, module: str, name: str, alias: str = "_bench_blocker",
               seconds: float | None = None) -> bytes | None:
    """``data`` with a call of ``module.name`` (imported as ``alias``) first in the body of the
    function defined at ``def_line``, after its docstring; with ``seconds``, ``time.sleep(seconds)``
    and its import instead."""
    text = data.decode("utf-8")
    try:
        tree = ast.parse(text)
    except SyntaxError:  # newer syntax than this Python reads (polar's PEP 695 classes): another helper
        return None
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and node.lineno <= def_line <= node.body[0].lineno and node.body[0].lineno > node.lineno:
            first = node.body[0]
            docstring = isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str)
            lines = text.splitlines(keepends=True)
            at = (first.end_lineno or first.lineno) if docstring else first.lineno - 1
            indent = " " * first.col_offset
            call = (f"{indent}import time\n{indent}time.sleep({seconds})\n" if seconds is not None
                    else f"{indent}from {module} import {name} as {alias}\n{indent}{alias}()\n")
            return "".join([*lines[:at], call, *lines[at:]]).encode("utf-8")
    return None


def _with_function(data: bytes, run: int | None = None) -> bytes:
    """``data`` with a module-level function appended (named for the run, when given)."""
    name = "_bench_stashed" if run is None else f"_bench_added{run}"
    return data + f"\n\ndef {name}() -> int:\n    return len([1, 2])\n".encode()


# CPU seconds of each timed step, by the list its wall time went to: on a shared machine the
# wall time says more about the other processes than about this one.
CPU: dict[int, list[float]] = {}


def timed(action, into: list[float] | None = None) -> float:  # type: ignore[no-untyped-def]
    started, cpu = time.perf_counter(), time.process_time()
    action()
    if into is not None:
        CPU.setdefault(id(into), []).append(time.process_time() - cpu)
    return time.perf_counter() - started


def _children_cpu() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


ROUTES = {"here": ["--no-daemon"], "daemon": ["--daemon"], "default": []}


def cli(tool: list[str], root: Path, target: Path, into: list[float] | None = None, route: str = "here") -> tuple[float, str]:
    """A one-file run's wall time and findings: in its own process (``here``), handed to the
    background process (``daemon``), or as the command line does it unasked (``default``)."""
    started, cpu = time.perf_counter(), _children_cpu()
    background = ROUTES[route]
    done = subprocess.run([*tool, "check", str(target.relative_to(root)), "--format", "concise", "--exit-zero", *background],
                          cwd=root, capture_output=True, text=True, check=False)
    took = time.perf_counter() - started
    if into is not None:  # the process and the workers it reaped
        CPU.setdefault(id(into), []).append(_children_cpu() - cpu)
    if done.returncode != 0:
        raise SystemExit(f"fastapi-lint failed: {done.stderr[-2000:]}")
    return took, done.stdout


def fresh(tool: list[str], root: Path) -> dict[str, list[dict[str, object]]]:
    """A full run's findings, without a cache, in a child process (this one's memory stays the session's)."""
    done = subprocess.run([*tool, "check", ".", "--no-cache", "--format", "json", "--exit-zero"],
                          cwd=root, capture_output=True, text=True, check=True)
    found: dict[str, list[dict[str, object]]] = {}
    for d in json.loads(done.stdout):
        d.pop("fix")  # the CLI's report shows a fix only where it may apply one
        found.setdefault(d["path"], []).append(d)
    return found


def session_view(session: ProjectSession) -> dict[str, list[dict[str, object]]]:
    """The session's findings as the JSON report gives them (chains and help included)."""
    return {path: [{k: v for k, v in as_dict(d).items() if k != "fix"} for d in found]
            for path, found in session.diagnostics().items() if found}


def summary(name: str, samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    cpu = CPU.get(id(samples))
    spent = f"   cpu median {statistics.median(cpu):7.3f} s" if cpu else ""
    return (f"{name:<34} median {statistics.median(samples):7.3f} s   p95 {p95:7.3f} s   min {ordered[0]:7.3f} s{spent}"
            f"   (n={len(samples)})")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("project", type=Path)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--fastapi-lint", default=None, help="the CLI to time (default: this Python's -m fastapi_lint)")
    ap.add_argument("--no-check", action="store_true", help="do not compare answers with fresh full runs")
    ap.add_argument("--no-cli", action="store_true")
    ap.add_argument("--no-session", action="store_true", help="time the CLI only")
    ap.add_argument("--library", action="store_true",
                    help="the helper gains time.sleep(...) (its import in the body) instead of a call to the project's "
                         "blocking function: an edit that moves no function between places (scope_cutoff.py)")
    ap.add_argument("--daemon", action="store_true",
                    help="also time each CLI run with --daemon (its background process), after the plain one")
    ap.add_argument("--default", action="store_true",
                    help="also time each CLI run with neither --daemon nor --no-daemon (the first, slow, leaves the "
                         "process behind; the bench waits for it to hold the project, as a next commit would find it)")
    args = ap.parse_args()
    tool = [args.fastapi_lint] if args.fastapi_lint else [sys.executable, "-m", "fastapi_lint"]
    with tempfile.TemporaryDirectory() as folder:
        root = copy_project(args.project.resolve(), Path(folder))
        os.chdir(root)
        config = load(find_pyproject([root]))
        session = ProjectSession(root, config, cache_dir=None, jobs=None)
        print(f"load {os.getloadavg()[0]:.2f}; reading {root.name}...", flush=True)
        took = timed(session.refresh)
        files = len(session.files())
        parsed = sum(1 for p in session.files().values() if isinstance(session.summary(p), ModuleSummary))
        print(f"session: {files} files ({parsed} parsed) read in {took:.1f} s", flush=True)
        print(summary("session first check", [timed(session.check)]))
        edit = find_edit(session, root)
        edit.library = args.library
        print(f"edit: {edit.helper.relative_to(root)} calls {'time.sleep' if edit.library else 'a blocking helper'}; "
              f"route in {edit.route_file}; "
              f"stash changes {edit.other.relative_to(root)}", flush=True)
        from fastapi_lint.run import session as session_module

        remembered = getattr(session_module, "HISTORY", 1)
        for history in ([] if args.no_session else sorted({remembered, 1}, reverse=True)):
            # With a history, taking the call away again is an undo: the check before it is carried
            # over. With none (1: the last check only), every step runs what the change needs.
            session_module.HISTORY = history  # type: ignore[attr-defined]
            add: list[float] = []
            remove: list[float] = []
            comment: list[float] = []
            uncomment: list[float] = []
            define: list[float] = []
            undefine: list[float] = []
            carried = 0
            for run in range(args.runs):
                steps = ((edit.edited_for(run), add), (edit.original, remove), (edit.commented, comment), (edit.original, uncomment),
                         (_with_function(edit.original, run), define), (edit.original, undefine))
                for text, into in steps:
                    def step() -> None:
                        session.set_text(edit.helper, text)
                        session.diagnostics()
                    into.append(timed(step, into))
                    carried += bool(getattr(session.check(), "carried_over", False))
                    if run == 0 and not args.no_check:
                        edit.helper.write_bytes(text)
                        if session_view(session) != fresh(tool, root):
                            raise SystemExit("the session's findings differ from a fresh full run's")
                        gained = any(d["code"] == "FAS102" for d in session_view(session).get(edit.route_file, []))
                        print(f"  checked against a full run; route has FAS102: {gained}; "
                              f"carried over: {getattr(session.check(), 'carried_over', False)}", flush=True)
                        edit.helper.write_bytes(edit.original)
            print(f"session, checks remembered: {history}; load {os.getloadavg()[0]:.2f}; carried over {carried} of {6 * args.runs}")
            print(summary("  add blocking call", add))
            print(summary("  remove it", remove))
            print(summary("  comment added (no fact)", comment))
            print(summary("  comment removed", uncomment))
            print(summary("  function added (a new def)", define))
            print(summary("  function deleted", undefine))
        session_module.HISTORY = remembered  # type: ignore[attr-defined]
        session.set_text(edit.helper, None)
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"session peak RSS {rss:.0f} MB (this process)")
        if args.no_cli:
            return 0
        os.environ.pop("FASTAPI_LINT_DAEMON", None)  # each route says which it takes
        cli(tool, root, edit.helper)  # warm the cache
        rows = ("CLI one-file, add blocking call", "CLI one-file, remove it", "CLI one-file, another file stashed",
                "CLI one-file, stash popped")
        times: dict[str, list[float]] = {row: [] for row in rows}
        routes = [route for route, asked in (("daemon", args.daemon), ("default", args.default)) if asked]
        for route in routes:
            for row in rows:
                times[f"{row} ({route})"] = []
        if args.daemon:
            print(summary("CLI --daemon, first run (starts the process)", [cli(tool, root, edit.helper, route="daemon")[0]]))
        if args.default:
            if args.daemon:  # that process would serve the default route too
                subprocess.run([*tool, "daemon", "stop"], cwd=root, capture_output=True, check=False)
            edit.helper.write_bytes(edit.edited_for(args.runs))  # a fact changed: a slow run here
            print(summary("CLI default, first run (leaves a process)", [cli(tool, root, edit.helper, route="default")[0]]))
            edit.helper.write_bytes(edit.original)
            ready = time.perf_counter()
            while "no background process" in subprocess.run([*tool, "daemon", "status"], cwd=root, capture_output=True,
                                                             text=True, check=False).stdout:
                if time.perf_counter() - ready > 60:
                    raise SystemExit("the default route left no background process")
                time.sleep(0.05)
            print(f"  the process held the project {time.perf_counter() - ready:.2f} s later", flush=True)
        other = edit.other.read_bytes()
        for run in range(args.runs):
            steps = ((edit.helper, edit.edited_for(run), rows[0]), (edit.helper, edit.original, rows[1]),
                     (edit.other, _with_function(other), rows[2]), (edit.other, other, rows[3]))
            for file, text, row in steps:
                file.write_bytes(text)
                took, out = cli(tool, root, edit.helper, times[row])
                times[row].append(took)
                for route in routes:
                    took, answered = cli(tool, root, edit.helper, times[f"{row} ({route})"], route=route)
                    times[f"{row} ({route})"].append(took)
                    if answered != out and not args.no_check:
                        raise SystemExit(f"the {route} route answered otherwise than a run here after: {row}\n"
                                         f"{answered}\n{out}")
        if routes:
            subprocess.run([*tool, "daemon", "stop"], cwd=root, capture_output=True, check=False)
        print(f"load {os.getloadavg()[0]:.2f}")
        for row, took in times.items():
            print(summary(row, took))
    return 0


if __name__ == "__main__":
    sys.exit(main())
