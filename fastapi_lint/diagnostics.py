"""The value types every part of the linter exchanges: spans, severities, diagnostics."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import NamedTuple

# How every internal error's message ends, then what to send with the report.
PLEASE_REPORT = "this is a bug in fastapi-lint: please report it"
# Said with an internal error of phase 1 or of a rule, which is reported as a finding.
INTERNAL_ERROR_HINT = f"{PLEASE_REPORT} with the file that triggers it"

# ``Diagnostic.cost`` of a client built per call that one operation uses for several requests (an
# upload's chunks): its price is spread over them, so the default scope leaves it out.
AMORTISED = "amortised"


class Severity(enum.IntEnum):
    """Ordered so that ``severity >= fail_on`` decides the exit code."""

    INFO = 1
    WARNING = 2
    ERROR = 3

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> Severity:
        return cls[text.upper()]


class Applicability(enum.Enum):
    SAFE = "safe"
    UNSAFE = "unsafe"


class Span(NamedTuple):
    """1-based lines, 0-based character columns (not bytes), end exclusive.

    A named tuple rather than a frozen dataclass: phase 1 makes one per call, read and
    definition (a quarter of a million on a large project), and a tuple is built and
    unpickled from the cache in half the time.
    """

    line: int
    col: int
    end_line: int
    end_col: int


@dataclass(frozen=True)
class Fix:
    """What an automatic fix would do; the edit itself is built by ``fixes/``."""

    title: str
    applicability: Applicability


@dataclass(frozen=True)
class Hop:
    """One step of a chain that explains a finding (``handler -> helper -> requests.get``)."""

    path: str
    line: int
    col: int
    text: str


@dataclass(frozen=True)
class Diagnostic:
    code: str
    name: str
    severity: Severity
    message: str
    path: str
    span: Span
    help: str | None = None
    fix: Fix | None = None
    chain: tuple[Hop, ...] = ()
    # Extra lines where a noqa comment also silences this finding (decorators, the ``def`` line).
    noqa_lines: tuple[int, ...] = field(default=(), compare=False)
    # The function the finding is in, when a rule reported it on one: where that function runs
    # decides whether the scope shows it (``analysis/scope.py``).
    function: str | None = field(default=None, compare=False)
    # What the loop waits on, for a blocking call: "wait" (a peer, a process, a timer, a lock, or
    # heavy computing), "file" (a file's contents), "metadata"; for a resource built per request,
    # ``AMORTISED`` when one operation's several requests share it; None for other findings.
    cost: str | None = field(default=None, compare=False)
    # The finding's code runs only when a setting is away from its default (``analysis/opt_in.py``):
    # shown with ``--scope all``, not by default.
    opt_in: bool = field(default=False, compare=False)
    # The rule cannot show that the finding meets what it is about (a pool no request thread is
    # seen to use): shown with ``--scope all``, not by default.
    wider: bool = field(default=False, compare=False)

    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.path, self.span.line, self.span.col, self.code)
