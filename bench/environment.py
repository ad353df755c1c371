"""What the project's environment costs a run: ``fastapi-lint check`` without one, the first time
with one (the user cache of installed packages empty: every package it follows is read), and again
(the cache warm), each the median of ``--runs`` runs of a child process, with its peak memory.

    python bench/environment.py /work/corpora/reg/lnbits --python /work/envs/lnbits --runs 3

The project cache is off (``--no-cache``) in every run, so what differs is the environment alone;
the user cache of installed packages goes to a temporary folder (``XDG_CACHE_HOME``), emptied
before each cold run, so the real one is never read or written. The findings of the runs with the
environment are compared with each other (cold and warm must agree) and counted against the run
without it. Issue 17 asks for at most 2x cold and nothing measurable warm.

Standard library only; the tool is run as ``--fastapi-lint`` says (default: this Python's
``-m fastapi_lint``, so ``PYTHONPATH=/some/copy`` times another build). Not a timed test. Times
depend on the machine and its load: the 1-minute load average is printed with them.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

# A run in a parent of its own: RUSAGE_CHILDREN is then that run's peak, in KB (Linux) or bytes.
_MEASURED = """
import json, resource, subprocess, sys, time
start = time.perf_counter()
done = subprocess.run(sys.argv[1:], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
took = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
if sys.platform == "darwin":
    peak //= 1024
print(json.dumps({"seconds": took, "peak_kb": peak, "code": done.returncode,
                  "stdout": done.stdout.decode("utf-8", "replace"), "stderr": done.stderr.decode("utf-8", "replace")[-2000:]}))
"""


def _run(command: list[str], project: Path, user_cache: Path) -> dict[str, object]:
    env = dict(os.environ, XDG_CACHE_HOME=str(user_cache))
    env.pop("VIRTUAL_ENV", None)  # the environment is the one ``--python`` names, or none
    done = subprocess.run([sys.executable, "-c", _MEASURED, *command], cwd=project, env=env,
                          stdout=subprocess.PIPE, check=True)
    measured: dict[str, object] = json.loads(done.stdout)
    if measured["code"] not in (0, 1):
        raise SystemExit(f"fastapi-lint exited {measured['code']}: {measured['stderr']}")
    return measured


def _findings(measured: dict[str, object]) -> list[tuple[str, str, int, str]]:
    return sorted((item["path"], item["code"], item["line"], item["message"])
                  for item in json.loads(str(measured["stdout"])))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("project", type=Path, help="the project's folder (linted as `check .`)")
    parser.add_argument("--python", required=True, help="the project's environment (a virtualenv's folder or bin/python)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--fastapi-lint", default=f"{shlex.quote(sys.executable)} -m fastapi_lint",
                        help="command that runs fastapi-lint")
    args = parser.parse_args()
    project = args.project.resolve()
    python = str(Path(args.python).resolve()) if Path(args.python).exists() else args.python
    base = [*shlex.split(args.fastapi_lint), "check", ".", "--no-cache", "--exit-zero", "--format", "json", "-q"]
    modes = {"without": [*base, "--python", "none"], "cold": [*base, "--python", python],
             "warm": [*base, "--python", python]}
    results: dict[str, list[dict[str, object]]] = {mode: [] for mode in modes}
    with tempfile.TemporaryDirectory(prefix="fastapi-lint-env-bench-") as scratch:
        user_cache = Path(scratch) / "user-cache"
        for _ in range(args.runs):
            shutil.rmtree(user_cache, ignore_errors=True)
            for mode, command in modes.items():  # cold right after the emptying, warm after cold
                results[mode].append(_run(command, project, user_cache))
    with_env = {json.dumps(_findings(run)) for mode in ("cold", "warm") for run in results[mode]}
    if len(with_env) != 1:
        raise SystemExit("the runs with the environment disagree: cold and warm findings differ")
    without = _findings(results["without"][0])
    gained = len(_findings(results["cold"][0])) - len(without)

    def median(mode: str, key: str) -> float:
        return statistics.median(float(run[key]) for run in results[mode])  # type: ignore[arg-type]

    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"{project.name}: {args.runs} runs of each, load {load:.2f}")
    for mode in modes:
        print(f"  {mode:8} {median(mode, 'seconds'):6.2f} s  peak {median(mode, 'peak_kb') / 1024:6.0f} MB")
    print(f"  cold / without {median('cold', 'seconds') / median('without', 'seconds'):.2f}x, "
          f"warm / without {median('warm', 'seconds') / median('without', 'seconds'):.2f}x; "
          f"findings {len(without)} without, {gained:+d} with the environment")


if __name__ == "__main__":
    main()
