"""A per-file cache of phase-1 results, so unchanged files are never parsed twice.

Entries are JSON (data only: a repository can ship a cache folder, and loading
it must never run code), one file per source file, keyed by the file's content
hash, its path and module name, and the tool's version. Only the fact classes
listed here can be built from an entry; anything else, a corrupt or truncated
entry, or one from another version is ignored and rebuilt.
"""

from __future__ import annotations

import contextlib
import dataclasses
import enum
import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from fastapi_lint import __version__
from fastapi_lint.analysis import facts
from fastapi_lint.diagnostics import Diagnostic, Fix, Hop, Severity, Span, Applicability

CACHE_DIR_NAME = ".fastapi_lint_cache"
# Bump when the shape of the facts changes without a version change (development builds).
FORMAT = 1

_CLASSES: dict[str, type] = {
    cls.__name__: cls
    for cls in (
        facts.Ref,
        facts.Value,
        facts.CallSite,
        facts.Param,
        facts.FunctionFacts,
        facts.Read,
        facts.Attribute,
        facts.ClassFacts,
        facts.Binding,
        facts.ModuleSummary,
        Span,
        Diagnostic,
        Fix,
        Hop,
    )
    if dataclasses.is_dataclass(cls)
}
_ENUMS: dict[str, type[enum.Enum]] = {"RefKind": facts.RefKind, "Severity": Severity, "Applicability": Applicability}



# The code whose output is cached: a change to any of it invalidates every entry, so a
# development build never serves facts extracted by older code.
_PHASE1_SOURCES = ("analysis/facts.py", "analysis/names.py", "analysis/summary.py", "analysis/parse.py",
                   "analysis/catalog/offload.py", "engine.py", "diagnostics.py")


def _fingerprint() -> str:
    """The tool's version, the shape of every cached class and the phase-1 code."""
    shape = {name: [f.name for f in dataclasses.fields(cls)] for name, cls in sorted(_CLASSES.items())}
    digest = hashlib.sha256(json.dumps([__version__, FORMAT, shape], sort_keys=True).encode())
    package = Path(__file__).resolve().parent
    for source in _PHASE1_SOURCES:
        try:
            digest.update((package / source).read_bytes())
        except OSError:  # a zipped install: the version alone must do
            digest.update(source.encode())
    return digest.hexdigest()[:16]


FINGERPRINT = _fingerprint()


def encode(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return {"e": type(value).__name__, "v": value.value}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {"t": type(value).__name__, "v": [encode(getattr(value, f.name)) for f in dataclasses.fields(value)]}
    if isinstance(value, (list, tuple)):
        return [encode(item) for item in value]
    if isinstance(value, dict):
        return {"d": [[encode(k), encode(v)] for k, v in value.items()]}
    return value


def decode(value: Any) -> Any:
    if isinstance(value, list):
        return tuple(decode(item) for item in value)
    if isinstance(value, dict):
        if "t" in value:
            cls = _CLASSES[value["t"]]  # KeyError for anything unknown: the entry is rejected
            return cls(*(decode(item) for item in value["v"]))
        if "e" in value:
            return _ENUMS[value["e"]](value["v"])
        return {decode(k): decode(v) for k, v in value["d"]}
    return value


class Cache:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.hits = 0
        self.misses = 0
        self._ready = False

    @staticmethod
    def key(data: bytes, path: str, module: str, is_package: bool) -> str:
        digest = hashlib.sha256(data)
        # surrogateescape: file names need not be valid UTF-8
        digest.update(f"\0{path}\0{module}\0{is_package}\0{FINGERPRINT}".encode("utf-8", "surrogateescape"))
        return digest.hexdigest()

    def _entry(self, path: str) -> Path:
        name = hashlib.sha256(path.encode("utf-8", "surrogateescape")).hexdigest()[:32]
        return self.folder / name[:2] / f"{name}.json"

    def get(self, path: str, key: str) -> Any:
        """The cached outcome for a file, or None when absent, stale or unreadable."""
        try:
            raw = json.loads(self._entry(path).read_bytes())
            if raw.get("key") != key:
                raise LookupError
            outcome = decode(raw["outcome"])
            if not isinstance(outcome, (facts.ModuleSummary, Diagnostic)):
                raise TypeError
        except Exception:  # absent, corrupt, truncated, foreign: rebuild it
            self.misses += 1
            return None
        self.hits += 1
        return outcome

    def put(self, path: str, key: str, outcome: Any) -> None:
        try:
            self._prepare()
            entry = self._entry(path)
            entry.parent.mkdir(exist_ok=True)
            _replace(entry, json.dumps({"key": key, "outcome": encode(outcome)}, separators=(",", ":")))
        except OSError:
            pass  # a read-only checkout still lints, just without a cache

    # -- whole runs: the findings of the last run, for a run where nothing changed ----------------

    @staticmethod
    def run_key(keys: list[str | None], config: str) -> str | None:
        if any(key is None for key in keys):
            return None
        digest = hashlib.sha256(f"{FINGERPRINT}\0{config}".encode("utf-8", "surrogateescape"))
        for key in keys:
            digest.update(f"\0{key}".encode())
        return digest.hexdigest()

    def get_run(self, key: str) -> list[Diagnostic] | None:
        try:
            raw = json.loads((self.folder / "last-run.json").read_bytes())
            if raw.get("key") != key:
                return None
            found = decode(raw["diagnostics"])
            if not all(isinstance(d, Diagnostic) for d in found):
                return None
        except Exception:  # absent, corrupt or foreign: run normally
            return None
        return list(found)

    def put_run(self, key: str, diagnostics: list[Diagnostic]) -> None:
        try:
            self._prepare()
            payload = json.dumps({"key": key, "diagnostics": encode(diagnostics)}, separators=(",", ":"))
            _replace(self.folder / "last-run.json", payload)
        except OSError:
            pass

    def _prepare(self) -> None:
        if self._ready:
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        gitignore = self.folder / ".gitignore"
        if not gitignore.exists():
            gitignore.write_text("# Created by fastapi-lint\n*\n", encoding="utf-8")
        tag = self.folder / "CACHEDIR.TAG"
        if not tag.exists():
            tag.write_text(
                "Signature: 8a477f597d28d172789f06886806bc55\n"
                "# This file is a cache directory tag created by fastapi-lint.\n",
                encoding="utf-8",
            )
        self._ready = True


def _replace(entry: Path, payload: str) -> None:
    """Write through a temporary file and a rename: a reader never sees half an entry.

    No fsync: a cache entry lost in a crash is only rebuilt.
    """
    handle, temporary = tempfile.mkstemp(dir=entry.parent, suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(payload)
        os.replace(temporary, entry)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def clean(folder: Path) -> bool:
    """Remove a cache folder; only one that fastapi-lint made (it holds our CACHEDIR.TAG)."""
    import shutil

    tag = folder / "CACHEDIR.TAG"
    if not folder.is_dir() or not tag.is_file() or "fastapi-lint" not in tag.read_text(errors="replace"):
        return False
    shutil.rmtree(folder)
    return True
