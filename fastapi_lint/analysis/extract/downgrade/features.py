"""The constructs newer than some Python that the rewrite knows, and what a FAS900 says of a file
that uses one it cannot rewrite."""

from __future__ import annotations

import sys
from dataclasses import dataclass

Version = tuple[int, int]
Feature = tuple[Version, str]  # the first Python that reads it, and how a message names it

MATCH: Feature = ((3, 10), "`match` statements")
WALRUS: Feature = ((3, 10), "unparenthesized `:=` in subscripts and sets")
TRY_STAR: Feature = ((3, 11), "`except*`")
STAR_ANNOTATION: Feature = ((3, 11), "starred annotations (`*args: *Ts`)")
STAR_SUBSCRIPT: Feature = ((3, 11), "starred subscripts (`tuple[*Ts]`)")
TYPE_PARAMS: Feature = ((3, 12), "type parameter lists (`def f[T]`, `class C[T]`)")
TYPE_ALIAS: Feature = ((3, 12), "`type` statements")
FSTRING: Feature = ((3, 12), "f-strings that reuse their quotes or hold backslashes or comments in replacement fields")
TYPE_PARAM_DEFAULTS: Feature = ((3, 13), "type parameter defaults")
EXCEPT_TUPLE: Feature = ((3, 14), "`except A, B:` without parentheses")
TSTRING: Feature = ((3, 14), "t-strings")

# The newest grammar libcst 1.9 reads: a file it rejects is no Python's up to this one.
NEWEST_GRAMMAR: Version = (3, 14)

# How every such FAS900 message starts: the report adds the project's ``requires-python`` to it,
# and the run's summary gathers them.
MESSAGE_START = "uses syntax of Python "


def running() -> Version:
    return (sys.version_info[0], sys.version_info[1])


def shown(version: Version) -> str:
    return ".".join(map(str, version))


@dataclass(frozen=True)
class NewerSyntax:
    """libcst reads the file in a grammar newer than the running Python's, and the rewrite could
    not make it one this Python reads: what its FAS900 says."""

    version: Version  # the oldest Python that reads every construct named
    constructs: tuple[str, ...]

    @property
    def message(self) -> str:
        wanted = shown(self.version)
        return (f"{MESSAGE_START}{wanted} ({', '.join(self.constructs)}) that fastapi-lint cannot read "
                f"under Python {shown(running())}; run it with Python >= {wanted} to check this file")

    @property
    def help(self) -> str:
        return f"In a pre-commit hook, `language_version: python{shown(self.version)}` runs it with that Python"


def newest(features: set[Feature]) -> NewerSyntax | None:
    """The message for a file that uses ``features``: the newest Python they need, and the
    constructs that need it."""
    if not features:
        return None
    version = max(wanted for wanted, _ in features)
    return NewerSyntax(version, tuple(sorted(name for wanted, name in features if wanted == version)))
