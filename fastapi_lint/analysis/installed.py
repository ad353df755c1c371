"""Calls into installed packages, followed to what they wait on.

The catalog names what blocks in the libraries it knows. With the project's environment at hand
(``--python``, ``python = "..."`` in the configuration, or found by itself: ``run/environment.py``),
a call into a package it does not know (``firecrawl.FirecrawlApp(...).scrape_url(url)``) is
followed into that package's source in the environment's ``site-packages``: the module defining
it is summarised by the same phase-1 extractor as the project's (never imported), linked as a
project of their own, and the library function's calls climbed down to the catalog's waits
(``requests.post``), through the other packages it calls; the package's other modules are read
as the climb's resolution names them (an import, a base class), and the climb made again over
them, until it names none it has not read: a package's modules that no call reaches are not
read. Below namespace packages (``google.cloud``, ``pyln``) the first regular package is the
unit. The finding names the chain: ``route -> firecrawl.FirecrawlApp.scrape_url``, "performs a
synchronous HTTP request inside `firecrawl` (firecrawl.firecrawl.FirecrawlApp.scrape_url ->
requests.post)". A call's arguments count (``at``): a request made only under a flag the call
leaves at its default is not its wait.

Not followed: the packages the catalog has entries for (written for them, it knows which of
their calls wait), and the framework the service runs on (``_FRAMEWORK``: FastAPI, Starlette,
Pydantic and the like answer a request without waiting on anything but what the catalog names).
What stops the climb: the library's own coroutines (its async API, awaited), what it offloads
(``run_in_executor``, ``to_thread``), what the catalog calls async-safe, and what waits only on a
file or its metadata (a library reads its own data files; only waits on a peer, a process or a
clock are taken). A package of the project itself (installed into its own environment) is never
read from there. Without an environment, nothing here runs.

What is read is kept (``KeptSummaries``: the user's cache folder, ``run/environment.py``): each
package's summaries by its name and a digest of its files, so another project using the same
release pays nothing; and each run's answers, for the next run in the same environment while
every package it read is as it was (then no package is read at all). Two packages that call
each other are followed once each way: the answer found while the other was open is kept.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Optional, Protocol

from fastapi_lint.analysis.catalog.blocking import Entry, Tier
from fastapi_lint.analysis.extract.deferred import DeferredFunctionFacts
from fastapi_lint.analysis.facts import CallSite, ModuleSummary, Ref, RefKind

if TYPE_CHECKING:
    from fastapi_lint.analysis.callgraph import CallGraph
    from fastapi_lint.analysis.catalog import Catalog

# A package larger than this is read no further (its first files in path order are kept): the
# SDKs this is for have tens to hundreds of modules.
MAX_FILES = 1500
# Folders of a package that the code calling it never runs.
_SKIPPED_FOLDERS = frozenset({"tests", "test", "testing", "examples", "docs", "benchmarks", "__pycache__"})
_LARGEST_FILE = 2_000_000
# How many namespace packages deep (``google.cloud.storage``) a regular package is looked for.
_NAMESPACE_DEPTH = 3
_FRAMEWORK = frozenset({"fastapi", "starlette", "pydantic", "pydantic_core", "pydantic_settings", "typing_extensions",
                        "anyio", "sniffio", "uvicorn", "annotated_types", "typing_inspection"})
_INSTEAD = "the library's async API if it has one, or `await run_in_threadpool(...)`"
# Summaries by release key, then by the file's path below site-packages, for the checks of a
# long-lived process (an editor's session).
_IN_MEMORY: dict[str, dict[str, ModuleSummary | None]] = {}


class KeptSummaries(Protocol):
    """Where the summaries of installed packages are kept between runs, by release key; and the
    answers of the last run in this environment (``Answers``), for this linter and catalog."""

    def get(self, key: str) -> list[ModuleSummary] | None: ...

    def put(self, key: str, summaries: list[ModuleSummary]) -> None: ...

    def answers(self) -> Answers | None: ...

    def put_answers(self, answers: Answers) -> None: ...


# What a call into a package comes to: the wait's ``why``, the chain from the package's function
# down to it, and the entry's kind, waits and tier. Plain values, so they can be kept.
Found = tuple[str, list[str], str, str, int]
# What the last run found in an environment: each package read (or looked for) with the
# signature of its files then; each path's answer; and each answer for a call's arguments
# (``at``), by path and arguments. Kept sealed, read back by a strict unpickler.
Answers = tuple[dict[str, str], dict[str, Optional[Found]], dict[str, Optional[Found]]]


class InstalledLibraries:
    """The installed packages of one environment, read on demand, each once."""

    def __init__(self, site_folders: tuple[Path, ...], extend_blocking: tuple[str, ...] = (),
                 extend_safe: tuple[str, ...] = (), kept: KeptSummaries | None = None,
                 shared: InstalledLibraries | None = None, own_modules: frozenset[str] = frozenset(),
                 own_package: str | None = None) -> None:
        self.site_folders = site_folders
        self.extends = (extend_blocking, extend_safe)  # the configuration's, for the packages' own catalogs
        self.kept = kept
        # top-level names of the project's modules: never read from the environment
        self.own_modules = own_modules
        self.own_package = own_package  # the package whose calls a view matches: its paths are its project's
        # Shared with the views each package's calls are matched through (``_view``):
        self._graphs: dict[frozenset[str], CallGraph | None] = shared._graphs if shared else {}  # modules -> linked
        self._packages: dict[str, str | None] = shared._packages if shared else {}  # path -> its package (``_package_of``)
        self._found: dict[str, Found | None] = shared._found if shared else {}  # path -> what ``entry`` found
        self._found_at: dict[str, Found | None] = shared._found_at if shared else {}  # ``at``'s, by ``_at_key``
        self._open: set[str] = shared._open if shared else set()  # the paths being followed
        self._looked_up: set[str] = shared._looked_up if shared else set()  # the packages this run looked for
        # release keys (``_release_key``) whose summaries grew this run: kept once, in ``keep_answers``
        self._grown: set[str] = shared._grown if shared else set()
        # how many answers the last run's gave (None: not read yet); the project's catalog reads
        # and keeps them, not a package's view
        self._kept_answers: int | None = None
        # package -> where it is installed: its site-packages folder, its modules' files and the
        # release key of their contents; None when not installed (``_layout``)
        self._layouts: dict[str, _Layout | None] = shared._layouts if shared else {}
        self._catalogs: dict[str, Catalog] = shared._catalogs if shared else {}  # package -> what its calls match

    def _view(self, package: str) -> InstalledLibraries:
        """The same environment, as ``package``'s calls see it (its own paths are its project's)."""
        return InstalledLibraries(self.site_folders, *self.extends, self.kept, self, own_package=package)

    def entry(self, path: str, covered: Callable[[str], bool] = lambda package: False) -> Entry | None:
        """The wait that calling ``path`` (a dotted path outside the project) comes to inside its
        installed package, as a catalog entry; None when it is not installed, not followed (a
        package the catalog ``covered``), or comes to none."""
        top = path.partition(".")[0]
        if not top or "()" in path or top in self.own_modules or top in _FRAMEWORK or path in self._open:
            return None
        if self.own_package is not None and (path + ".").startswith(self.own_package + "."):
            return None
        if self._kept_answers is None and self.own_package is None:
            self._read_answers()
        if path not in self._found:
            package = self._package_of(path)
            if package is None or covered(package):
                return None
            self._open.add(path)
            try:
                found = self._follow(package, path)
            finally:
                self._open.discard(path)
            self._found[path] = found
        return _as_entry(path, self._found[path])

    def at(self, path: str, site: CallSite, entry: Entry) -> Entry | None:
        """``entry`` (``path``'s, as ``site`` calls it): for a call into a package, the wait its
        arguments let run, if any (``requests.get`` under ``if online:``, a flag the site leaves
        at its default ``False``, does not); any other entry as it is."""
        if self._found.get(path) is None:
            return entry
        key = _at_key(path, site)
        if key not in self._found_at:
            package = self._package_of(path)
            if package is None:
                return entry
            self._found_at[key] = self._follow(package, path, site)
        return _as_entry(path, self._found_at[key])

    def _package_of(self, path: str) -> str | None:
        """The installed package whose files define ``path``: its top-level package or module,
        or, below namespace packages (``google.cloud``, ``pyln``: folders without ``__init__.py``),
        the first regular package (``pyln.client``); None when none is installed."""
        segments = path.split(".")[:_NAMESPACE_DEPTH + 1]
        key = ".".join(segments)
        if key not in self._packages:
            self._packages[key] = next((found for site in self.site_folders
                                        if (found := _package_in(site, segments)) is not None), None)
        return self._packages[key]

    def _follow(self, package: str, path: str, site: CallSite | None = None) -> Found | None:
        """What calling ``path`` comes to, read on demand: the module defining it first; then,
        while resolving the call's reach names modules of the package not read yet (an import, a
        base class, a submodule's function), those too, and the call asked again over them."""
        self._looked_up.add(package)
        layout = self._layout(package)
        if layout is None:
            return None
        modules = _readable(layout, package, {_defining_module(path, package, layout.by_module)}, self.kept, self._grown)
        while True:
            graph = self._graph(package, modules)
            if graph is None:
                return None
            found = self._witness(graph, path, site)
            wanted = {_defining_module(asked, package, layout.by_module)
                      for asked in graph.project.paths_asked() if (asked + ".").startswith(package + ".")}
            if wanted <= modules.keys() or len(modules) >= MAX_FILES:
                return found
            grown = _readable(layout, package, wanted | modules.keys(), self.kept, self._grown)
            if grown.keys() == modules.keys():
                return found  # what it names more, phase 1 cannot read (a file too large, or not Python)
            modules = grown

    def _witness(self, graph: CallGraph, path: str, site: CallSite | None) -> Found | None:
        project = graph.project
        ref = project.resolve(Ref(path))
        # ``SentenceSplitter.get_nodes_from_documents``, inherited: its ``self`` calls reach
        # ``SentenceSplitter``'s methods, not another subclass's
        owner = project.resolve(Ref(path.rpartition(".")[0]))
        receiver = owner.path if owner.path in project.classes else None
        best = None
        for target in graph.targets(ref) if ref.kind is RefKind.SYMBOL else []:
            located = project.function(target)
            if located is None or located.function.is_async:
                continue  # the library's own coroutine: awaited, it waits without holding the loop
            witness = graph.witness_on(target, receiver, site)
            if witness is None or witness.opt_in or witness.tier is not Tier.WAIT:
                continue
            if best is None or witness.outranks(best):
                best = witness
        if best is None:
            return None
        hops = [best.steps[0].caller.function.path, *(step.callee for step in best.steps)]
        why = best.entry.why
        below = self._found.get(best.entry.pattern)
        if below is not None:  # a chain into another package: one chain, told once
            why, hops = below[0], [*hops[:-1], *below[1]]
        return (why, hops, best.entry.kind, best.entry.waits, int(best.entry.tier))

    def _read_answers(self) -> None:
        """The last run's answers, when every package it read (or did not find) is as it was."""
        self._kept_answers = 0
        kept = self.kept.answers() if self.kept is not None else None
        if kept is None:
            return
        packages, found, found_at = kept
        if any(self._signature(top) != signature for top, signature in packages.items()):
            return
        self._found.update(found)
        self._found_at.update(found_at)
        self._looked_up.update(packages)
        self._kept_answers = len(found) + len(found_at)

    def keep_answers(self) -> None:
        """Keeps what this run read of each package (once per release, however many rounds read
        it) and its answers, for the next run in this environment, when it found more."""
        if self.kept is None:
            return
        for key in sorted(self._grown):
            self.kept.put(key, [summary for summary in _IN_MEMORY[key].values() if summary is not None])
        self._grown.clear()
        if self._kept_answers is None or len(self._found) + len(self._found_at) <= self._kept_answers:
            return
        packages = {top: self._signature(top) for top in sorted(self._looked_up)}
        self.kept.put_answers((packages, dict(self._found), dict(self._found_at)))

    def _graph(self, package: str, modules: dict[str, ModuleSummary]) -> CallGraph | None:
        """``modules`` of ``package`` linked, once per set of modules."""
        key = frozenset(modules)
        if key in self._graphs:
            return self._graphs[key]
        self._graphs[key] = None  # modules whose own linking asks for themselves find nothing
        if not modules:
            return None
        from fastapi_lint.analysis.callgraph import CallGraph
        from fastapi_lint.analysis.project import Project

        graph = self._graphs[key] = CallGraph(Project(list(modules.values())), self._catalog_of(package))
        return graph

    def _catalog_of(self, package: str) -> Catalog:
        """The catalog ``package``'s calls are matched against: the configuration's, following
        other packages (its own paths are its project's)."""
        if package not in self._catalogs:
            from fastapi_lint.analysis.catalog import Catalog

            catalog = self._catalogs[package] = Catalog(*self.extends)
            catalog.installed = self._view(package)
        return self._catalogs[package]

    def _layout(self, package: str) -> _Layout | None:
        if package not in self._layouts:
            found = next(((site, files) for site in self.site_folders if (files := _package_files(site, package))), None)
            self._layouts[package] = None if found is None else _Layout(
                found[0], {_module_of(file, found[0])[0]: file for file in found[1]})
        return self._layouts[package]

    def _signature(self, package: str) -> str:
        """The names, sizes and times of ``package``'s files where it is installed ("" when it is not)."""
        layout = self._layout(package)
        if layout is None:
            return ""
        digest = hashlib.sha256(str(layout.site).encode())
        for file in layout.by_module.values():
            with contextlib.suppress(OSError):
                stat = file.stat()
                digest.update(f"{file.relative_to(layout.site).as_posix()}:{stat.st_size}:{stat.st_mtime_ns};".encode())
        return digest.hexdigest()


class _Layout:
    """Where a package is installed: its site-packages folder and its modules' files, by module;
    the release key of their contents made when first asked for."""

    def __init__(self, site: Path, by_module: dict[str, Path]) -> None:
        self.site = site
        self.by_module = by_module
        self._release: str | None = None
        self._shown: dict[str, str] = {}

    def shown(self, module: str) -> str:
        """The module's file as its facts name it: its path below site-packages (asked in every
        round of a climb that reads more of the package)."""
        found = self._shown.get(module)
        if found is None:
            found = self._shown[module] = self.by_module[module].relative_to(self.site).as_posix()
        return found

    def release(self, package: str) -> str:
        if self._release is None:
            self._release = _release_key(package, list(self.by_module.values()), self.site)
        return self._release


def _package_in(site: Path, segments: list[str]) -> str | None:
    """The dotted name of the module or regular package in ``site`` that the leading
    ``segments`` name, through namespace packages; None when there is none."""
    folder = site
    for depth, segment in enumerate(segments[:_NAMESPACE_DEPTH + 1]):
        if not segment.isidentifier():
            return None
        name = ".".join(segments[:depth + 1])
        if (folder / f"{segment}.py").is_file() or (folder / segment / "__init__.py").is_file():
            return name
        folder = folder / segment
        if not folder.is_dir():
            return None
    return None


def _package_files(site: Path, package: str) -> list[Path]:
    """The ``.py`` files of ``package`` (a module, or a package and its subpackages) in ``site``,
    none through a link that leaves ``site`` (an environment inside a repository is the
    repository's: untrusted)."""
    return list(_walk_package(site, package))


def _walk_package(site: Path, package: str) -> Iterator[Path]:
    if not all(part.isidentifier() for part in package.split(".")):
        return
    base = site.joinpath(*package.split("."))
    module = base.with_name(base.name + ".py")
    if module.is_file() and _inside(module, site):
        yield module
        return
    if not (base / "__init__.py").is_file() or not _inside(base, site):
        return
    count = 0
    for current, folders, names in os.walk(base):
        folders[:] = sorted(name for name in folders if name not in _SKIPPED_FOLDERS and not name.startswith(".")
                            and (Path(current) / name / "__init__.py").is_file())
        for name in sorted(names):
            candidate = Path(current) / name
            if name.endswith(".py") and (not candidate.is_symlink() or _inside(candidate, site)):
                count += 1
                if count > MAX_FILES:
                    return
                yield candidate


def _module_of(file: Path, site: Path) -> tuple[str, bool]:
    """The module ``file`` is, named by its place below ``site``, and whether it is a package's
    ``__init__`` (a namespace package's modules have no ``__init__.py`` above them to be named by)."""
    relative = file.relative_to(site).with_suffix("")
    if relative.name == "__init__":
        return ".".join(relative.parent.parts), True
    return ".".join(relative.parts), False


def _defining_module(path: str, package: str, by_module: dict[str, Path]) -> str:
    """The longest leading part of ``path`` that is a module of the package (else the package)."""
    segments = path.split(".")
    for end in range(len(segments), 0, -1):
        candidate = ".".join(segments[:end])
        if candidate in by_module:
            return candidate
    return package


def _readable(layout: _Layout, package: str, wanted: set[str], kept: KeptSummaries | None,
              grown: set[str]) -> dict[str, ModuleSummary]:
    """The facts of the ``wanted`` modules of ``package`` that phase 1 reads, each with the
    ``__init__`` of the packages above it and the modules it star-imports from the package
    (a name it defines may come from any of them), by module; the release key goes into
    ``grown`` when a module was read for the first time."""
    site, by_module = layout.site, layout.by_module
    release = layout.release(package)
    known = _package_summaries(release, kept, str(site))
    chosen: dict[str, ModuleSummary] = {}
    pending = sorted(wanted)
    while pending and len(chosen) < MAX_FILES:
        module = pending.pop()
        if module in chosen or module not in by_module:
            continue
        shown = layout.shown(module)
        summary = known.get(shown)
        if summary is None and shown not in known:
            summary = known[shown] = _summarize(by_module[module], site)
            grown.add(release)
        if summary is None:
            continue
        chosen[module] = summary
        parts = module.split(".")
        pending.extend(".".join(parts[:end]) for end in range(len(package.split(".")), len(parts)))
        pending.extend(_defining_module(starred, package, by_module) for starred in summary.star_imports
                       if (starred + ".").startswith(package + "."))
    return chosen


def _as_entry(path: str, found: Found | None) -> Entry | None:
    if found is None:
        return None
    why, hops, kind, waits, tier = found
    return Entry(path, f"{why} inside `{path.partition('.')[0]}` ({' -> '.join(hops)})", _INSTEAD, kind, False,
                 waits, Tier(tier))


def _at_key(path: str, site: CallSite) -> str:
    """``path`` and what of ``site`` decides which of its lines run: the arguments as written."""
    return f"{path}\0{site.args!r}\0{site.kwargs!r}\0{site.has_star_args}\0{site.has_star_kwargs}"


def _inside(path: Path, site: Path) -> bool:
    try:
        return path.resolve().is_relative_to(site.resolve())
    except (OSError, RuntimeError):
        return False


def _package_summaries(key: str, kept: KeptSummaries | None, site: str) -> dict[str, ModuleSummary | None]:
    """The facts of a release's files read so far (by their path below site-packages; None: a
    file phase 1 could not read), from this process or the user's cache (``key``: ``_release_key``);
    a body not read yet is read from ``site``, where the release is installed for this run."""
    if key not in _IN_MEMORY:
        cached = kept.get(key) if kept is not None else None
        for summary in cached or []:
            for function in summary.functions:
                if isinstance(function, DeferredFunctionFacts):
                    function.installed_in(site)
        _IN_MEMORY[key] = {summary.path: summary for summary in cached or []}
    return _IN_MEMORY[key]


def _summarize(file: Path, site: Path) -> ModuleSummary | None:
    """``file``'s facts, its module named by its place below ``site``; None when phase 1 cannot
    read it (a file too large, or not Python this interpreter or libcst reads)."""
    from fastapi_lint.analysis.extract import summarize_file

    with contextlib.suppress(OSError):
        if file.stat().st_size > _LARGEST_FILE:
            return None
    outcome = summarize_file(file, file.relative_to(site).as_posix(), named=_module_of(file, site), defer=str(site))
    return outcome if isinstance(outcome, ModuleSummary) else None


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
