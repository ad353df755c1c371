"""Calls through an interface, whose implementation the deployment picks.

``self.store.read(key)`` on a ``FileStore`` runs the ``read`` of the store the server was set up
with: local files, S3, Google Cloud. A call through an interface is reported when it blocks in
one implementation (the costliest chain) unless another is known not to block: code the
analysis sees through entirely, with no wait in it (an in-process vector store beside Chroma's
client, a no-op metrics sink beside a UDP one). Then the call blocks only where the deployment
picks the other, and the code does not say which it picks: not reported. An implementation the
analysis cannot see through (a library it does not know) may block: it changes nothing.

A class of a test module overriding the interface's method (a test's own subclass) is no
implementation served code runs: calls outside the tests never reach it (``test_functions``).

Not a server's pick: abstract overrides, test doubles (``InMemoryFileStore``, ``FakeStore``,
classes of test modules), and classes no code outside the tests makes (``made_classes.py``),
unless none is made that way (classes a registry loads by name).
"""

from __future__ import annotations

import re

from fastapi_lint.analysis.catalog import Followed
from fastapi_lint.analysis.guards import module_in_tests
from fastapi_lint.analysis.made_classes import MadeClasses
from fastapi_lint.analysis.project import Project, per_project, whole

# The class names of test doubles: a store kept in memory, a fake client.
_DOUBLES = re.compile(r"(?:^|\.)_?(?:InMemory|Fake|Mock|Dummy|Stub)[A-Z]\w*$")


class Implementations:
    """The implementations a call through an interface may run, for one project."""

    def __init__(self, project: Project, followed: Followed | None = None) -> None:
        """``followed``: the installed packages the project's calls are followed into; when it
        reads one package's own calls, the project is that package's modules (``installed.py``),
        whose classes the code calling it makes too: every one may be made."""
        self.project = project
        tests = {summary.path for summary in project.summaries if module_in_tests(summary)}
        installed = followed is not None and followed.own_package is not None
        self._made = None if installed else MadeClasses(project, tests)

    def picks(self, targets: list[str]) -> list[str]:
        """Of the implementations an interface's call may run (``targets``: the overrides of one
        method), those a server may be set up with."""
        picks = [target for target in targets if self._may_be_picked(target)]
        made = [target for target in picks if self._made_class(target)]
        return made or picks

    def _may_be_picked(self, target: str) -> bool:
        located = self.project.function(target)
        if located is None:
            return True
        class_path = located.function.class_path
        return not (located.function.abstract or module_in_tests(located.module)
                    or (class_path is not None and _DOUBLES.search(class_path)))

    def _made_class(self, target: str) -> bool:
        located = self.project.function(target)
        class_path = located.function.class_path if located is not None else None
        return class_path is None or self._made is None or self._made.may_be_made(class_path)


@per_project.inherited(whole)
def test_functions(project: Project) -> frozenset[str]:
    """The functions of test modules: what a call outside the tests never runs, however many
    overrides of an interface's method its callee has."""
    return frozenset(located.function.path for located in project.all_functions() if module_in_tests(located.module))
