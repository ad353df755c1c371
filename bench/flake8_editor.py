#!/usr/bin/env python3
"""What an editor's long-lived flake8 costs per check: the plugin loaded once, one file checked
again and again after edits to another file of the project (an edit that changes no fact, and one
that adds a call), with the findings compared to a fresh process's.

    python bench/flake8_editor.py TREE FILE OTHER [--runs 5]

TREE is copied to a temporary folder first (it is edited); FILE is checked, OTHER is edited. Prints
the median time per check of each kind, and whether each check's findings equal a fresh run's.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("tree", type=Path)
    parser.add_argument("file")
    parser.add_argument("other")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    import os

    from fastapi_lint import flake8_plugin

    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder) / "tree"
        shutil.copytree(args.tree, root, ignore=shutil.ignore_patterns(".fastapi_lint_cache", ".git"))
        os.chdir(root)
        target, other = root / args.file, root / args.other
        lines = target.read_text(encoding="utf-8").splitlines(keepends=True)
        original = other.read_text(encoding="utf-8")

        def check() -> tuple[float, list[tuple[int, str]]]:
            started = time.perf_counter()
            found = flake8_plugin.Plugin(None, str(target.relative_to(root)), lines).diagnostics()  # type: ignore[arg-type]
            return time.perf_counter() - started, sorted((d.span.line, d.code) for d in found)

        def fresh() -> list[tuple[int, str]]:
            # as a new flake8 process starts: no project, and no look at its files yet
            saved = dict(flake8_plugin._PROJECTS), dict(flake8_plugin._LOOKED)
            flake8_plugin._PROJECTS.clear()
            flake8_plugin._LOOKED.clear()
            found = check()[1]
            flake8_plugin._PROJECTS.clear()
            flake8_plugin._LOOKED.clear()
            flake8_plugin._PROJECTS.update(saved[0])
            flake8_plugin._LOOKED.update(saved[1])
            return found

        first, _ = check()
        print(f"first check (summarizes the project): {first:.2f}s")
        timings: dict[str, list[float]] = {"no edit": [], "comment edit": [], "new call edit": []}
        agree = True
        for run in range(args.runs):
            for kind, text in (("no edit", None), ("comment edit", f"# edit {run}\n" + original),
                               ("new call edit", original + f"\n\ndef added_{run}():\n    return len([])\n")):
                if text is not None:
                    other.write_text(text, encoding="utf-8")
                    time.sleep(1.05)  # past the plugin's once-a-second look at the disk
                took, found = check()
                timings[kind].append(took)
                agree &= found == fresh()
        for kind, values in timings.items():
            print(f"{kind}: median {statistics.median(values):.3f}s over {len(values)}")
        print("findings equal a fresh run's after every edit:", agree)


if __name__ == "__main__":
    main()
