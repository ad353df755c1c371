#!/usr/bin/env python3
"""Measure fastapi-lint's precision by hand: lint real trees, sample findings, review, score.

    python bench/precision.py lint   --corpus dispatch --corpus fastapi:docs_src
    python bench/precision.py sample --corpus dev --seed 14 --total 160 --min-per-code 6
    python bench/precision.py score  bench/results/precision-*.md
    python bench/precision.py totals bench/results/lint-*.json
    python bench/precision.py compare --old before/*.json --new after/*.json

``lint`` runs the real CLI (``check --format json --no-cache --exit-zero``, default rules unless
``--lint-args`` says otherwise) on each corpus and writes ``bench/results/lint-<corpus>-<rev>.json``:
``{"meta": {...}, "findings": [...]}``, every finding with its corpus and the qualified name of the
function that encloses it (``Class.method``, ``<module>`` at top level), the tool's commit and the
corpus's commit in ``meta``.

``sample`` pools the findings of one or more corpora (linting them, or read back with
``--from-json``), allocates a sample per code (every code gets ``--min-per-code`` or all its findings
when it has fewer; the rest of ``--total`` is shared in proportion to each code's number of findings,
capped by ``--max-per-code`` when given), draws it uniformly within each code with a generator seeded
by ``--seed`` and the code, and writes a Markdown review sheet to ``bench/results/``: each finding with
its code, message, ``path:line``, a code frame, every hop of its chain with a frame, and empty
``verdict:`` and ``reason:`` lines to fill in with TRUE / FALSE / DEBATABLE (the rubric is
``precision.md`` of the shared notes) and one line of reason. The seed, the parameters, the
population per code and corpus, and the lint metadata are recorded in the sheet.

``score`` reads filled sheets (one or several; a finding met twice is counted once) and prints per
code and overall: findings, sampled, TRUE, FALSE, DEBATABLE, precision TRUE / (TRUE + FALSE), the
DEBATABLE share of the sampled findings, and the overall figures weighted by each code's number of
findings (a sample that takes every finding of a rare code would over-weight it otherwise).

``compare`` matches the findings of two runs by corpus, path, code and enclosing function (not
line, which moves with any edit), as multisets, and lists what disappeared and what appeared.

Standard library only. Sheets hold code frames of fetched code: keep them in ``bench/results/``,
which git ignores, and never commit them.
"""

from __future__ import annotations

import argparse
import ast
import collections
import datetime as _dt
import fnmatch
import json
import os
import random
import re
import shlex
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
CORPORA = BENCH / "corpora"
RESULTS = BENCH / "results"

# The development corpus of the precision issue (shared/corpus.md): name[:sub-folder to lint].
DEV_CORPUS = ["dispatch", "mealie", "fastapi:docs_src", "full-stack-fastapi-template", "prefect",
              "FastChat", "freqtrade"]

VERDICTS = ("TRUE", "FALSE", "DEBATABLE")
SHEET_MARK = "<!-- precision-sheet v1 -->"
META_OPEN = "<!-- precision-meta"
ENTRY_RE = re.compile(r"^<!-- entry (\{.*\}) -->\s*$")
FIELD_RE = re.compile(r"^(verdict|reason)\s*:(.*)$", re.IGNORECASE)
COMMIT_LINE_RE = re.compile(r"^\s*(\S+)\s+(\S+/\S+)\s+([0-9a-f]{7,40})\b")


class HarnessError(Exception):
    """A problem the user can fix (a bad sheet, a missing corpus); printed without a traceback."""


# ----------------------------------------------------------------------------------------- corpora

@dataclass
class Corpus:
    name: str
    root: Path
    paths: list[str] = field(default_factory=lambda: ["."])

    @property
    def label(self) -> str:
        return self.name if self.paths == ["."] else f"{self.name}:{','.join(self.paths)}"


def parse_corpus(spec: str, corpora_dir: Path) -> list[Corpus]:
    """``NAME`` (a folder of ``corpora_dir``), a path, either with ``:SUB[,SUB]``; ``dev`` expands."""
    if spec == "dev":
        return [c for s in DEV_CORPUS for c in parse_corpus(s, corpora_dir)]
    where, _, subs = spec.partition(":")
    root = Path(where)
    if not root.is_dir():
        root = corpora_dir / where
    if not root.is_dir():
        raise HarnessError(f"corpus {spec!r}: no folder {where!r} here or under {corpora_dir}")
    paths = [s for s in subs.split(",") if s] or ["."]
    for p in paths:
        if not (root / p).exists():
            raise HarnessError(f"corpus {spec!r}: {root / p} does not exist")
    return [Corpus(root.resolve().name, root.resolve(), paths)]


def corpus_commit(corpus: Corpus, corpora_dir: Path, given: dict[str, str]) -> str:
    """The corpus's commit: ``--corpus-rev``, a git checkout's HEAD, or a commits list beside it.

    The list is any of ``commits.txt`` / ``README.txt`` in the corpora folder or the corpus's parent,
    with lines ``NAME  owner/repo  COMMIT ...`` (what /work/corpora/README.txt holds).
    """
    if corpus.name in given:
        return given[corpus.name]
    try:
        out = subprocess.run(["git", "-C", str(corpus.root), "rev-parse", "--show-toplevel", "HEAD"],
                             capture_output=True, text=True, timeout=30)
        lines = out.stdout.split()
        if out.returncode == 0 and len(lines) == 2 and Path(lines[0]).resolve() == corpus.root:
            return lines[1]
    except (OSError, subprocess.SubprocessError):
        pass
    for folder in (corpora_dir, corpus.root.parent):
        for name in ("commits.txt", "README.txt"):
            f = folder / name
            if not f.is_file():
                continue
            for line in f.read_text(errors="replace").splitlines():
                m = COMMIT_LINE_RE.match(line)
                if m and m.group(1) == corpus.name:
                    return f"{m.group(2)}@{m.group(3)}"
    return "?"


# ------------------------------------------------------------------------------------------- lint

def tool_info(argv0: list[str]) -> dict[str, str]:
    """Version and commit of the fastapi-lint that ``argv0`` runs (its package's git checkout)."""
    info = {"argv": " ".join(argv0)}
    try:
        info["version"] = subprocess.run([*argv0, "--version"], capture_output=True, text=True,
                                         timeout=120).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        info["version"] = "?"
    pkg = None
    if argv0[1:3] == ["-m", "fastapi_lint"]:
        out = subprocess.run([argv0[0], "-c", "import fastapi_lint, os; print(os.path.dirname(fastapi_lint.__file__))"],
                             capture_output=True, text=True, timeout=120)
        pkg = Path(out.stdout.strip()) if out.returncode == 0 and out.stdout.strip() else None
    info["commit"] = "?"
    if pkg is not None:
        info["package"] = str(pkg)
        git = ["git", "-C", str(pkg)]
        try:
            rev = subprocess.run([*git, "rev-parse", "HEAD"], capture_output=True, text=True, timeout=30)
            if rev.returncode == 0:
                dirty = subprocess.run([*git, "status", "--porcelain", "--untracked-files=no", "--", "."],
                                       capture_output=True, text=True, timeout=30).stdout.strip()
                info["commit"] = rev.stdout.strip() + (" + uncommitted changes" if dirty else "")
                last = subprocess.run([*git, "log", "-1", "--format=%H", "--", "."], capture_output=True,
                                      text=True, timeout=30).stdout.strip()
                info["package_commit"] = last or "?"
        except (OSError, subprocess.SubprocessError):
            pass
    return info


def config_args(corpus: Corpus, tmp: Path) -> list[str]:
    """The corpus's own ``[tool.fastapi-lint]`` table, or an empty one (see bench.py's pitfall:
    without ``--config`` a corpus under bench/corpora/ inherits this repository's exclude)."""
    own = corpus.root / "pyproject.toml"
    try:
        if own.is_file() and re.search(r"^\[tool\.fastapi-lint\b", own.read_text(errors="replace"), re.MULTILINE):
            return ["--config", str(own)]
    except OSError:
        pass
    empty = tmp / "pyproject.toml"
    empty.write_text("[tool.fastapi-lint]\n")
    return ["--config", str(empty)]


class Functions:
    """Enclosing function of a line, by file, parsed once (``Class.method``, ``outer.inner``)."""

    def __init__(self, root: Path):
        self.root = root
        self._spans: dict[str, list[tuple[int, int, int, str]] | None] = {}

    def _load(self, path: str) -> list[tuple[int, int, int, str]] | None:
        if path not in self._spans:
            found: list[tuple[int, int, int, str]] = []
            try:
                tree = ast.parse((self.root / path).read_bytes())
            except (OSError, SyntaxError, ValueError):
                self._spans[path] = None
                return None
            else:
                def walk(node: ast.AST, prefix: str, depth: int) -> None:
                    for child in ast.iter_child_nodes(node):
                        if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                            start = min([child.lineno] + [d.lineno for d in child.decorator_list])
                            q = f"{prefix}{child.name}"
                            found.append((start, child.end_lineno or child.lineno, depth, q))
                            walk(child, q + ".", depth + 1)
                        else:
                            walk(child, prefix, depth)
                walk(tree, "", 0)
            self._spans[path] = found
        return self._spans[path]

    def at(self, path: str, line: int) -> str:
        spans = self._load(path)
        if spans is None:
            return "?"
        best = "<module>"
        best_depth = -1
        for start, end, depth, q in spans:
            if start <= line <= end and depth > best_depth:
                best, best_depth = q, depth
        return best


def run_lint(corpus: Corpus, argv0: list[str], extra: list[str], corpora_dir: Path,
             revs: dict[str, str], tool: dict[str, str] | None = None) -> dict:
    with tempfile.TemporaryDirectory(prefix="precision-config-") as tmp:
        argv = [*argv0, "check", "--format", "json", "-q", "--exit-zero", "--no-cache",
                *config_args(corpus, Path(tmp)), *extra, *corpus.paths]
        started = _dt.datetime.now(_dt.timezone.utc)
        proc = subprocess.run(argv, cwd=corpus.root, capture_output=True, text=True)
    if proc.returncode != 0:
        raise HarnessError(f"lint of {corpus.label} exited {proc.returncode}: {' '.join(argv)}\n{proc.stderr[-2000:]}")
    try:
        findings = json.loads(proc.stdout)
    except json.JSONDecodeError as e:
        raise HarnessError(f"lint of {corpus.label}: output is not JSON ({e})") from None
    functions = Functions(corpus.root)
    for f in findings:
        f["corpus"] = corpus.name
        f["function"] = functions.at(f["path"], f["line"])
    tool = tool or tool_info(argv0)
    meta = {
        "corpus": corpus.name, "label": corpus.label, "root": str(corpus.root), "paths": corpus.paths,
        "corpus_commit": corpus_commit(corpus, corpora_dir, revs),
        "tool_commit": tool["commit"], "tool_version": tool.get("version", "?"),
        "package_commit": tool.get("package_commit", "?"),
        "argv": argv, "date": started.isoformat(timespec="seconds"),
        "counts": dict(sorted(collections.Counter(f["code"] for f in findings).items())),
        "total": len(findings),
    }
    return {"meta": meta, "findings": findings}


def _short(commit: str) -> str:
    return commit.split()[0][:10] if commit and commit != "?" else "unknown"


def write_lint(result: dict, out_dir: Path, tag: str = "") -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    m = result["meta"]
    dirty = "+wip" if "uncommitted" in m["tool_commit"] else ""
    path = out_dir / f"lint-{m['corpus']}-{_short(m['tool_commit'])}{dirty}{'-' + tag if tag else ''}.json"
    path.write_text(json.dumps(result, indent=1) + "\n")
    return path


def _bare_corpus(path: Path, corpora_dir: Path) -> tuple[Path | None, str | None]:
    """For the CLI's bare JSON list at ``path``: the tree it was run on, found under ``corpora_dir``
    by the file's name (``NAME.json``, or ``lint-NAME-REV.json`` as ``lint`` names its outputs),
    and that name; (None, None) when no such folder is there."""
    stem = path.stem
    match = re.fullmatch(r"lint-(.+)-[0-9a-f]{7,40}(?:-dirty)?(?:-.+)?", stem)
    for name in ([match.group(1)] if match else []) + [stem]:
        if (corpora_dir / name).is_dir():
            return corpora_dir / name, name
    return None, None


def _where_run(root: Path, paths: list[str]) -> Path:
    """The folder of ``root`` the lint ran in: ``root`` itself, or the folder below it (one or two
    levels down) that holds the findings' relative paths (fastapi's ``docs_src``, polar's
    ``server``), so that the sheet's frames can be read."""
    relative = [p for p in paths if not os.path.isabs(p)][:5]
    if not relative or all((root / p).is_file() for p in relative):
        return root
    for folder in sorted([*root.glob("*/"), *root.glob("*/*/")]):
        if folder.is_dir() and all((folder / p).is_file() for p in relative):
            return folder
    return root


def load_lint(path: Path, root: Path | None = None, corpus: str | None = None) -> dict:
    """A ``lint`` output, or the CLI's bare JSON list (then ``root`` gives the functions)."""
    try:
        data = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as e:
        raise HarnessError(f"{path}: cannot read it as JSON ({e})") from None
    if isinstance(data, list):
        name = corpus or (root.name if root else path.stem)
        root = _where_run(root, [f["path"] for f in data]) if root else None
        functions = Functions(root) if root else None
        for f in data:
            f.setdefault("corpus", name)
            if "function" not in f:
                f["function"] = functions.at(f["path"], f["line"]) if functions else "?"
        data = {"meta": {"corpus": name, "label": name, "root": str(root) if root else "",
                         "paths": ["."], "corpus_commit": "?", "tool_commit": "?",
                         "counts": dict(collections.Counter(f["code"] for f in data)), "total": len(data)},
                "findings": data}
    if not isinstance(data, dict) or "findings" not in data or "meta" not in data:
        raise HarnessError(f"{path}: not a lint output of this harness nor fastapi-lint's JSON list")
    return data


# -------------------------------------------------------------------------------------- sampling

def allocate(counts: dict[str, int], total: int, min_per_code: int,
             max_per_code: int | None = None) -> dict[str, int]:
    """How many findings to draw per code.

    Every code first gets ``min_per_code`` (or all its findings when it has fewer); what is left of
    ``total`` is shared in proportion to each code's number of findings (largest remainders, ties by
    code), never above a code's findings nor ``max_per_code``. Deterministic.
    """
    cap = {c: min(n, max_per_code) if max_per_code else n for c, n in counts.items()}
    alloc = {c: min(cap[c], min_per_code) for c in counts}
    remaining = total - sum(alloc.values())
    while remaining > 0:
        open_ = sorted(c for c in counts if alloc[c] < cap[c])
        if not open_:
            break
        weight = sum(counts[c] for c in open_)
        shares = {c: remaining * counts[c] / weight for c in open_}
        give = {c: min(cap[c] - alloc[c], int(shares[c])) for c in open_}
        if sum(give.values()) == 0:
            order = sorted(open_, key=lambda c: (-(shares[c] - int(shares[c])), -counts[c], c))
            for c in order[:remaining]:
                alloc[c] += 1
            remaining -= min(remaining, len(order))
            continue
        for c, g in give.items():
            alloc[c] += g
        remaining -= sum(give.values())
    return alloc


def is_test_path(path: str) -> bool:
    """Test code as issue 14 defines it: ``test_*.py``, ``*_test.py``, ``conftest.py``, or a file
    under a ``tests/`` or ``test/`` folder."""
    parts = path.replace("\\", "/").split("/")
    name = parts[-1]
    return (name.startswith("test_") or name.endswith("_test.py") or name == "conftest.py"
            or any(p in ("tests", "test") for p in parts[:-1]))


def excluded(f: dict, globs: list[str], tests: bool) -> bool:
    """Whether a finding is left out of a sample: test code (when asked) or a path matching a glob
    (matched against ``path`` and ``corpus:path``)."""
    if tests and is_test_path(f["path"]):
        return True
    return any(fnmatch.fnmatch(f["path"], g) or fnmatch.fnmatch(f"{f['corpus']}:{f['path']}", g) for g in globs)


def finding_key(f: dict) -> str:
    return f"{f['corpus']}|{f['path']}|{f['line']}|{f['column']}|{f['code']}|{f['message']}"


def draw(findings: list[dict], alloc: dict[str, int], seed: int) -> list[dict]:
    """A uniform sample of ``alloc[code]`` findings within each code, seeded by seed and code (the
    sample of one code does not change when another code's findings do)."""
    by_code: dict[str, list[dict]] = collections.defaultdict(list)
    for f in findings:
        by_code[f["code"]].append(f)
    picked: list[dict] = []
    for code in sorted(by_code):
        pool = sorted(by_code[code], key=finding_key)
        rng = random.Random(f"{seed}:{code}")
        picked += sorted(rng.sample(pool, alloc.get(code, 0)), key=finding_key)
    return picked


def frame(root: Path, path: str, line: int, context: int, cache: dict[str, list[str] | None]) -> str:
    if path not in cache:
        p = Path(path) if os.path.isabs(path) else root / path
        try:
            cache[path] = p.read_text(errors="replace").splitlines()
        except OSError:
            cache[path] = None
    lines = cache[path]
    if lines is None:
        return f"(cannot read {path})"
    lo, hi = max(1, line - context), min(len(lines), line + context)
    width = len(str(hi))
    out = [f"{'>' if n == line else ' '} {n:>{width}} | {lines[n - 1].replace('```', '` ` `')}"
           for n in range(lo, hi + 1)]
    return "\n".join(out)


def population(lints: list[dict]) -> dict[str, dict[str, int]]:
    """Findings per code and corpus: {code: {corpus: n}}."""
    pop: dict[str, dict[str, int]] = collections.defaultdict(dict)
    for lint in lints:
        for f in lint["findings"]:
            d = pop[f["code"]]
            d[f["corpus"]] = d.get(f["corpus"], 0) + 1
    return {c: dict(sorted(v.items())) for c, v in sorted(pop.items())}


def totals_table(pop: dict[str, dict[str, int]], corpora: list[str]) -> list[str]:
    md = ["| code | " + " | ".join(corpora) + " | total |", "|---|" + "--:|" * (len(corpora) + 1)]
    col: collections.Counter[str] = collections.Counter()
    for code, per in pop.items():
        md.append(f"| {code} | " + " | ".join(str(per.get(c, 0)) for c in corpora) + f" | {sum(per.values())} |")
        col.update(per)
    md.append("| **all** | " + " | ".join(str(col.get(c, 0)) for c in corpora) + f" | {sum(col.values())} |")
    return md


def write_sheet(lints: list[dict], picked: list[dict], alloc: dict[str, int], params: dict,
                context: int, hop_context: int) -> str:
    pop = population(lints)
    corpora = [lint["meta"]["corpus"] for lint in lints]
    roots = {lint["meta"]["corpus"]: Path(lint["meta"]["root"]) for lint in lints}
    meta = {"params": params, "population": pop,
            "lints": [{k: v for k, v in lint["meta"].items() if k != "counts"} for lint in lints]}
    md = [SHEET_MARK, f"# Precision review sheet ({', '.join(corpora)})", "",
          f"{META_OPEN}\n{json.dumps(meta, indent=1)}\n-->", "",
          "Fill in each `verdict:` with TRUE, FALSE or DEBATABLE and each `reason:` with one line (the "
          "rubric: shared/precision.md). Judge by how the code is registered and called; when you cannot "
          "tell, say so and do not count it TRUE. Then `python bench/precision.py score THIS_FILE`.", "",
          f"Seed {params['seed']}; total {params['total']}, min per code {params['min_per_code']}, "
          f"max per code {params['max_per_code'] or 'none'}; {len(picked)} findings drawn."
          + (f" Left out before drawing ({params['left_out']} findings): "
             + ", ".join((["test code"] if params.get("exclude_tests") else []) + [f"`{g}`" for g in params.get("exclude", [])])
             + "; the population below is what was left." if params.get("left_out") is not None and
             (params.get("exclude") or params.get("exclude_tests")) else ""), "",
          "| corpus | commit | tool commit | findings |", "|---|---|---|--:|"]
    for lint in lints:
        m = lint["meta"]
        md.append(f"| {m.get('label', m['corpus'])} | {m.get('corpus_commit', '?')} | {m.get('tool_commit', '?')} | {m.get('total', len(lint['findings']))} |")
    md += ["", "## Findings per code and corpus", "", *totals_table(pop, corpora), "",
           "## Sample per code", "", "| code | findings | sampled |", "|---|--:|--:|"]
    md += [f"| {c} | {sum(pop[c].values())} | {alloc.get(c, 0)} |" for c in pop]
    md += ["", "## Findings", ""]
    cache: dict[tuple[str, str], dict[str, list[str] | None]] = collections.defaultdict(dict)
    for n, f in enumerate(picked, 1):
        root = roots[f["corpus"]]
        fc = cache[(f["corpus"], str(root))]
        entry = {"n": n, "code": f["code"], "corpus": f["corpus"], "path": f["path"], "line": f["line"],
                 "column": f["column"], "function": f.get("function", "?"), "key": finding_key(f)}
        md += [f"### [{n}] {f['code']} · {f['corpus']} · {f['path']}:{f['line']}",
               f"<!-- entry {json.dumps(entry)} -->", "",
               f"- message: {f['message']}",
               f"- severity: {f.get('severity', '?')}; enclosing function: `{f.get('function', '?')}`; "
               f"{f['code']} has {sum(pop[f['code']].values())} findings",
               "", "```python", frame(root, f["path"], f["line"], context, fc), "```", ""]
        for i, hop in enumerate(f.get("chain") or [], 1):
            md += [f"hop {i}: `{hop['path']}:{hop['line']}` `{hop.get('text', '')}`", "", "```python",
                   frame(root, hop["path"], hop["line"], hop_context, fc), "```", ""]
        md += ["verdict: ", "reason: ", ""]
    return "\n".join(md)


# --------------------------------------------------------------------------------------- scoring

@dataclass
class Reviewed:
    code: str
    corpus: str
    key: str
    verdict: str | None
    reason: str
    where: str  # file:line of the entry, for messages


def parse_sheet(path: Path) -> tuple[dict, list[Reviewed]]:
    """The meta block and the entries of one sheet; every problem found is reported at once."""
    try:
        text = path.read_text()
    except OSError as e:
        raise HarnessError(f"{path}: cannot read it ({e})") from None
    lines = text.splitlines()
    errors: list[str] = []
    if SHEET_MARK not in lines[:3]:
        raise HarnessError(f"{path}: not a precision review sheet (no '{SHEET_MARK}' on its first lines)")
    meta = None
    try:
        start = lines.index(META_OPEN)
        end = lines.index("-->", start)
        meta = json.loads("\n".join(lines[start + 1:end]))
    except ValueError:
        raise HarnessError(f"{path}: its '{META_OPEN}' block is missing or damaged "
                           "(it records the population the scores are weighted by)") from None
    entries: list[tuple[int, dict]] = []
    fenced = False
    current: dict | None = None
    found: dict[int, dict[str, tuple[int, str]]] = {}
    for i, line in enumerate(lines, 1):
        if line.startswith("```"):
            fenced = not fenced
            continue
        if fenced:
            continue
        m = ENTRY_RE.match(line)
        if m:
            try:
                current = json.loads(m.group(1))
            except json.JSONDecodeError:
                errors.append(f"{path}:{i}: damaged entry marker")
                current = None
                continue
            entries.append((i, current))
            found[id(current)] = {}
            continue
        m = FIELD_RE.match(line)
        if m and current is not None:
            name = m.group(1).lower()
            if name in found[id(current)]:
                errors.append(f"{path}:{i}: entry [{current.get('n')}] has a second '{name}:' line "
                              f"(the first is on line {found[id(current)][name][0]})")
            else:
                found[id(current)][name] = (i, m.group(2).strip())
    out: list[Reviewed] = []
    for i, entry in entries:
        label = (f"entry [{entry.get('n')}] ({entry.get('code')} {entry.get('corpus')} "
                 f"{entry.get('path')}:{entry.get('line')})")
        fields = found[id(entry)]
        if "verdict" not in fields or "reason" not in fields:
            missing = " and ".join(k for k in ("verdict", "reason") if k not in fields)
            errors.append(f"{path}:{i}: {label} has no '{missing}:' line")
            continue
        vline, raw = fields["verdict"]
        rline, reason = fields["reason"]
        value = raw.strip("*_` ").upper()
        if not value:
            verdict = None
        elif value in VERDICTS:
            verdict = value
        else:
            errors.append(f"{path}:{vline}: {label}: verdict {raw!r} is not one of TRUE, FALSE, DEBATABLE")
            continue
        if verdict and not reason:
            errors.append(f"{path}:{rline}: {label}: verdict {verdict} without a reason (one line)")
            continue
        out.append(Reviewed(entry["code"], entry["corpus"], entry["key"], verdict, reason, f"{path}:{vline}"))
    if errors:
        raise HarnessError("\n".join(errors))
    return meta, out


@dataclass
class Row:
    code: str
    findings: int
    sampled: int = 0
    true: int = 0
    false: int = 0
    debatable: int = 0

    @property
    def precision(self) -> float | None:
        return self.true / (self.true + self.false) if self.true + self.false else None

    @property
    def debatable_share(self) -> float | None:
        return self.debatable / self.sampled if self.sampled else None


@dataclass
class Score:
    rows: list[Row]
    pending: int
    corpora: list[str]

    def overall(self) -> dict[str, float | int | None]:
        t = sum(r.true for r in self.rows)
        f = sum(r.false for r in self.rows)
        d = sum(r.debatable for r in self.rows)
        s = sum(r.sampled for r in self.rows)
        judged = [r for r in self.rows if r.precision is not None]
        sampled = [r for r in self.rows if r.sampled]
        wp_den = sum(r.findings for r in judged)
        wd_den = sum(r.findings for r in sampled)
        return {
            "findings": sum(r.findings for r in self.rows), "sampled": s, "true": t, "false": f, "debatable": d,
            "precision": t / (t + f) if t + f else None,
            "weighted_precision": sum(r.findings * (r.precision or 0.0) for r in judged) / wp_den if wp_den else None,
            "debatable_share": d / s if s else None,
            "weighted_debatable": (sum(r.findings * (r.debatable_share or 0.0) for r in sampled) / wd_den
                                   if wd_den else None),
            "weighted_false": (sum(r.findings * r.false / r.sampled for r in sampled) / wd_den) if wd_den else None,
            "findings_covered": wd_den,
        }


def score_sheets(paths: Iterable[Path], partial: bool = False) -> Score:
    pop: dict[str, dict[str, int]] = {}
    seen: dict[str, Reviewed] = {}
    pending: list[Reviewed] = []
    corpora: list[str] = []
    errors: list[str] = []
    for path in paths:
        meta, entries = parse_sheet(path)
        for code, per in meta["population"].items():
            for corpus, n in per.items():
                have = pop.setdefault(code, {}).get(corpus)
                if have is not None and have != n:
                    errors.append(f"{path}: {code} has {n} findings on {corpus} here but {have} in an earlier "
                                  "sheet: sheets of different lint runs of one corpus cannot be pooled")
                pop[code][corpus] = n
                if corpus not in corpora:
                    corpora.append(corpus)
        for r in entries:
            if r.key in seen:
                if seen[r.key].verdict and r.verdict and seen[r.key].verdict != r.verdict:
                    errors.append(f"{r.where}: the same finding is {r.verdict} here and {seen[r.key].verdict} "
                                  f"at {seen[r.key].where}")
                if seen[r.key].verdict is None:
                    seen[r.key] = r
                continue
            seen[r.key] = r
    if errors:
        raise HarnessError("\n".join(errors))
    rows = {code: Row(code, sum(per.values())) for code, per in sorted(pop.items())}
    for r in seen.values():
        if r.verdict is None:
            pending.append(r)
            continue
        row = rows.setdefault(r.code, Row(r.code, 0))
        row.sampled += 1
        if r.verdict == "TRUE":
            row.true += 1
        elif r.verdict == "FALSE":
            row.false += 1
        else:
            row.debatable += 1
    if pending and not partial:
        where = ", ".join(p.where for p in pending[:5]) + (" ..." if len(pending) > 5 else "")
        raise HarnessError(f"{len(pending)} finding(s) have no verdict yet ({where}); fill them in, or "
                           "pass --partial to score the filled ones only")
    return Score(list(rows.values()), len(pending), corpora)


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{100 * x:.0f}%"


def render_score(score: Score) -> str:
    md = ["| code | findings | sampled | TRUE | FALSE | DEBATABLE | precision | DEBATABLE share |",
          "|---|--:|--:|--:|--:|--:|--:|--:|"]
    for r in score.rows:
        md.append(f"| {r.code} | {r.findings} | {r.sampled} | {r.true} | {r.false} | {r.debatable} | "
                  f"{_pct(r.precision)} | {_pct(r.debatable_share)} |")
    o = score.overall()
    md.append(f"| **all** | {o['findings']} | {o['sampled']} | {o['true']} | {o['false']} | {o['debatable']} | "
              f"{_pct(o['precision'])} | {_pct(o['debatable_share'])} |")
    md += ["", f"Corpora: {', '.join(score.corpora)}.",
           f"Weighted by each code's findings: precision {_pct(o['weighted_precision'])}, "
           f"DEBATABLE {_pct(o['weighted_debatable'])} and FALSE {_pct(o['weighted_false'])} of the findings "
           f"(over the {o['findings_covered']} findings of the sampled codes). "
           f"Unweighted, over the {o['sampled']} read: precision {_pct(o['precision'])}, "
           f"DEBATABLE {_pct(o['debatable_share'])}."]
    unsampled = [r.code for r in score.rows if r.findings and not r.sampled]
    if unsampled:
        md.append(f"Codes with findings but none read: {', '.join(unsampled)}.")
    if score.pending:
        md.append(f"{score.pending} sampled finding(s) without a verdict were left out (--partial).")
    return "\n".join(md)


# --------------------------------------------------------------------------------------- compare

def compare_key(f: dict, with_message: bool) -> tuple[str, ...]:
    key: tuple[str, ...] = (f.get("corpus", "?"), f["path"], f["code"], f.get("function", "?"))
    if with_message:
        key += (re.sub(r"\d+", "N", f["message"]),)
    return key


def compare(old: list[dict], new: list[dict], with_message: bool = False) -> tuple[list[dict], list[dict]]:
    """Findings of ``old`` with no match in ``new`` and the reverse, matched as multisets by corpus,
    path, code and enclosing function (and the message with its numbers blanked, if asked)."""
    new_by: dict[tuple, list[dict]] = collections.defaultdict(list)
    for f in new:
        new_by[compare_key(f, with_message)].append(f)
    gone: list[dict] = []
    for f in old:
        bucket = new_by.get(compare_key(f, with_message))
        if bucket:
            bucket.pop(0)
        else:
            gone.append(f)
    came = [f for bucket in new_by.values() for f in bucket]
    order = lambda f: (f.get("corpus", ""), f["code"], f["path"], f["line"])  # noqa: E731
    return sorted(gone, key=order), sorted(came, key=order)


def render_compare(old: list[dict], new: list[dict], gone: list[dict], came: list[dict], limit: int) -> str:
    codes = sorted({f["code"] for f in old} | {f["code"] for f in new})
    co, cn = collections.Counter(f["code"] for f in old), collections.Counter(f["code"] for f in new)
    cg, cc = collections.Counter(f["code"] for f in gone), collections.Counter(f["code"] for f in came)
    md = ["| code | old | new | disappeared | appeared |", "|---|--:|--:|--:|--:|"]
    md += [f"| {c} | {co[c]} | {cn[c]} | {cg[c]} | {cc[c]} |" for c in codes]
    md.append(f"| **all** | {len(old)} | {len(new)} | {len(gone)} | {len(came)} |")
    for title, items in (("Disappeared", gone), ("Appeared", came)):
        md += ["", f"## {title} ({len(items)})", ""]
        for f in items[:limit]:
            md.append(f"- {f['code']} {f.get('corpus', '?')} `{f['path']}:{f['line']}` in `{f.get('function', '?')}`: "
                      f"{f['message']}")
        if len(items) > limit:
            md.append(f"- ... {len(items) - limit} more (--limit)")
    return "\n".join(md)


# ------------------------------------------------------------------------------------------- CLI

def _argv0(args: argparse.Namespace) -> list[str]:
    return shlex.split(args.fastapi_lint) if args.fastapi_lint else [sys.executable, "-m", "fastapi_lint"]


def _revs(items: list[str]) -> dict[str, str]:
    out = {}
    for item in items or []:
        name, sep, rev = item.partition("=")
        if not sep:
            raise HarnessError(f"--corpus-rev {item!r}: expected NAME=REV")
        out[name] = rev
    return out


def _lint_all(args: argparse.Namespace, log) -> list[dict]:
    corpora = [c for spec in args.corpus for c in parse_corpus(spec, args.corpora_dir)]
    names = [c.name for c in corpora]
    if len(set(names)) != len(names):
        raise HarnessError(f"a corpus is named twice: {names}")
    argv0 = _argv0(args)
    tool = tool_info(argv0)
    if args.tool_rev:
        tool["commit"] = args.tool_rev
    log(f"fastapi-lint: {tool.get('version')} at {tool['commit']}")
    out = []
    for c in corpora:
        log(f"linting {c.label} ...")
        result = run_lint(c, argv0, shlex.split(args.lint_args or ""), args.corpora_dir, _revs(args.corpus_rev), tool)
        path = write_lint(result, args.results, args.tag)
        log(f"  {result['meta']['total']} findings -> {path}")
        out.append(result)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="precision.py", description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)

    def lint_opts(p: argparse.ArgumentParser, required: bool) -> None:
        p.add_argument("--corpus", action="append", default=[], required=required,
                       help="NAME (a folder of --corpora-dir) or a path, with :SUB[,SUB] to lint only those "
                            "sub-folders (fastapi:docs_src); 'dev' is the whole development corpus; repeatable")
        p.add_argument("--corpora-dir", type=Path, default=CORPORA, help="default: bench/corpora")
        p.add_argument("--corpus-rev", action="append", default=[], metavar="NAME=REV",
                       help="the corpus's commit, when no commits.txt/README.txt or git checkout says it")
        p.add_argument("--fastapi-lint", help="command that runs fastapi-lint (default: this Python's -m fastapi_lint)")
        p.add_argument("--tool-rev", help="the tool's commit, when --fastapi-lint runs a build whose checkout "
                                          "cannot be found (default: git of the fastapi_lint package it imports)")
        p.add_argument("--lint-args", default="", help="extra arguments for `check`, e.g. '--scope all'")
        p.add_argument("--results", type=Path, default=RESULTS, help="where outputs go (default: bench/results)")
        p.add_argument("--tag", default="", help="added to the lint outputs' names (e.g. before, scope-all)")

    p = sub.add_parser("lint", help="lint corpora and keep the JSON findings")
    lint_opts(p, True)

    p = sub.add_parser("sample", help="lint (or read lint outputs), draw a seeded sample, write a review sheet")
    lint_opts(p, False)
    p.add_argument("--from-json", type=Path, nargs="+", default=[], help="lint outputs to pool instead of linting")
    p.add_argument("--seed", type=int, default=14)
    p.add_argument("--total", type=int, default=150, help="size of the whole sample (default 150)")
    p.add_argument("--min-per-code", type=int, default=6, help="default 6 (or every finding of a rarer code)")
    p.add_argument("--max-per-code", type=int, default=0, help="cap per code (default: none)")
    p.add_argument("--exclude", action="append", default=[], metavar="GLOB",
                   help="leave out findings whose path (or corpus:path) matches; repeatable. The sheet's "
                        "population, and so its weights, are what is left")
    p.add_argument("--exclude-tests", action="store_true",
                   help="leave out test code: test_*.py, *_test.py, conftest.py, files under tests/ or test/")
    p.add_argument("--context", type=int, default=4, help="lines either side of a finding (default 4)")
    p.add_argument("--hop-context", type=int, default=3, help="lines either side of a chain hop (default 3)")
    p.add_argument("-o", "--output", type=Path, help="the sheet (default: bench/results/precision-<corpora>-seed<S>.md)")

    p = sub.add_parser("score", help="per-code and overall precision from filled sheets")
    p.add_argument("sheets", type=Path, nargs="+")
    p.add_argument("--partial", action="store_true", help="score the filled entries, leave out the empty ones")

    p = sub.add_parser("totals", help="findings per code and corpus of lint outputs")
    p.add_argument("lints", type=Path, nargs="+")

    p = sub.add_parser("compare", help="findings that disappeared / appeared between two runs")
    p.add_argument("--old", type=Path, nargs="+", required=True, help="lint outputs (or CLI JSON lists) of the first run")
    p.add_argument("--new", type=Path, nargs="+", required=True, help="the same corpora, second run")
    p.add_argument("--root", type=Path, help="for bare CLI JSON lists: the tree they were linted in")
    p.add_argument("--with-message", action="store_true", help="also match the message (numbers blanked)")
    p.add_argument("--limit", type=int, default=200, help="findings listed per side (default 200)")
    p.add_argument("--check", action="store_true", help="exit 1 when anything disappeared or appeared")

    args = ap.parse_args(argv)

    def log(msg: str) -> None:
        print(msg, file=sys.stderr, flush=True)

    try:
        if args.cmd == "lint":
            _lint_all(args, log)
            return 0
        if args.cmd == "sample":
            if bool(args.corpus) == bool(args.from_json):
                raise HarnessError("sample: give --corpus (to lint) or --from-json (lint outputs), one of the two")
            lints = _lint_all(args, log) if args.corpus else [
                load_lint(p, *_bare_corpus(p, Path(args.corpora_dir))) for p in args.from_json]
            names = [lint["meta"]["corpus"] for lint in lints]
            if len(set(names)) != len(names):
                raise HarnessError(f"a corpus is pooled twice: {names}")
            left_out = 0
            if args.exclude or args.exclude_tests:
                for lint in lints:
                    kept = [f for f in lint["findings"] if not excluded(f, args.exclude, args.exclude_tests)]
                    left_out += len(lint["findings"]) - len(kept)
                    lint["meta"]["left_out_by_exclude"] = len(lint["findings"]) - len(kept)
                    lint["findings"] = kept
            findings = [f for lint in lints for f in lint["findings"]]
            counts = dict(sorted(collections.Counter(f["code"] for f in findings).items()))
            alloc = allocate(counts, args.total, args.min_per_code, args.max_per_code or None)
            picked = draw(findings, alloc, args.seed)
            params = {"seed": args.seed, "total": args.total, "min_per_code": args.min_per_code,
                      "max_per_code": args.max_per_code or None, "allocation": alloc,
                      "exclude": args.exclude, "exclude_tests": args.exclude_tests, "left_out": left_out,
                      "date": _dt.date.today().isoformat()}
            text = write_sheet(lints, picked, alloc, params, args.context, args.hop_context)
            out = args.output or args.results / f"precision-{'-'.join(names) if len(names) < 4 else f'{len(names)}corpora'}-seed{args.seed}.md"
            out.parent.mkdir(parents=True, exist_ok=True)
            if out.exists():
                raise HarnessError(f"{out} exists (a filled sheet?): choose another --output or remove it")
            out.write_text(text + "\n")
            log(f"{len(picked)} of {len(findings)} findings drawn -> {out}")
            print(out)
            return 0
        if args.cmd == "score":
            print(render_score(score_sheets(args.sheets, args.partial)))
            return 0
        if args.cmd == "totals":
            lints = [load_lint(p) for p in args.lints]
            print("\n".join(totals_table(population(lints), [lint["meta"]["corpus"] for lint in lints])))
            return 0
        if args.cmd == "compare":
            old = [f for p in args.old for f in load_lint(p, args.root)["findings"]]
            new = [f for p in args.new for f in load_lint(p, args.root)["findings"]]
            gone, came = compare(old, new, args.with_message)
            print(render_compare(old, new, gone, came, args.limit))
            return 1 if args.check and (gone or came) else 0
    except HarnessError as e:
        print(f"precision.py: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
