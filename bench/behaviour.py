"""Record what a build reports on real trees, and compare two records: the proof a refactor owes.

    python bench/behaviour.py record --tree demo=fixtures/apps/demo --tree dispatch=/work/corpora/dispatch \\
        -o bench/results/behaviour-before.json
    python bench/behaviour.py compare bench/results/behaviour-before.json bench/results/behaviour-after.json

For each tree it runs the build's CLI (``python -m fastapi_lint`` of this Python, or ``--fastapi-lint``)
with no cache, from the tree's folder, and keeps:
- the findings of every rule everywhere (``--select ALL --scope all --format json``) and of the
  defaults (``--format json``), each with its chain, fix and help;
- the route map (``routes --format json``);
- ``--timings`` without what measures time or the machine (routes, functions, unresolved calls), then
  ``--statistics`` (findings per rule) as ``CODE: N`` lines by code: the form builds before
  ``--timings`` printed, so that records of either compare (for such a build, ``--statistics`` alone).
``compare`` prints every difference and exits 1 when there is one.
"""

from __future__ import annotations

import argparse
import json
import re
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

# --timings lines that measure time or depend on the machine, not on what was found.
_VOLATILE = re.compile(r"^(time |files: .* workers?\))")
# A rule's count: Ruff's ``--statistics`` line (``3<TAB>FAS101<TAB>[*] name``), or an older build's
# ``FAS101: 3`` among its statistics on stderr.
_RULE_COUNT = re.compile(r"^\s*(\d+)\t(\S+)\t\[[* ]\] |^(FAS\d+): (\d+)$")


def _run(command: list[str], cwd: Path, config: Path | None) -> subprocess.CompletedProcess[str]:
    extra = ["--config", str(config)] if config is not None else []
    return subprocess.run([*command, *extra], cwd=cwd, capture_output=True, text=True, check=False, timeout=3600)


def _json(done: subprocess.CompletedProcess[str]) -> Any:
    try:
        return json.loads(done.stdout)
    except json.JSONDecodeError:
        return {"unreadable": done.stdout[-2000:], "stderr": done.stderr[-2000:]}


def record_tree(tool: list[str], tree: Path) -> dict[str, Any]:
    # A tree without [tool.fastapi-lint] of its own is linted with an empty one, so that no
    # configuration above it (this repository's) applies.
    own = (tree / "pyproject.toml").is_file() and "fastapi-lint" in (tree / "pyproject.toml").read_text(errors="replace")
    with tempfile.TemporaryDirectory() as folder:
        config = None
        if not own:
            config = Path(folder) / "pyproject.toml"
            config.write_text("[tool.fastapi-lint]\n")
        everything = _run([*tool, "check", ".", "--no-cache", "--select", "ALL", "--scope", "all", "--format", "json",
                           "--exit-zero"], tree, config)
        default = _run([*tool, "check", ".", "--no-cache", "--format", "json", "--exit-zero"], tree, config)
        routes = _run([*tool, "routes", ".", "--format", "json"], tree, config)
        statistics = _run([*tool, "check", ".", "--no-cache", "--select", "ALL", "--scope", "all", "--statistics",
                           "--timings", "--format", "concise", "--exit-zero", "-q"], tree, config)
        if statistics.returncode == 2 and "--timings" in statistics.stderr:  # a build from before --timings
            statistics = _run([*tool, "check", ".", "--no-cache", "--select", "ALL", "--scope", "all",
                               "--statistics", "--format", "concise", "--exit-zero", "-q"], tree, config)
    stats = _statistics(statistics)
    return {
        "all": _json(everything),
        "default": _json(default),
        "routes": _json(routes),
        "statistics": stats,
        "exit": [everything.returncode, default.returncode, routes.returncode, statistics.returncode],
    }


def _statistics(done: subprocess.CompletedProcess[str]) -> list[str]:
    """The run facts that do not depend on the machine, then ``CODE: N`` per rule, by code."""
    facts: list[str] = []
    counts: dict[str, int] = {}
    for stream, line in [*(("stderr", line) for line in done.stderr.splitlines()),
                         *(("stdout", line) for line in done.stdout.splitlines())]:
        count = _RULE_COUNT.match(line)
        if count is not None:
            code, number = (count.group(2), count.group(1)) if count.group(1) else (count.group(3), count.group(4))
            counts[code] = int(number)
        elif stream == "stderr" and line and not _VOLATILE.match(line):
            facts.append(line)  # an older build's report (on stdout) is not a fact
    return [*facts, *(f"{code}: {counts[code]}" for code in sorted(counts))]


def record(args: argparse.Namespace) -> int:
    tool = shlex.split(args.fastapi_lint) if args.fastapi_lint else [sys.executable, "-m", "fastapi_lint"]
    found: dict[str, Any] = {}
    for given in args.tree:
        name, _, path = given.partition("=")
        print(f"recording {name} ...", file=sys.stderr)
        found[name] = record_tree(tool, Path(path).resolve())
    Path(args.output).parent.mkdir(parents=True, exist_ok=True)
    Path(args.output).write_text(json.dumps(found, indent=1, sort_keys=True))
    return 0


def compare(args: argparse.Namespace) -> int:
    old = json.loads(Path(args.old).read_text())
    new = json.loads(Path(args.new).read_text())
    differences = 0
    for name in sorted(set(old) | set(new)):
        if name not in old or name not in new:
            print(f"{name}: only in {'the new' if name in new else 'the old'} record")
            differences += 1
            continue
        for part in ("all", "default", "routes", "statistics", "exit"):
            before, after = old[name].get(part), new[name].get(part)
            if before == after:
                continue
            differences += 1
            if isinstance(before, list) and isinstance(after, list):
                gone = [item for item in before if item not in after]
                came = [item for item in after if item not in before]
                print(f"{name} {part}: {len(gone)} gone, {len(came)} new"
                      f"{' (same items, other order)' if not gone and not came else ''}")
                for item in gone[: args.show]:
                    print(f"  - {json.dumps(item, sort_keys=True)[:400]}")
                for item in came[: args.show]:
                    print(f"  + {json.dumps(item, sort_keys=True)[:400]}")
            else:
                print(f"{name} {part}: differs")
    print("identical" if not differences else f"{differences} difference(s)")
    return 1 if differences else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    rec = commands.add_parser("record", help="run a build on trees and record what it reports")
    rec.add_argument("--tree", action="append", required=True, help="NAME=PATH, repeatable")
    rec.add_argument("--fastapi-lint", help="command that runs the build (default: this Python's -m fastapi_lint)")
    rec.add_argument("-o", "--output", required=True)
    cmp = commands.add_parser("compare", help="compare two records; exit 1 on any difference")
    cmp.add_argument("old")
    cmp.add_argument("new")
    cmp.add_argument("--show", type=int, default=5, help="differing items to print per part")
    args = parser.parse_args()
    return record(args) if args.command == "record" else compare(args)


if __name__ == "__main__":
    sys.exit(main())
