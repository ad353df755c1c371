#!/usr/bin/env python3
"""Edit a real project's function bodies at random in a ``ProjectSession`` (an editor's
long-lived process) and check every answer against a fresh full run: a check, not a timing.

    python bench/session_sweep.py /work/corpora/polar/server --edits 12 --seed 1

The project is copied to a temporary folder first. Each edit picks a file and a function in it
and adds a blocking call at the top of its body (with a local import), adds a call of one of
the module's functions, or replaces a one-line call statement with ``pass``: the edits whose
checks take the incremental path (``Project.inherit``, ``CallGraph.inherit``,
``scope_edges.kept_edges``). After each, the session's findings must equal ``lint_paths`` on the
files as they now are, and every answer the new linked project, call graph and scope edges took
from the last ones must equal the one a project linked afresh gives (the edit-sweep test's
``verify_inheritance``). Prints how many checks inherited and the wrong answers (none expected);
stops at the first difference in findings. An environment given by ``VIRTUAL_ENV`` is used as the
CLI would (calls into installed packages followed).
"""

from __future__ import annotations

import argparse
import ast
import os
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from incremental import copy_project  # noqa: E402

from fastapi_lint.api import ProjectSession, lint_paths  # noqa: E402
from fastapi_lint.config import find_pyproject, load  # noqa: E402
from fastapi_lint.diagnostics import Diagnostic  # noqa: E402
from tests.run.test_incremental import verify_inheritance  # noqa: E402


class _Patch:
    """``verify_inheritance`` patches as pytest's monkeypatch does (for the life of this process)."""

    def setattr(self, target: object, name: str, value: object) -> None:
        setattr(target, name, value)


def body_edit(text: str, rng: random.Random) -> tuple[str, str] | None:
    """``text`` with one function's body edited, and what was done; None: no function to edit."""
    try:
        tree = ast.parse(text)
    except SyntaxError:  # newer syntax than this Python reads
        return None
    functions = [node for node in ast.walk(tree) if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
                 and node.body and node.body[0].lineno > node.lineno]
    if not functions:
        return None
    function = rng.choice(functions)
    first = function.body[0]
    lines = text.splitlines(keepends=True)
    indent = " " * first.col_offset
    kind = rng.choice(["sleep", "call", "delete"])
    if kind == "delete":
        calls = [node for node in ast.walk(function) if isinstance(node, ast.Expr) and isinstance(node.value, ast.Call)
                 and node.lineno == node.end_lineno]
        if calls:
            call = rng.choice(calls)
            lines[call.lineno - 1] = " " * call.col_offset + "pass\n"
            return "".join(lines), f"a call taken out of {function.name}"
    own = [node.name for node in tree.body if isinstance(node, ast.FunctionDef)]
    if kind == "call" and own:
        added, what = f"{indent}{rng.choice(own)}()\n", "a call of the module's function"
    else:
        added, what = f"{indent}import time as _sweep_time\n{indent}_sweep_time.sleep(1)\n", "a sleep"
    at = first.lineno - 1
    return "".join([*lines[:at], added, *lines[at:]]), f"{what} added to {function.name}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("project", type=Path)
    parser.add_argument("--edits", type=int, default=12)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    inherited = verify_inheritance(_Patch())  # type: ignore[arg-type]
    rng = random.Random(args.seed)
    root = copy_project(args.project.resolve(), Path(tempfile.mkdtemp()))
    os.chdir(root)
    config = load(find_pyproject([root]))
    session = ProjectSession(root, config, cache_dir=None, jobs=None)
    session.refresh()
    session.check()
    files = sorted(session.files().values())
    started, done = time.monotonic(), 0
    while done < args.edits:
        path = rng.choice(files)
        made = body_edit(path.read_text(errors="replace"), rng)
        if made is None:
            continue
        text, what = made
        path.write_text(text)
        session.set_text(path, text.encode())
        got = {shown: found for shown, found in session.diagnostics().items() if found}
        expected: dict[str, list[Diagnostic]] = {}
        for diagnostic in lint_paths([root], config, cache_dir=None).diagnostics:
            expected.setdefault(diagnostic.path, []).append(diagnostic)
        if got != expected:
            raise SystemExit(f"edit {done} ({what}, {path.relative_to(root)}): the session differs from a full run")
        done += 1
    print(f"{args.project}: {done} edits, {len(inherited['projects'])} projects, {len(inherited['graphs'])} graphs and "
          f"{len(inherited['edges'])} placings inherited; wrong answers: {len(inherited['wrong'])} {inherited['wrong'][:5]}; "
          f"{time.monotonic() - started:.0f} s")


if __name__ == "__main__":
    main()
