"""Whether the served code may have an instance of a class: told by the classes' names.

Code outside the tests imports the class or a subclass (an enum of tools), builds one, names one
as a value (a table, an argument, an alias), calls a member of one (``Tool.from_config()``), or
may find one without naming it (a decorator that registers it, ``__subclasses__()``, a module
loaded by name). A class that only its package's ``__init__`` re-exports, and only tests build,
has none: a tool never registered. Names, not paths, as a re-export or an import root may spell
their paths otherwise.
"""

from __future__ import annotations

from collections.abc import Collection

from fastapi_lint.analysis.facts import CallSite, ModuleSummary, Ref
from fastapi_lint.analysis.named_values import NamedValues, named_values
from fastapi_lint.analysis.project import Project, per_project, unchanged_modules
from fastapi_lint.analysis.project_memos import share

# What code that looks up subclasses (``Base.__subclasses__()``) may make: any class.
_ANYTHING: frozenset[str] = frozenset({"*"})


class MadeClasses:
    """The question for one project and its tests (display paths)."""

    def __init__(self, project: Project, tests: Collection[str]) -> None:
        self.project = project
        self._tests = frozenset(tests)
        self._names: frozenset[str] | None = None

    @property
    def tests(self) -> frozenset[str]:
        return self._tests

    def may_be_made(self, class_path: str, loaded_by_name: Collection[str] = ()) -> bool:
        """Whether code outside the tests may have an instance of the class (or of a subclass);
        ``loaded_by_name``: modules loaded by name (``importlib.import_module(name)``)."""
        if self._names is None:  # a pass over the project, asked for only when first needed
            memo = _names_memo(self.project)
            names = memo.get(self._tests)
            if names is None:
                names = memo[self._tests] = _names_outside_tests(
                    self.project, named_values(self.project, self._tests), self._tests)
            self._names = names
        project = self.project
        family = project.family(class_path)
        if self._names is _ANYTHING or any(klass.rpartition(".")[2] in self._names for klass in family):
            return True
        if any(f"{base.rpartition('.')[2]}.__subclasses__" in self._names for base in project.mro(class_path)):
            return True  # ``{d.name(): d for d in BaseDeployment.__subclasses__()}``
        for klass in family:
            entry = project.classes.get(klass)
            if entry is None or entry[0].decorators or entry[1].module in loaded_by_name:
                return True
        return False


@per_project
def _names_memo(project: Project) -> dict[frozenset[str], frozenset[str]]:
    return {}


def _names_outside_tests(project: Project, named: NamedValues, tests: Collection[str]) -> frozenset[str]:
    """The last names of what the code outside the tests names as values, imports (but in a
    package's ``__init__``) and calls, and of the owners of the members it calls
    (``Tool.from_config`` names ``Tool``; ``Base.__subclasses__`` is kept whole);
    ``_ANYTHING`` when it looks up the subclasses of a class it cannot name."""
    found = {path.rpartition(".")[2] for path in named.values}
    per_module = _per_module(project)
    for summary in project.summaries:
        if summary.path in tests:
            continue
        names = share(per_module, summary.path, lambda: _names_in(project, summary))
        if names is _ANYTHING:
            return _ANYTHING
        found |= names
    return frozenset(found)


def reexported(project: Project, class_path: str, tests: Collection[str]) -> bool:
    """Whether a package's ``__init__`` outside ``tests`` imports the class, to re-export it (which
    ``may_be_made`` does not count as a use), and no code looks a class up in such a package by
    name, nor in the class's own module (``getattr(wallets, settings.wallet_class)``: a registry)."""
    shares = _reexports(project)
    packages = [summary.module for summary in project.summaries if summary.is_package and summary.path not in tests
                and class_path in share(shares, summary.path, lambda: _imported_in(project, summary))]
    handed = named_values(project, tests).handed
    return bool(packages) and class_path.rpartition(".")[0] not in handed and not handed.intersection(packages)


def _imported_in(project: Project, summary: ModuleSummary) -> frozenset[str]:
    return frozenset(project.resolve(Ref(imported)).path for _, imported in summary.imports)


@per_project.inherited(unchanged_modules)
def _reexports(project: Project) -> dict[str, frozenset[str]]:
    """What each package's ``__init__`` imports, resolved, by display path."""
    return {}


@per_project.inherited(unchanged_modules)
def _per_module(project: Project) -> dict[str, frozenset[str]]:
    """Each module's share, by display path (two questions ask with test sets a few modules apart)."""
    return {}


def _names_in(project: Project, summary: ModuleSummary) -> frozenset[str]:
    found: set[str] = set()
    if not summary.is_package:  # a package's ``__init__`` imports to re-export, not to use
        found.update(imported.rpartition(".")[2] for _, imported in summary.imports)
    calls: list[tuple[str | None, CallSite]] = [(None, site) for site in summary.module_calls]
    calls += ((function.class_path, site) for function in summary.functions for site in function.calls)
    for own_class, site in calls:
        if site.func is None:
            continue
        callee = project.resolve(site.func).path
        owner, _, name = callee.rpartition(".")
        if own_class is not None and own_class in (callee, owner):
            continue  # ``self.helper()`` in its own methods
        if name == "__subclasses__":
            if owner not in project.classes:
                return _ANYTHING  # the subclasses of a class it cannot name
            found.add(f"{owner.rpartition('.')[2]}.__subclasses__")
        found.update((name, owner.rpartition(".")[2]))
    return frozenset(found)
