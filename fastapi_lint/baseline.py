"""A baseline: today's findings recorded once, so that a run reports only the new ones.

A team adopting the linter on a large code base records what it finds today
(``--write-baseline FILE``); later runs given that file (``--baseline FILE`` or
``baseline = "..."`` in ``[tool.fastapi-lint]``) hide the findings it holds and fail only
on new ones, as PHPStan's, Psalm's and detekt's baselines do.

An entry must survive the edits a team makes around old findings, so it is keyed by what
a finding is, never by where it is: its code, its file (relative to the baseline's
folder, so a CI checkout and a laptop agree), the function or class it is in (dotted,
``Service.fetch``; empty at module level) and a hash of its first line with whitespace
collapsed. Lines added above it, or a function moved within its file, change nothing;
an edit of the line itself, or a second identical finding, is new. Identical keys are
counted: three findings where the baseline holds two show one (the last in the file).
Writing replaces the entries of the files the run reported on, so findings fixed since
are dropped; entries of other files, and of rules the run did not select, are kept.

The file is data a repository ships, so reading it is bounded and checked entry by
entry, and any problem is a one-line error naming the file (never a traceback); it is
only ever written where the command line says, in one rename, never through a link.
"""

from __future__ import annotations

import ast
import hashlib
import json
import os
import re
import stat
import warnings
from collections import Counter
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from fastapi_lint.config import ConfigError
from fastapi_lint.diagnostics import Diagnostic

FORMAT_KEY = "fastapi-lint-baseline"
FORMAT_VERSION = 1
# A baseline of 100,000 findings is about 12 MB.
MAX_BASELINE_BYTES = 64 * 1024 * 1024
MAX_COUNT = 1_000_000
_HASH = re.compile(r"[0-9a-f]{16}")
_CODE = re.compile(r"FAS[0-9]{3}")


class BaselineError(ConfigError):
    """A baseline that cannot be read or written, worded for the user."""


@dataclass(frozen=True, order=True)
class Key:
    path: str  # relative to the baseline's folder, with forward slashes
    function: str  # the enclosing function or class, dotted; "" at module level
    code: str
    hash: str  # of the finding's first line, whitespace collapsed


@dataclass
class Baseline:
    folder: Path  # the baseline file's folder: entries' paths are relative to it
    entries: Counter[Key] = field(default_factory=Counter)

    def __len__(self) -> int:
        return sum(self.entries.values())


# -- keys -------------------------------------------------------------------------------------


class _Sources:
    """Each file's lines and its scopes (function and class spans), read once per file."""

    def __init__(self, texts: dict[str, str] | None = None) -> None:
        self.texts = texts or {}
        self.files: dict[str, tuple[list[str], list[tuple[int, int, str]]]] = {}

    def get(self, path: str) -> tuple[list[str], list[tuple[int, int, str]]]:
        found = self.files.get(path)
        if found is None:
            found = self.files[path] = _read(path, self.texts.get(path))
        return found


def _read(path: str, text: str | None) -> tuple[list[str], list[tuple[int, int, str]]]:
    from fastapi_lint.source import decode, read_source, split_lines

    if text is None:
        try:
            text = decode(read_source(Path(path)))
        except (OSError, SyntaxError, LookupError, UnicodeDecodeError, ValueError):
            return [], []  # a finding about an unreadable file (FAS900): keyed by its code and file
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return split_lines(text), []
    scopes: list[tuple[int, int, str]] = []
    _scopes(tree, "", scopes)
    return split_lines(text), scopes


def _scopes(node: ast.AST, prefix: str, into: list[tuple[int, int, str]]) -> None:
    for child in ast.iter_child_nodes(node):
        if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            name = f"{prefix}{child.name}"
            start = min([child.lineno, *(d.lineno for d in child.decorator_list)])
            into.append((start, child.end_lineno or child.lineno, name))
            _scopes(child, f"{name}.", into)
        else:
            _scopes(child, prefix, into)


def _enclosing(scopes: list[tuple[int, int, str]], line: int) -> str:
    """The innermost function or class holding the line (the last one opened around it)."""
    found = ""
    for start, end, name in scopes:
        if start <= line <= end:
            found = name
    return found


def line_hash(text: str) -> str:
    normalized = "".join(text.split())  # a formatter that adds or drops a space changes no key
    return hashlib.sha256(normalized.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def relative(path: str, folder: Path) -> str:
    absolute = os.path.abspath(path)
    try:
        return Path(os.path.relpath(absolute, os.path.abspath(folder))).as_posix()
    except ValueError:  # another drive
        return Path(absolute).as_posix()


def keys(diagnostics: Sequence[Diagnostic], folder: Path, texts: dict[str, str] | None = None) -> list[Key]:
    """Each finding's key, in order. ``texts``: sources not on disk (standard input), by path."""
    sources = _Sources(texts)
    found = []
    for d in diagnostics:
        lines, scopes = sources.get(d.path)
        text = lines[d.span.line - 1] if 0 < d.span.line <= len(lines) else ""
        found.append(Key(relative(d.path, folder), _enclosing(scopes, d.span.line), d.code, line_hash(text)))
    return found


# -- applying -------------------------------------------------------------------------------------


def hide(baseline: Baseline, diagnostics: Sequence[Diagnostic], texts: dict[str, str] | None = None) -> tuple[list[Diagnostic], int]:
    """The findings the baseline does not hold, and how many it hid."""
    if not baseline.entries or not diagnostics:
        return list(diagnostics), 0
    ordered = sorted(diagnostics, key=Diagnostic.sort_key)
    left = Counter(baseline.entries)
    kept: list[Diagnostic] = []
    for d, key in zip(ordered, keys(ordered, baseline.folder, texts)):
        if left[key] > 0:
            left[key] -= 1
        else:
            kept.append(d)
    return kept, len(ordered) - len(kept)


def record(
    diagnostics: Sequence[Diagnostic],
    folder: Path,
    previous: Baseline | None = None,
    covered: Iterable[str] = (),
    selected: Collection[str] = (),
) -> Baseline:
    """The baseline of today's findings. From ``previous``, the entries of files the run did not
    report on (``covered``: their paths as reported) that still exist, and of rules it did not
    run (``selected``: the codes it ran), are kept."""
    baseline = Baseline(folder, Counter(keys(sorted(diagnostics, key=Diagnostic.sort_key), folder)))
    if previous is not None:
        seen = {relative(path, folder) for path in covered}
        for key, count in previous.entries.items():
            kept = key.code not in selected or (key.path not in seen and (folder / key.path).is_file())
            if kept:
                baseline.entries[key] += count
    return baseline


# -- the file -----------------------------------------------------------------------------------


def load(path: Path) -> Baseline:
    """Read a baseline. Raises ``BaselineError`` with the reason, naming the file."""
    from fastapi_lint.source import read_source

    try:
        data = read_source(path, MAX_BASELINE_BYTES)
    except FileNotFoundError:
        raise BaselineError(f"{path}: no such baseline file (write one with `--write-baseline {path}`)") from None
    except OSError as error:
        raise BaselineError(f"{path}: cannot read the baseline: {error.strerror or error}") from None
    try:
        document = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError as error:
        raise BaselineError(f"{path}: not a fastapi-lint baseline: not UTF-8 ({error.reason})") from None
    except (ValueError, RecursionError) as error:  # JSONDecodeError is a ValueError
        raise BaselineError(f"{path}: not a fastapi-lint baseline: invalid JSON ({_short(error)})") from None
    return _parse(document, path)


def _parse(document: object, path: Path) -> Baseline:
    if not isinstance(document, dict) or FORMAT_KEY not in document:
        raise BaselineError(f"{path}: not a fastapi-lint baseline (no `{FORMAT_KEY}` key)")
    version = document[FORMAT_KEY]
    if version != FORMAT_VERSION or isinstance(version, bool):
        raise BaselineError(f"{path}: baseline format {_shown(version)} is not one this version reads "
                            f"({FORMAT_VERSION}): write it again with --write-baseline")
    unknown = sorted(set(document) - {FORMAT_KEY, "findings"})
    if unknown:
        raise BaselineError(f"{path}: unknown key `{_shown(unknown[0])}` in the baseline")
    findings = document.get("findings", [])
    if not isinstance(findings, list):
        raise BaselineError(f"{path}: `findings` must be a list")
    baseline = Baseline(Path(os.path.dirname(os.path.abspath(path))))
    for index, entry in enumerate(findings):
        where = f"{path}: findings[{index}]"
        if not isinstance(entry, dict):
            raise BaselineError(f"{where}: expected an object")
        extra = sorted(set(entry) - {"code", "path", "function", "hash", "count"})
        if extra:
            raise BaselineError(f"{where}: unknown key `{_shown(extra[0])}`")
        code, file, function, digest, count = (entry.get(k) for k in ("code", "path", "function", "hash", "count"))
        if not isinstance(code, str) or not _CODE.fullmatch(code):
            raise BaselineError(f"{where}.code: expected a code like FAS101, got {_shown(code)}")
        if not isinstance(file, str) or not file or "\0" in file:
            raise BaselineError(f"{where}.path: expected a file's path, got {_shown(file)}")
        if not isinstance(function, str) or "\0" in function:
            raise BaselineError(f"{where}.function: expected a dotted name or \"\", got {_shown(function)}")
        if not isinstance(digest, str) or not _HASH.fullmatch(digest):
            raise BaselineError(f"{where}.hash: expected 16 hexadecimal digits, got {_shown(digest)}")
        if not isinstance(count, int) or isinstance(count, bool) or not 1 <= count <= MAX_COUNT:
            raise BaselineError(f"{where}.count: expected a whole number from 1 to {MAX_COUNT}, got {_shown(count)}")
        baseline.entries[Key(file, function, code, digest)] += count
    return baseline


def dumps(baseline: Baseline) -> str:
    """One entry per line, sorted: a baseline's diff in review shows what was added or fixed."""
    lines = [
        json.dumps({"code": key.code, "path": key.path, "function": key.function, "hash": key.hash, "count": count},
                   ensure_ascii=False)
        for key, count in sorted(baseline.entries.items())
    ]
    body = ",\n    ".join(lines)
    return f'{{\n  "{FORMAT_KEY}": {FORMAT_VERSION},\n  "findings": [' + (f"\n    {body}\n  " if lines else "") + "]\n}\n"


def write(path: Path, baseline: Baseline) -> None:
    """Replace ``path`` with the baseline in one rename. Never through a symbolic link, never
    over a file that is not a baseline (a mistyped name must not cost ``pyproject.toml``)."""
    from fastapi_lint.fixes.files import default_mode, write_atomically

    try:
        info = os.lstat(path)
    except FileNotFoundError:
        info = None
    except OSError as error:
        raise BaselineError(f"{path}: cannot write the baseline: {error.strerror or error}") from None
    if info is not None:
        if stat.S_ISLNK(info.st_mode):
            raise BaselineError(f"{path}: is a symbolic link: not written (name the file itself)")
        if not stat.S_ISREG(info.st_mode):
            raise BaselineError(f"{path}: not a regular file: not written")
        try:
            load(path)
        except BaselineError as error:
            raise BaselineError(f"{path}: exists and is not a fastapi-lint baseline, not overwritten ({error})") from None
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise BaselineError(f"{path}: cannot write the baseline: no folder {folder}")
    try:
        write_atomically(path, dumps(baseline).encode("utf-8"), mode=None if info is not None else default_mode())
    except OSError as error:
        raise BaselineError(f"{path}: cannot write the baseline: {error.strerror or error}") from None


def _shown(value: object) -> str:
    text = json.dumps(value, ensure_ascii=True) if not isinstance(value, str) else repr(value)
    return text if len(text) <= 60 else f"{text[:57]}..."


def _short(error: Exception) -> str:
    text = str(error) or type(error).__name__
    return text if len(text) <= 120 else f"{text[:117]}..."
