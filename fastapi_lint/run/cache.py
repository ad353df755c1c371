"""A per-file cache of phase-1 results, so unchanged files are never parsed twice.

One entry per source file, keyed by the file's content hash, its path and module
name, the tool's version and the phase-1 code. Entries are pickles, because
reading millions of small facts back is the whole cost of an edit-and-rerun loop
(on a 1,893-file project: 1.0 s from pickle, 29 s through JSON and a decoder).

A repository can ship a cache folder, so a pickle is loaded only when it carries
an HMAC made with a secret key that lives outside every repository
(``~/.cache/fastapi-lint/cache-key``, created on first use, mode 0600): an entry
made anywhere else fails the check and is rebuilt, never unpickled. As a second
wall, the unpickler builds only the fact classes listed here. Without a usable
key (no writable home), nothing is cached. A corrupt, truncated, foreign or
stale entry is ignored and rebuilt. The folder itself is used only when it is ours, and
never read or written through a link (``cache_folder.py``).
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import hashlib
import hmac
import io
import json
import os
import pickle
import sys
import tempfile
from pathlib import Path
from typing import Any

from fastapi_lint import __version__
from fastapi_lint.analysis import facts
from fastapi_lint.analysis.extract import bodies, deferred
from fastapi_lint.analysis.noqa_directives import DirectiveFix
from fastapi_lint.run.cache_folder import GITIGNORE, TAG, TAG_NAME, Folder, problem
from fastapi_lint.diagnostics import Diagnostic, Fix, Hop, Severity, Span, Applicability

# Bump when the shape of the facts changes without a version change (development builds).
FORMAT = 4
_MAGIC = b"fastapi-lint-cache-4\n"
_MAC_SIZE = hashlib.sha256().digest_size

_CLASSES: tuple[type, ...] = (
    facts.Ref,
    facts.RefKind,
    facts.Value,
    facts.CallSite,
    facts.Param,
    facts.FunctionFacts,
    facts.Read,
    facts.Guard,
    facts.Gate,
    facts.Switch,
    facts.Branch,
    facts.Attribute,
    facts.ClassFacts,
    facts.Binding,
    facts.ModuleSummary,
    Span,
    Diagnostic,
    Fix,
    Hop,
    Severity,
    Applicability,
)
_CLASSES += (deferred.DeferredFunctionFacts, bodies.BodyReader)  # an installed package's bodies not read yet
_ALLOWED = {(cls.__module__, cls.__qualname__): cls for cls in _CLASSES}
_ALLOWED[(DirectiveFix.__module__, DirectiveFix.__qualname__)] = DirectiveFix  # FAS901's, in the last run's findings

# The code whose output is cached: a change to any of it invalidates every entry, so a
# development build never serves facts extracted by older code. Phase 1 is the package
# ``analysis/extract/``, every file of it, and the modules outside it that it imports.
_EXTRACT_PACKAGE = "analysis/extract"
_PHASE1_IMPORTS = ("analysis/facts.py", "analysis/names.py", "analysis/lazy_init.py", "analysis/clocks.py", "analysis/cache_places.py",
                   "analysis/blocks.py", "analysis/uncontended.py",
                   "analysis/reused_clients.py", "analysis/bundled.py", "analysis/catalog/offload.py",
                   "analysis/catalog/clients.py", "diagnostics.py", "source.py", "paths.py")


def phase1_sources(package: Path) -> list[str]:
    """The files of ``package`` (``fastapi_lint/``) whose code makes a file's facts."""
    folder = package / _EXTRACT_PACKAGE
    inside = sorted(path.relative_to(package).as_posix() for path in folder.rglob("*.py"))
    return [*(inside or [_EXTRACT_PACKAGE]), *_PHASE1_IMPORTS]


def _fingerprint() -> str:
    """The tool's version, the Python that parsed, the shape of every cached class and the phase-1 code."""
    shape = {
        cls.__qualname__: list(facts.field_names(cls))
        for cls in _CLASSES
        if dataclasses.is_dataclass(cls) or hasattr(cls, "_fields")
    }
    digest = hashlib.sha256(json.dumps([__version__, FORMAT, sys.version_info[:2], shape], sort_keys=True).encode())
    package = Path(__file__).resolve().parent.parent  # fastapi_lint/, above run/
    for source in phase1_sources(package):
        try:
            digest.update((package / source).read_bytes())
        except OSError:  # a zipped install: the version alone must do
            digest.update(source.encode())
    digest.update(_libcst_release())
    return digest.hexdigest()[:16]


def _libcst_release() -> bytes:
    """libcst's release: files whose syntax is newer than the running Python are read through its
    parser (``analysis/extract/downgrade``). Found without importing it (a run rarely needs it)."""
    import importlib.util

    try:
        spec = importlib.util.find_spec("libcst")
    except (ImportError, ValueError):
        return b"no libcst"
    for folder in (spec.submodule_search_locations or []) if spec is not None else []:
        with contextlib.suppress(OSError):
            return (Path(folder) / "_version.py").read_bytes()
    return b"libcst of unknown release"


FINGERPRINT = _fingerprint()


@functools.lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """``FINGERPRINT`` and every source file of the linter: what the findings of a run depend
    on besides the files and the configuration (a development build changes rules, not the version)."""
    digest = hashlib.sha256(FINGERPRINT.encode())
    package = Path(__file__).resolve().parent.parent  # fastapi_lint/, above run/
    for source in sorted(package.rglob("*.py")):
        with contextlib.suppress(OSError):
            digest.update(source.relative_to(package).as_posix().encode() + b"\0" + source.read_bytes())
    return digest.hexdigest()[:16]


# A file's size, modification and change times (ns), inode, module name and whether it is a
# package: while all of them are as a run saw them, so is the file's cache key.
Stamp = tuple[int, int, int, int, str, bool]


@dataclasses.dataclass(frozen=True)
class Stamps:
    by_path: dict[str, Stamp]  # by the path a file is reported under
    taken_ns: int  # the wall clock just before the first file was looked at


@dataclasses.dataclass(frozen=True)
class LastRun:
    """What the last cached run found, for the next run to carry over (``carry_over.py``)."""

    code: str  # ``code_fingerprint()`` of the linter that found it
    config: str  # the configuration, as ``repr``
    keys: dict[str, str]  # each file's cache key, by the path it is reported under
    # every finding in report order, and whether a noqa comment silenced it
    findings: tuple[tuple[Diagnostic, bool], ...]
    # what each file looked like when its key was taken (``extract.file_keys``)
    stamps: Stamps
    # how many findings the scope left out, by display path, and whether the project has an app
    # (the summary says so)
    out_of_scope: dict[str, int] = dataclasses.field(default_factory=dict)
    has_app: bool = True


# How many runs before the last one the cache keeps (``Cache.earlier_runs``).
EARLIER_RUNS = 3


def _same_files(one: LastRun, other: LastRun) -> bool:
    """Whether two runs read the same files as they were, with the same linter and configuration."""
    return one.keys == other.keys and one.config == other.config and one.code == other.code


_ALLOWED[(LastRun.__module__, LastRun.__qualname__)] = LastRun
_ALLOWED[(Stamps.__module__, Stamps.__qualname__)] = Stamps


def secret_path() -> Path:
    """Where the signing key lives: the user's cache folder, never a project's."""
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
    else:
        base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "fastapi-lint" / "cache-key"


def load_secret(path: Path | None = None) -> bytes | None:
    """The signing key, made on first use; None when it can be neither read nor made."""
    path = path or secret_path()
    try:
        with contextlib.suppress(FileNotFoundError):
            return _valid_secret(path.read_bytes())
        path.parent.mkdir(parents=True, exist_ok=True)
        # Written whole under another name, then linked into place: a run starting at the same
        # moment sees no key or the whole key, never an empty file, and only one key wins.
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".cache-key-")
        try:
            with os.fdopen(handle, "wb") as stream:  # mkstemp makes it 0600
                stream.write(os.urandom(32))
            try:
                os.link(temporary, path)
            except FileExistsError:  # another run made it first: use theirs
                pass
            except OSError:  # no hard links on this file system
                os.replace(temporary, path)
        finally:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
        return _valid_secret(path.read_bytes())
    except (OSError, RuntimeError):  # no home, read-only home: run without a cache
        return None


def _valid_secret(data: bytes) -> bytes | None:
    return data if len(data) >= 32 else None


class _FactUnpickler(pickle.Unpickler):
    """Builds the fact classes and nothing else: no function is ever looked up."""

    def find_class(self, module: str, name: str) -> Any:
        found = _ALLOWED.get((module, name))
        if found is None:
            raise pickle.UnpicklingError(f"{module}.{name} is not a fact class")
        return found


def seal(secret: bytes, value: Any) -> bytes:
    payload = pickle.dumps(value, protocol=5)
    return _MAGIC + hmac.new(secret, payload, hashlib.sha256).digest() + payload


def unseal(secret: bytes, data: bytes) -> Any:
    """The value in a sealed entry; ValueError for anything not sealed with ``secret``."""
    if not data.startswith(_MAGIC):
        raise ValueError("not a cache entry")
    mac = data[len(_MAGIC) : len(_MAGIC) + _MAC_SIZE]
    payload = memoryview(data)[len(_MAGIC) + _MAC_SIZE :]
    if not hmac.compare_digest(mac, hmac.new(secret, payload, hashlib.sha256).digest()):
        raise ValueError("not signed with this machine's key")
    return _FactUnpickler(io.BytesIO(payload)).load()


class Cache:
    """The cache of one run, in ``folder``; a folder that is not ours (``cache_folder.problem``)
    is neither read nor written, and the run goes on without a cache."""

    def __init__(self, folder: Path, secret: bytes | None = None) -> None:
        self.folder = folder
        self.problem = problem(folder)
        self.secret = (secret if secret is not None else load_secret()) if self.problem is None else None
        self._files = Folder(folder)
        self.hits = 0
        self.misses = 0
        self._ready = False
        self.read_only = False  # a forked child reads, never writes (it may be killed mid-write)
        self._last_run: tuple[LastRun | None] | None = None  # read once a run
        self._earlier: tuple[LastRun, ...] | None = None  # read when needed

    @staticmethod
    def key(data: bytes, path: str, module: str, is_package: bool) -> str:
        digest = hashlib.sha256(data)
        # surrogateescape: file names need not be valid UTF-8
        digest.update(f"\0{path}\0{module}\0{is_package}\0{FINGERPRINT}".encode("utf-8", "surrogateescape"))
        return digest.hexdigest()

    @staticmethod
    def _entry(path: str) -> tuple[str, str]:
        """The entry folder and file name of a source file's entry."""
        name = hashlib.sha256(path.encode("utf-8", "surrogateescape")).hexdigest()[:32]
        return name[:2], f"{name}.entry"

    def get(self, path: str, key: str) -> Any:
        """The cached outcome for a file, or None when absent, stale or unreadable."""
        try:
            if self.secret is None:
                raise LookupError
            folder, name = self._entry(path)
            stored_key, outcome = unseal(self.secret, self._files.read(name, folder))
            if stored_key != key or not isinstance(outcome, (facts.ModuleSummary, Diagnostic)):
                raise LookupError
        except Exception:  # absent, corrupt, truncated, foreign, a link: rebuild it
            self.misses += 1
            return None
        self.hits += 1
        return outcome

    def has(self, path: str) -> bool:
        """Whether there is an entry for the file (current or not)."""
        folder, name = self._entry(path)
        return self.problem is None and self._files.is_file(name, folder)

    def put(self, path: str, key: str, outcome: Any) -> None:
        if self.secret is not None and not self.read_only:
            self.put_sealed(path, seal(self.secret, (key, outcome)))

    def put_sealed(self, path: str, entry_data: bytes) -> None:
        """Store an entry already made by ``seal`` (a pool worker makes its own)."""
        if self.read_only or self.secret is None:
            return
        try:
            self._prepare()
            folder, name = self._entry(path)
            self._files.write(name, entry_data, folder)
        except OSError:
            pass  # a read-only checkout still lints, just without a cache

    # -- whole runs: what the last run found, for the next one to carry over (carry_over.py) --

    def last_run(self) -> LastRun | None:
        if self._last_run is None:
            self._last_run = (self._read_last_run(),)
        return self._last_run[0]

    def _read_last_run(self) -> LastRun | None:
        if self.secret is None:
            return None
        try:
            found = unseal(self.secret, self._files.read("last-run"))
        except Exception:  # absent, corrupt, foreign or a link: run normally
            return None
        # (one written by an older build may lack fields: it is of no use then)
        return found if isinstance(found, LastRun) and isinstance(getattr(found, "stamps", None), Stamps) else None

    def earlier_runs(self) -> tuple[LastRun, ...]:
        """The cached runs before the last one, most recent first (``EARLIER_RUNS`` at most, each of
        other files' keys): a run whose files are again as they were then (an edit undone, a
        branch or pre-commit's stash switched back) carries its findings over. Read only when
        the last run is not such a match."""
        if self._earlier is None:
            self._earlier = self._read_earlier_runs()
        return self._earlier

    def _read_earlier_runs(self) -> tuple[LastRun, ...]:
        if self.secret is None:
            return ()
        try:
            found = unseal(self.secret, self._files.read("earlier-runs"))
        except Exception:  # absent, corrupt, foreign or a link
            return ()
        if not isinstance(found, tuple):
            return ()
        return tuple(run for run in found if isinstance(run, LastRun) and isinstance(getattr(run, "stamps", None), Stamps))

    def put_last_run(self, run: LastRun) -> None:
        if self.secret is None or self.read_only:
            return
        previous = self.last_run()
        try:
            self._prepare()
            if previous is not None and not _same_files(previous, run):
                # The last run becomes an earlier one; one of the same files as this is dropped.
                earlier = (previous, *(old for old in self.earlier_runs() if not _same_files(old, run)))[:EARLIER_RUNS]
                self._files.write("earlier-runs", seal(self.secret, earlier))
                self._earlier = earlier
            self._files.write("last-run", seal(self.secret, run))
            self._last_run = (run,)
        except OSError:
            pass

    def _prepare(self) -> None:
        """The tag first: a folder holding only a .gitignore of ours would not be ours."""
        if self._ready:
            return
        self._files.create_once(TAG_NAME, TAG)
        self._files.create_once(".gitignore", GITIGNORE)
        self._ready = True

    def close(self) -> None:
        self._files.close()


class NotACache(Exception):
    """Why a folder is not a cache that ``clean`` may remove, worded for the user."""


def clean(folder: Path) -> None:
    """Remove a cache folder that fastapi-lint made; ``NotACache`` (and nothing removed) otherwise."""
    import shutil

    reason = problem(folder)
    if reason is None and not os.path.lexists(folder):
        reason = "there is no such folder"
    if reason is None and not os.path.lexists(folder / TAG_NAME):
        reason = f"it has no {TAG_NAME} written by fastapi-lint"
    if reason is not None:
        raise NotACache(reason)
    # rmtree works through descriptors here and removes links, never what they point to.
    shutil.rmtree(folder)
