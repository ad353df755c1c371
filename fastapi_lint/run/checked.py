"""What a ``ProjectSession`` answers for one configuration (``Checked``), and what it remembers of
a check for a later one to start from (``Run``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fastapi_lint.analysis.context import Context
    from fastapi_lint.analysis.facts import ModuleSummary
    from fastapi_lint.analysis.served_files import ServedFiles
    from fastapi_lint.diagnostics import Diagnostic


class Checked:
    """The project phase's answer for one configuration."""

    def __init__(
        self,
        by_path: dict[str, list[Diagnostic]],
        context: Context | None,
        internal_errors: list[str] | None = None,
        link: Callable[[], Context] | None = None,
        out_of_scope: dict[str, int] | None = None,
        has_app: bool = True,
    ) -> None:
        self.by_path = by_path  # display path -> findings (parse errors included), sorted
        self.internal_errors = internal_errors if internal_errors is not None else []
        self._context = context
        self._link = link  # builds the context on first use, when the findings were carried over
        # the last check's findings brought up to date, without the project phase (no fact changed)
        self.carried_over = link is not None
        # what the CLI's summary says beside the findings: as ``LintResult``'s fields of the same names
        self.out_of_scope = out_of_scope or {}  # by display path
        self.has_app = has_app

    @property
    def context(self) -> Context | None:
        """The facts the rules read (the linked project, its FastAPI model); after an edit that
        changed no fact, linked when first asked for."""
        if self._context is None and self._link is not None:
            self._context, self._link = self._link(), None
        return self._context

    @property
    def linked(self) -> bool:
        """Whether the linked project is built (and held) already."""
        return self._context is not None

    def release(self) -> None:
        """The session no longer answers with this: what refers back to the context is dropped,
        so that it is freed as soon as no client holds it (``Context.release``)."""
        if self._context is not None:
            self._context.release()


@dataclass
class Run:
    """A check of one configuration, as a later check may start from it."""

    outcomes: dict[str, ModuleSummary | Diagnostic]  # display path -> the facts it was computed from
    # the rules' findings, each with whether a ``# noqa`` silenced it; None: not to be carried
    # over (a rule failed, or FAS901 reads the comments themselves)
    findings: tuple[tuple[Diagnostic, bool], ...] | None
    served: ServedFiles | None = None  # what the app's code imports (``check.served_by_the_app``)
    # as ``Checked``'s: a check carried over from this one says the same
    out_of_scope: dict[str, int] = field(default_factory=dict)
    has_app: bool = True
    reported: frozenset[str] | None = None  # the files whose findings it holds (None: every file)
