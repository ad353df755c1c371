#!/usr/bin/env python3
"""Edit a real project at random and check that a cached run answers what a fresh run does.

Each step makes one edit of a kind people make (a comment, blank lines, a ``# noqa``, a call
re-wrapped, a line duplicated or deleted, a blocking call inserted, a function added) to one
file, most often a file that has findings or lies on a finding's chain, then runs
``fastapi-lint check --select ALL --format json`` twice: with the cache (the edit loop: carried
over, or the worker and the split child) and with ``--no-cache``. The outputs must be
byte-identical; the first difference is printed and stops the sweep. Every edited file is
restored at the end, whatever happens.

    python3 bench/edit_sweep.py bench/corpora/prefect --edits 20 --seed 1
    python3 bench/edit_sweep.py bench/corpora/dispatch --kinds sleep,function,duplicate,delete
    python3 bench/edit_sweep.py bench/corpora/prefect --save bench/results/sweep-before  # then -after, diff -r

With ``--save DIR`` each step's output is also written to ``DIR/NNN.json`` (the same seed makes the
same edits), so that two builds, before and after a refactor, can be compared byte for byte.

The fixture-sized version of this check runs in the test suite (tests/run/test_carry_over.py);
this one is for large trees, where the edit loop forks (300 files or more) and parses big files
in a worker (256 KB or more). It is not timed: speed lives in bench.py.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

KINDS = ("comment", "blank", "noqa", "noqa-code", "wrap", "duplicate", "delete", "sleep", "function")


def edit(text: str, kind: str, rng: random.Random) -> str:
    lines = text.splitlines(keepends=True) or ["\n"]
    at = rng.randrange(len(lines) + 1)
    line = lines[at] if at < len(lines) else ""
    indent = line[: len(line) - len(line.lstrip())]
    if kind == "comment":
        lines.insert(at, "# a note\n")
    elif kind == "blank":
        lines.insert(at, "\n")
    elif kind == "noqa" and line:
        lines[at] = line.rstrip("\n") + "  # noqa\n"
    elif kind == "noqa-code" and line:
        lines[at] = line.rstrip("\n") + "  # noqa: FAS101\n"
    elif kind == "wrap" and "(" in line:
        lines[at] = line.replace("(", "(\n        ", 1)
    elif kind == "duplicate" and line:
        lines.insert(at, line if line.endswith("\n") else line + "\n")
    elif kind == "delete" and line.strip().startswith(("return ", "await ")):
        lines[at] = indent + "pass\n"
    elif kind == "sleep":
        returns = [i for i, text in enumerate(lines) if text.lstrip().startswith(("return ", "await "))]
        if returns:
            i = rng.choice(returns)
            lines.insert(i, lines[i][: len(lines[i]) - len(lines[i].lstrip())] + "__import__('time').sleep(1)\n")
    elif kind == "function":
        lines.append("\n\nimport time\n\n\nasync def _added():\n    time.sleep(1)\n")
    return "".join(lines)


def lint(exe: str, corpus: Path, config: Path, *extra: str) -> str:
    argv = [exe, "check", "--config", str(config), "--select", "ALL", "--format", "json", "--exit-zero", *extra, "."]
    return subprocess.run(argv, cwd=corpus, capture_output=True, text=True, check=False).stdout


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("corpus", type=Path)
    ap.add_argument("--edits", type=int, default=20)
    ap.add_argument("--seed", default="edit sweep")
    ap.add_argument("--kinds", default=",".join(KINDS), help="comma-separated subset of: " + ", ".join(KINDS))
    ap.add_argument("--fastapi-lint", default=shutil.which("fastapi-lint") or "fastapi-lint")
    ap.add_argument("--save", type=Path, help="write each step's output to DIR/NNN.json, to compare two builds")
    args = ap.parse_args()
    corpus, rng = args.corpus.resolve(), random.Random(args.seed)
    kinds = [kind for kind in args.kinds.split(",") if kind in KINDS]
    with tempfile.TemporaryDirectory() as folder:
        config = Path(folder) / "pyproject.toml"  # the corpus's own settings would be fine too; none is simpler
        config.write_text("[tool.fastapi-lint]\n")
        files = sorted(p for p in corpus.rglob("*.py") if ".fastapi_lint_cache" not in p.parts)
        first = lint(args.fastapi_lint, corpus, config)
        if args.save is not None:
            args.save.mkdir(parents=True, exist_ok=True)
            (args.save / "000.json").write_text(first)
        findings = json.loads(first or "[]")
        hot = {corpus / d["path"] for d in findings} | {corpus / h["path"] for d in findings for h in d["chain"]}
        hot_files = sorted(p for p in hot if p.is_file())
        originals: dict[Path, bytes] = {}
        same = 0
        try:
            for step in range(1, args.edits + 1):
                path = rng.choice(hot_files) if hot_files and rng.random() < 0.8 else rng.choice(files)
                kind = rng.choice(kinds)
                originals.setdefault(path, path.read_bytes())
                text = path.read_text(encoding="utf-8", errors="surrogateescape")
                path.write_text(edit(text, kind, rng), encoding="utf-8", errors="surrogateescape")
                cached, fresh = lint(args.fastapi_lint, corpus, config), lint(args.fastapi_lint, corpus, config, "--no-cache")
                if args.save is not None:
                    (args.save / f"{step:03}.json").write_text(f"// {kind} {path.relative_to(corpus)}\n{fresh}")
                if cached != fresh:
                    print(f"DIFFERENT after a {kind} edit of {path.relative_to(corpus)}")
                    return 1
                same += 1
        finally:
            for path, data in originals.items():
                path.write_bytes(data)
    print(f"{same} of {args.edits} edits: the cached run answered what a fresh run does")
    return 0


if __name__ == "__main__":
    sys.exit(main())
