"""The modules a served app imports (``Scopes.closure``): only their functions may be ``UNKNOWN``;
and the routes no served app serves (``Scopes.unserved``): on routers no module imports, only on
apps the deployment does not start, or registered by a setup function that nothing calls.

A function of a module the served process never imports cannot run on the app's loop, whatever
its name says. The closure follows the imports made at import time and in the functions that run
in the served process; a module named at run time (``importlib.import_module(setting)``, a
plugin or a backend picked by configuration) may be any module under the prefix the name gives
(``Scopes.loaded_by_name``), but a script outside any package that runs its own loop, or an
example's module (``examples/``: what shows the service's use is not part of it).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from fastapi_lint.analysis.app_model import ROUTER_TYPES
from fastapi_lint.analysis.deployments import Deployments
from fastapi_lint.analysis.facts import ModuleSummary
from fastapi_lint.analysis.guards import callers
from fastapi_lint.analysis.looked_up import IMPORTERS
from fastapi_lint.analysis.named_values import NamedValues, named_values
from fastapi_lint.analysis.project import Project, per_project, unchanged_modules
from fastapi_lint.analysis.project_memos import share
from fastapi_lint.analysis.scope_edges import CallEdges
from fastapi_lint.analysis.scope_places import Scopes
from fastapi_lint.analysis.test_code import example_folder, in_examples
from fastapi_lint.paths import is_within


# Import a module whose name is computed at run time.
_IMPORTERS_BY_NAME = frozenset(name.rpartition(".")[2] for name in IMPORTERS)
# Run a loop (or a server) until done: at a module's top, the module is a script.
_SCRIPT_RUNNERS = frozenset({"asyncio.run", "anyio.run", "trio.run", "uvicorn.run"})


class ModuleClosure(CallEdges):
    """The import closure of the app's modules, from the roots of its request path and startup."""

    deployed_loads: set[str] = set()  # what the started modules import (``_undeployed_apps``; none started: none)

    def _closure(self, request_roots: list[str], startup_roots: list[str], result: Scopes) -> set[str]:
        """The modules an app's modules import, at import time or from functions that run in
        the served process (on the request path, at startup, in the app's tasks)."""
        project = self.project
        served = result.request | result.startup | result.once | result.app_task
        seeds = {located.module.module for path in [*request_roots, *startup_roots]
                 if (located := project.function(path)) is not None}
        closure: set[str] = set()
        pending = sorted(seeds)
        prefixes: set[str] = set()  # what modules named at run time start with ("": any)
        naming: set[str | None] = {None}  # the examples folders of the modules that name them
        while pending:
            name = pending.pop()
            summary = project.modules.get(name)
            if summary is None or summary.module in closure:
                continue
            closure.add(summary.module)
            imports = self._imports(summary)
            for where, named in imports.by_name:
                if where is not None and where not in served:
                    continue
                if not named or named.endswith("."):
                    prefixes.add(named)  # a template's prefix, or "" (computed): any module under it
                    naming.add(example_folder(summary.path))
                elif named in project.modules:
                    pending.append(named)  # ``import_module("app.plugins.local")``: that module
                # else a library named whole (``import_module("pandasai")``): none of the project's
            for where, modules in imports.modules:
                if where != summary.module and where not in served:
                    continue
                pending.extend(module for module in modules if module not in closure)
            parent = summary.module.rpartition(".")[0]
            if parent:  # importing a module runs its package's __init__ first
                pending.append(parent)
        if prefixes:  # a module named at run time (a plugin, a backend chosen by a setting): any of them
            # but an example's, unless the code naming it is in that examples folder (a service
            # whose own package is ``demo/``)
            result.loaded_by_name = {summary.module for summary in project.summaries
                                     if summary.path not in result.tests and summary.module not in closure
                                     and any(summary.module.startswith(prefix) for prefix in prefixes)
                                     and not self._script(summary) and example_folder(summary.path) in naming}
            closure |= result.loaded_by_name
        return closure

    def _script(self, summary: ModuleSummary) -> bool:
        """A file outside any package that runs a loop of its own at its top (``asyncio.run(main())``
        under ``if __name__ == "__main__":``): a script, which no name computed at run time means."""
        return "." not in summary.module and not summary.is_package and any(
            site.func is not None and self.project.resolve(site.func).path in _SCRIPT_RUNNERS
            for site in summary.module_calls)

    def _unincluded_routes(self, tests: set[str], closure: set[str]) -> frozenset[str]:
        """The handlers of routes on an ``APIRouter`` that no app is known to include, in a module
        no other module of the project imports, or whose router no code names: a router left out
        of the service (an old login flow's ``login.router``, never passed to ``include_router``). Only in a project whose
        apps are seen to include routers, and none when a module the served apps load
        (``closure``, or what the modules defining the apps import) imports one by a name
        computed at run time and includes a router it cannot name: any module may then be the one
        (a migration's or a script's own dynamic import loads nothing into the server). A router
        included somewhere, if into an app the analysis does not know, is not left out."""
        project = self.project
        if not any(mount.app and mount.app != route.owner for route in self.model.routes for mount in route.mounts):
            return frozenset()  # no app is seen to include a router: the apps may be elsewhere
        imported: set[str] = set()
        app_modules = [defining for route in self.model.routes for mount in route.mounts
                       if mount.app and (defining := project.modules.get(app_module(self.project, mount.app))) is not None]
        loaded = closure | self._imported_from(list({summary.path: summary for summary in app_modules}.values()))
        # ... and served only where an app includes what the analysis cannot name: a class loaded
        # by its dotted path (a service container's ``__import__(module, fromlist=[name])``) serves
        # no router of the module it imports
        computed_includes = self.model.computed_includes & loaded
        for summary in project.summaries:
            if summary.path in tests:
                continue
            imported.update(module for _, module in summary.imports if module != summary.module)
            for _, named in self._imports(summary).by_name:
                if (not named or named.endswith(".")) and summary.module in loaded and computed_includes:
                    return frozenset()  # ``import_module(name)``: routers may be loaded by name
                imported.add(named)
        found: set[str] = set()
        naming: NamedValues | None = None
        # ... and the last two names of each (``analytics.router`` through a name bound two ways,
        # ``try: from routers import analytics`` / ``except ImportError: analytics = None``)
        tails: set[str] | None = None

        def named_by_code(router: str, module: str) -> bool:
            """Whether some code names ``router`` (of ``module``) or its module as a value."""
            nonlocal naming, tails
            naming = naming or named_values(project, tests)
            tails = tails if tails is not None else _tails(naming.values | naming.handed)
            return router in imported or any(path in naming.values or path in naming.handed or _tail(path) in tails
                                             for path in (router, module))

        for route in self.model.routes:
            module = route.handler.module
            if (module.path in tests or any(mount.app for mount in route.mounts) or route.site.func is None
                    or project.resolve(route.site.func).path.rpartition(".")[0] not in ROUTER_TYPES):
                continue
            tops = {mount.top for mount in route.mounts} or {route.owner}
            if all(self._left_out(top, route.owner, module.module, imported, named_by_code) for top in tops):
                found.add(route.handler.function.path)
        return frozenset(found)

    def _uncalled_setups(self, tests: set[str]) -> frozenset[str]:
        """The handlers of routes a function registers on the app or router it is handed (``def
        add_user_routes(app: FastAPI): @app.post(...)``), when no code outside tests calls that
        function, at module level or in a function, nor names it as a value (an import, an
        argument, a table's entry): the routes are never registered."""
        project = self.project
        setups: dict[str, list[str]] = {}
        for route in self.model.routes:
            setup = (route.owner or "").partition(":")[0]
            if (":" in (route.owner or "") and route.handler.function.parent_path == setup and project.function(setup) is not None
                    and route.handler.module.path not in tests and not any(mount.app for mount in route.mounts)):
                setups.setdefault(setup, []).append(route.handler.function.path)
        if not setups:
            return frozenset()
        called = set(callers(self.graph))
        called.update(callee.path for summary in project.summaries if summary.path not in tests
                      for site in summary.module_calls for callee in project.callees(site))
        naming = named_values(project, tests)
        return frozenset(handler for setup, handlers in setups.items()
                         if setup not in called and setup not in naming.named and setup not in naming.handed
                         for handler in handlers)

    def _left_out(self, top: str | None, owner: str | None, module: str, imported: set[str],
                  named: Callable[[str, str], bool]) -> bool:
        """Whether a way up from a route's router, ending at ``top``, leaves it out of the
        service: ``top`` is the router of the route's own module (``module``) and that module is
        imported by none, or its router named by no code (an ``include_router(search.router)``
        commented out while ``from .api import search`` stays); or ``top`` is a module-level
        router the route's router is included into, in a module imported by none or named by no
        code (a package's ``router`` collecting its modules' routers, which no app includes).
        Never a router included somewhere (if into an app the analysis does not know), one
        imported by its own name, one a function makes and returns, a module handed on or kept
        in a table."""
        if top in self.model.included:
            return False
        if top is None or top == owner:
            if module not in imported:
                return True
            return top is not None and top.rpartition(".")[0] == module and not named(top, module)
        home = top.rpartition(".")[0]
        if ":" in top or home not in self.project.modules:
            return False
        return home not in imported or not named(top, home)

    def _undeployed_apps(self, tests: set[str], deployments: Deployments) -> frozenset[str]:
        """The modules defining apps the deployment does not start: below the folder of a module
        a deployment file starts (``uvicorn app.main:app``), or in an examples folder anywhere
        (``examples/``, ``samples/``, ``demos/``: apps shipped to show the service's use), loaded
        neither by it nor by what it imports (a feature's stand-alone ``main.py``). None when no
        deployment file starts a module that serves an app (outside such folders)."""
        started = [summary for summary in self._started(deployments)
                   if summary.path not in tests and not in_examples(summary.path)]
        loads = {summary.path: self._imported_from([summary]) for summary in started}
        closure = self.deployed_loads = set().union(*loads.values())
        app_modules = {app_module(self.project, mount.app) for route in self.model.routes for mount in route.mounts if mount.app}
        if not started or not closure & app_modules:
            return frozenset()
        folders = {os.path.dirname(summary.path) for summary in started if loads[summary.path] & app_modules}
        return frozenset(module for module in app_modules if module and module not in closure
                         and (found := self.project.modules.get(module)) and found.path not in tests
                         and (in_examples(found.path) or any(_below(found.path, folder) for folder in folders)))

    def _routes_only_of(self, undeployed: frozenset[str]) -> frozenset[str]:
        """The handlers of routes that only apps of ``undeployed`` modules serve."""
        found: set[str] = set()
        for route in self.model.routes:
            apps = {app_module(self.project, mount.app) for mount in route.mounts if mount.app}
            if apps and apps <= undeployed:
                found.add(route.handler.function.path)
        return frozenset(found)

    def _started(self, deployments: Deployments) -> list[ModuleSummary]:
        """The project's modules the deployment files name: by a dotted name (``app.main`` of
        ``uvicorn app.main:app``, which must bind the attribute named; ``python -m app.server``)
        of a file beside the deployment file, else that the project's import roots give a module,
        else that one module alone ends with; or by a script's path (``fastapi run app/main.py``)."""
        project = self.project
        targets, runs, scripts = deployments.named()
        found: dict[str, ModuleSummary] = {}
        for name, attribute in targets:
            summary = self._named_module(name)
            if summary is not None and (f"{summary.module}.{attribute}" in project.bindings
                                        or f"{summary.module}.{attribute}" in project.functions):
                found[summary.path] = summary
        for name in runs:
            if (summary := self._named_module(name)) is not None:
                found[summary.path] = summary
        by_path = {summary.path: summary for summary in project.summaries}
        for shown, served in deployments.beside():
            summary = by_path.get(shown)
            if summary is not None and (served is None or f"{summary.module}.{served}" in project.bindings
                                        or f"{summary.module}.{served}" in project.functions):
                found[summary.path] = summary
        for summary in project.summaries:
            path = summary.path.replace(os.sep, "/")
            if any(path == script or path.endswith("/" + script) for script in scripts):
                found[summary.path] = summary
        return list(found.values())

    def _named_module(self, name: str) -> ModuleSummary | None:
        summary = self.project.modules.get(name)
        if summary is not None:
            return summary
        ending = [summary for summary in self.project.summaries if summary.module.endswith("." + name)]
        return ending[0] if len(ending) == 1 else None

    def _imported_from(self, summaries: list[ModuleSummary]) -> set[str]:
        """The modules ``summaries`` import, anywhere in them, and what those import, with
        their packages."""
        project = self.project
        closure: set[str] = set()
        pending = [summary.module for summary in summaries]
        while pending:
            summary = project.modules.get(pending.pop())
            if summary is None or summary.module in closure:
                continue
            closure.add(summary.module)
            for _, modules in self._imports(summary).modules:
                pending.extend(module for module in modules if module not in closure)
            pending.append(summary.module.rpartition(".")[0])
        return closure

    def _imports(self, summary: ModuleSummary) -> _Imports:
        """What ``summary`` imports (``_Imports``), read once per module and kept while the module
        does not change (``Project.inherit``): it reads the module's facts and name resolution alone."""
        return share(_import_shares(self.project), summary.path,
                     lambda: _Imports(self._imported_modules(summary), tuple(self._imports_by_name(summary))))

    def _imported_modules(self, summary: ModuleSummary) -> tuple[tuple[str, tuple[str, ...]], ...]:
        modules = self.project.modules
        return tuple((where, tuple(found.module for module in _with_parents(imported)
                                   if (found := modules.get(module)) is not None))
                     for where, imported in summary.imports)

    def _imports_by_name(self, summary: ModuleSummary) -> Iterator[tuple[str | None, str]]:
        """The modules code that runs in the served process imports by name
        (``importlib.import_module(...)``), with the function that does (None: the module's top):
        a name written whole (``"pandasai"``), the prefix of one built from a template
        (``f"app.providers.{kind}"``: ``"app.providers."``), or "" for one computed (any module of
        the project may then be loaded)."""
        project = self.project
        for function, site in project.owned_calls(summary):
            if site.func is None or site.text.rpartition(".")[2] not in _IMPORTERS_BY_NAME:
                continue
            if project.resolve(site.func).path not in IMPORTERS or not site.args:
                continue
            where = function.path if function is not None else None
            named = site.args[0]
            if named.kind == "str":
                yield where, "" if named.text.startswith(".") else named.text  # relative to a package: any
            elif named.kind == "fstring" and "." in named.text:
                yield where, named.text[:named.text.rindex(".") + 1]
            elif named.kind != "const":
                yield where, ""


@dataclass(frozen=True)
class _Imports:
    """What a module imports, as the closure follows it."""

    # each import (where it is made: the module, or a function's path) with the project's modules
    # it loads: the one named and its packages
    modules: tuple[tuple[str, tuple[str, ...]], ...]
    # each module named at run time (``_imports_by_name``), with the function naming it (None: the module's top)
    by_name: tuple[tuple[str | None, str], ...]


@per_project.inherited(unchanged_modules)
def _import_shares(project: Project) -> dict[str, _Imports]:
    """Each module's ``_Imports``, by its display path."""
    return {}


def _with_parents(dotted: str) -> Iterator[str]:
    parts = dotted.split(".")
    for end in range(1, len(parts) + 1):
        yield ".".join(parts[:end])


def _below(path: str, folder: str) -> bool:
    """Whether the module at ``path`` is in ``folder`` or below it ("": the working folder, above all)."""
    return not folder or is_within(os.path.dirname(path), folder)


def app_module(project: Project, key: str) -> str:
    """The module an app's key (``svc.main.app``; ``svc.main.create_app:fastapi.FastAPI``, an app
    a function makes) is in; "" when none of the project's."""
    name = key.partition(":")[0]
    while name:
        name = name.rpartition(".")[0]
        found = project.modules.get(name)
        if found is not None:
            return found.module
    return ""


def _tail(path: str) -> str:
    """The last two names of a dotted path (``routers.analytics.router`` -> ``analytics.router``)."""
    return ".".join(path.split(".")[-2:])


def _tails(paths: set[str]) -> set[str]:
    return {_tail(path) for path in paths} | {path.rpartition(".")[2] for path in paths}
