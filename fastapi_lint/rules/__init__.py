"""The rule registry. A rule exists by living in a module under this package.

Each rule module defines one ``Rule`` subclass; ``registry()`` finds them by
walking the package, so adding a rule touches one file.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterator
from functools import lru_cache
from typing import TYPE_CHECKING, ClassVar

from fastapi_lint.diagnostics import Diagnostic, Hop, Severity, Span

if TYPE_CHECKING:
    from fastapi_lint.analysis.context import Context
    from fastapi_lint.analysis.facts import ModuleSummary
    from fastapi_lint.analysis.project import Located


class Rule:
    """Base of every rule. The docstring is the rule's documentation (``fastapi-lint explain``)."""

    code: ClassVar[str]
    name: ClassVar[str]
    severity: ClassVar[Severity]
    default_enabled: ClassVar[bool] = True
    fixable: ClassVar[bool] = False
    # Whether the rule reports what holds the event loop: its findings are shown by default only
    # where the code may run on a served app's loop (``analysis/scope.py``).
    on_the_loop: ClassVar[bool] = False
    # Whether what the rule reports costs only in proportion to the traffic (a client built per
    # request): not shown by default where only admin routes run it (``Scopes.admin_only``).
    per_request: ClassVar[bool] = False
    # Whether what the rule reports is bound to the event loop it is made on (an async client's
    # pool): on a loop of its own that a request starts, it cannot be built once and shared, so
    # not shown by default there (``Where.PRIVATE_LOOP``).
    loop_bound: ClassVar[bool] = False

    def check(self, context: Context) -> Iterator[Diagnostic]:
        raise NotImplementedError

    def report(
        self,
        located: Located,
        span: Span,
        message: str,
        *,
        help: str | None = None,
        severity: Severity | None = None,
        chain: tuple[Hop, ...] = (),
        function_level: bool = False,
        cost: str | None = None,
        opt_in: bool = False,
    ) -> Diagnostic:
        function = located.function
        noqa_lines = (*function.decorator_lines, function.span.line) if function_level else ()
        return self.report_in(
            located.module, span, message, help=help, severity=severity, chain=chain, noqa_lines=noqa_lines,
            function=function.path, cost=cost, opt_in=opt_in,
        )

    def report_in(
        self,
        module: ModuleSummary,
        span: Span,
        message: str,
        *,
        help: str | None = None,
        severity: Severity | None = None,
        chain: tuple[Hop, ...] = (),
        noqa_lines: tuple[int, ...] = (),
        function: str | None = None,
        cost: str | None = None,
        opt_in: bool = False,
    ) -> Diagnostic:
        """A finding anywhere in a module: a class, a module-level statement (``function``: the
        path of the function it is in, if any)."""
        return Diagnostic(
            code=self.code,
            name=self.name,
            severity=severity or self.severity,
            message=message,
            path=module.path,
            span=span,
            help=help,
            chain=chain,
            noqa_lines=noqa_lines,
            function=function,
            cost=cost,
            opt_in=opt_in,
        )

    @classmethod
    def summary(cls) -> str:
        doc = (cls.__doc__ or "").strip()
        return doc.splitlines()[0] if doc else ""


@lru_cache(maxsize=1)
def registry() -> dict[str, type[Rule]]:
    """Every rule, by code, in code order."""
    found: dict[str, type[Rule]] = {}
    for info in pkgutil.walk_packages(__path__, prefix=f"{__name__}."):
        module = importlib.import_module(info.name)
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, Rule) and value is not Rule and value.__module__ == module.__name__:
                if value.code in found:
                    raise RuntimeError(f"rule code {value.code} is defined twice")
                found[value.code] = value
    return dict(sorted(found.items()))


def by_name() -> dict[str, type[Rule]]:
    return {rule.name: rule for rule in registry().values()}
