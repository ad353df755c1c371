"""Calls into installed packages, followed to what they wait on.

The catalog names what blocks in the libraries it knows. With the project's environment at hand
(``--python``, ``python = "..."`` in the configuration, or found by itself: ``run/environment.py``),
a call into a package it does not know (``firecrawl.FirecrawlApp(...).scrape_url(url)``) is
followed into that package's source in the environment's ``site-packages``: the package's files
are summarised by the same phase-1 extractor as the project's (never imported), linked as a
project of their own, and the library function's calls climbed down to the catalog's waits
(``requests.post``), through the other packages it calls. The finding then names the chain:
``route -> firecrawl.FirecrawlApp.scrape_url``, "makes an HTTP request inside `firecrawl`
(FirecrawlApp.scrape_url -> requests.post)".

Not followed: the packages the catalog has entries for (written for them, it knows which of
their calls wait), and the framework the service runs on (``_FRAMEWORK``: FastAPI, Starlette,
Pydantic and the like answer a request without waiting on anything but what the catalog names).
What stops the climb: the library's own coroutines (its async API, awaited), what it offloads
(``run_in_executor``, ``to_thread``), what the catalog calls async-safe, and what waits only on a
file or its metadata (a library reads its own data files; only waits on a peer, a process or a
clock are taken). A package of the project itself (installed into its own environment) is never
read from there. Without an environment, nothing here runs.

The summaries of each installed package are kept (``KeptSummaries``: the user's cache folder,
``run/environment.py``) by its name and a digest of its files, so another project using the same
release pays nothing (a release's files are the same wherever it is installed).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from fastapi_lint.analysis.catalog.blocking import Entry, Tier
from fastapi_lint.analysis.facts import CallSite, ModuleSummary, Ref, RefKind

if TYPE_CHECKING:
    from fastapi_lint.analysis.callgraph import CallGraph
    from fastapi_lint.analysis.witness import Witness

# A package larger than this is read no further (its first files in path order are kept): the
# SDKs this is for have tens to hundreds of modules.
MAX_FILES = 1500
# Folders of a package that the code calling it never runs.
_SKIPPED_FOLDERS = frozenset({"tests", "test", "testing", "examples", "docs", "benchmarks", "__pycache__"})
_LARGEST_FILE = 2_000_000
_FRAMEWORK = frozenset({"fastapi", "starlette", "pydantic", "pydantic_core", "pydantic_settings", "typing_extensions",
                        "anyio", "sniffio", "uvicorn", "annotated_types", "typing_inspection"})
_INSTEAD = "the library's async API if it has one, or `await run_in_threadpool(...)`"
# Summaries by release key, for the checks of a long-lived process (an editor's session).
_IN_MEMORY: dict[str, list[ModuleSummary]] = {}


class KeptSummaries(Protocol):
    """Where the summaries of installed packages are kept between runs, by release key."""

    def get(self, key: str) -> list[ModuleSummary] | None: ...

    def put(self, key: str, summaries: list[ModuleSummary]) -> None: ...


class InstalledLibraries:
    """The installed packages of one environment, read on demand, each once."""

    def __init__(self, site_folders: tuple[Path, ...], extend_blocking: tuple[str, ...] = (),
                 extend_safe: tuple[str, ...] = (), kept: KeptSummaries | None = None,
                 shared: InstalledLibraries | None = None, own_modules: frozenset[str] = frozenset()) -> None:
        self.site_folders = site_folders
        self.extends = (extend_blocking, extend_safe)  # the configuration's, for the packages' own catalogs
        self.kept = kept
        # top-level names of the modules of the code asking (the project's, or the package's own
        # when its calls are matched): never read from the environment
        self.own_modules = own_modules
        # Shared with the views each package's calls are matched through (``_view``):
        self._graphs: dict[str, CallGraph | None] = shared._graphs if shared else {}  # top-level name -> linked package
        self._entries: dict[str, Entry | None] = shared._entries if shared else {}
        self._open: set[str] = shared._open if shared else set()  # the paths being followed
        # path -> what the wait at the end of its chain does, and the chain (for a chain through it)
        self._made: dict[str, tuple[str, list[str]]] = shared._made if shared else {}
        self._at: dict[tuple[str, CallSite], Entry | None] = shared._at if shared else {}  # ``at``'s

    def _view(self, top: str) -> InstalledLibraries:
        """The same environment, as package ``top``'s calls see it (its own paths are its project's)."""
        return InstalledLibraries(self.site_folders, *self.extends, self.kept, self, frozenset({top}))

    def entry(self, path: str) -> Entry | None:
        """The wait that calling ``path`` (a dotted path outside the project) comes to inside its
        installed package, as a catalog entry; None when it is not installed, not followed, or
        comes to none."""
        top = path.partition(".")[0]
        if not top or "()" in path or top in self.own_modules or top in _FRAMEWORK or path in self._open:
            return None
        if path in self._entries:
            return self._entries[path]
        self._open.add(path)
        try:
            found = self._follow(top, path)
        finally:
            self._open.discard(path)
        self._entries[path] = found
        return found

    def at(self, path: str, site: CallSite, entry: Entry) -> Entry | None:
        """``entry`` (``path``'s, as ``site`` calls it): for a call into a package, the wait its
        arguments let run, if any (``requests.get`` under ``if online:``, a flag the site leaves
        at its default ``False``, does not); any other entry as it is."""
        if path not in self._made:
            return entry
        key = (path, site)
        if key not in self._at:
            self._at[key] = self._follow(path.partition(".")[0], path, site)
        return self._at[key]

    def _follow(self, top: str, path: str, site: CallSite | None = None) -> Entry | None:
        graph = self._graph(top)
        if graph is None:
            return None
        project = graph.project
        ref = project.resolve(Ref(path))
        best = None
        for target in graph.targets(ref) if ref.kind is RefKind.SYMBOL else []:
            located = project.function(target)
            if located is None or located.function.is_async:
                continue  # the library's own coroutine: awaited, it waits without holding the loop
            witness = graph.witness(target) if site is None else graph.witness_at(site, target)
            if witness is None or witness.opt_in or witness.tier is not Tier.WAIT:
                continue
            if best is None or witness.outranks(best):
                best = witness
        if best is None:
            return None
        if site is not None:
            return self._entry_of(path, top, best, keep=False)
        return self._entry_of(path, top, best, keep=True)

    def _entry_of(self, path: str, top: str, best: Witness, keep: bool) -> Entry:
        hops = [best.steps[0].caller.function.path, *(step.callee for step in best.steps)]
        why = best.entry.why
        below = self._made.get(best.entry.pattern)
        if below is not None:  # a chain into another package: one chain, told once
            why, deeper = below
            hops = [*hops[:-1], *deeper]
        if keep:
            self._made[path] = (why, hops)
        return Entry(path, f"{why} inside `{top}` ({' -> '.join(hops)})", _INSTEAD, best.entry.kind, False,
                     best.entry.waits, best.entry.tier)

    def _graph(self, top: str) -> CallGraph | None:
        if top in self._graphs:
            return self._graphs[top]
        self._graphs[top] = None  # a package whose own linking asks for itself finds nothing
        summaries = self._summaries(top)
        if not summaries:
            return None
        from fastapi_lint.analysis.callgraph import CallGraph
        from fastapi_lint.analysis.catalog import Catalog
        from fastapi_lint.analysis.project import Project

        catalog = Catalog(*self.extends)
        catalog.installed = self._view(top)
        graph = self._graphs[top] = CallGraph(Project(summaries), catalog)
        return graph

    def _summaries(self, top: str) -> list[ModuleSummary]:
        for site in self.site_folders:
            files = list(_package_files(site, top))
            if files:
                return _cached_summaries(site, top, files, self.kept)
        return []


def _package_files(site: Path, top: str) -> Iterator[Path]:
    """The ``.py`` files of the package (or module) ``top`` in ``site``, none through a link that
    leaves ``site`` (an environment inside a repository is the repository's: untrusted)."""
    if not top.isidentifier():
        return
    module = site / f"{top}.py"
    if module.is_file() and _inside(module, site):
        yield module
        return
    folder = site / top
    if not (folder / "__init__.py").is_file() or not _inside(folder, site):
        return  # a namespace package (``google``): not followed yet
    count = 0
    for current, folders, names in os.walk(folder):
        folders[:] = sorted(name for name in folders if name not in _SKIPPED_FOLDERS and not name.startswith(".")
                            and (Path(current) / name / "__init__.py").is_file())
        for name in sorted(names):
            candidate = Path(current) / name
            if name.endswith(".py") and (not candidate.is_symlink() or _inside(candidate, site)):
                count += 1
                if count > MAX_FILES:
                    return
                yield candidate


def _inside(path: Path, site: Path) -> bool:
    try:
        return path.resolve().is_relative_to(site.resolve())
    except (OSError, RuntimeError):
        return False


def _cached_summaries(site: Path, top: str, files: list[Path], kept: KeptSummaries | None) -> list[ModuleSummary]:
    from fastapi_lint.analysis.extract import summarize_file

    key = _release_key(top, files, site)
    cached = _IN_MEMORY.get(key) or (kept.get(key) if kept is not None else None)
    if cached is not None:
        _IN_MEMORY[key] = cached
        return cached
    summaries: list[ModuleSummary] = []
    for file in files:
        with contextlib.suppress(OSError):
            if file.stat().st_size > _LARGEST_FILE:
                continue
        outcome = summarize_file(file, display=file.relative_to(site).as_posix())
        if isinstance(outcome, ModuleSummary):
            summaries.append(outcome)
    if kept is not None:
        kept.put(key, summaries)
    _IN_MEMORY[key] = summaries
    return summaries


def _release_key(top: str, files: list[Path], site: Path) -> str:
    """The package's name and a digest of its files' names and contents: the same release
    installed anywhere shares one entry, and a package whose files differ (edited, or a
    repository's own copy claiming a release's name) never reads another's."""
    digest = hashlib.sha256()
    for file in files:
        digest.update(file.relative_to(site).as_posix().encode() + b"\0")
        with contextlib.suppress(OSError):
            digest.update(hashlib.sha256(file.read_bytes()).digest())
    return f"{top}-{digest.hexdigest()[:24]}"
