"""Files whose syntax is newer than the running Python, read as the newest Python reads them.

Phase 1 parses with the ``ast`` of the interpreter that runs fastapi-lint, whose grammar is that
interpreter's: under Python 3.11, ``def f[T]()`` or ``f"{x["k"]}"`` is a syntax error. libcst's
parser reads the newest grammar (3.14 in libcst 1.9) whatever the interpreter. When ``ast.parse``
fails and libcst reads the text, ``read_newer``:

1. rewrites each construct the running Python lacks into older syntax that keeps every line where
   it was and every position phase 1 reads where it was (``rewrite``: blanked with spaces, a
   keyword swapped for one of the same length): ``match`` -> ``with``, ``case`` -> ``with``
   (``patterns``), a type parameter list -> spaces, ``type X = Y`` -> ``X = Y``, ``except*`` ->
   ``except``, ``except A, B:`` -> ``except(A, B):``, ``*args: *Ts`` and ``tuple[*Ts]`` without
   the star (``constructs``), an f-string or t-string -> a parenthesized tuple of its replacement
   fields' expressions (``strings``);
2. parses the result with ``ast``;
3. mends the tree into the one the newest Python gives (``mend``): the same node types (stand-ins
   with the same fields where the running ``ast`` has none, ``nodes``), fields and positions.

So the facts, and the findings, are those of the newest Python. Only files that fail
``ast.parse`` pay for it: ``read``, which runs the steps, and libcst are imported then, and the
cost is libcst's parse, one pass of its code generation for the nodes' offsets (``positions``)
and a walk of its tree, about 4 s of CPU per MB of source on Python 3.11, which the cache then
keeps. The outcome depends on the text and the running Python alone, as the cache requires: the
estimate of how deep the text nests that guards libcst (``nesting``) reads the text only, and
libcst runs on a thread of its own, so that neither the caller's stack nor its recursion depth
changes what it reads. A file libcst reads but that cannot be rewritten gets a ``NewerSyntax``:
which construct, and which Python reads it.
"""

from __future__ import annotations

import ast

from fastapi_lint.analysis.extract.downgrade.features import NewerSyntax, Version
from fastapi_lint.analysis.extract.downgrade.nodes import node_class

__all__ = ["NewerSyntax", "node_class", "read_newer"]


def read_newer(source: str, version: Version | None = None) -> ast.Module | NewerSyntax | None:
    """The tree the newest Python gives for ``source``, which ``ast.parse`` rejected; a
    ``NewerSyntax`` when libcst reads it but it cannot be rewritten; None when libcst rejects it
    too (a real syntax error), it is too deeply nested to hand to libcst, or it holds nothing
    newer than ``version`` (default: the running Python; tests pass an older one to rewrite what
    this Python reads itself, and compare)."""
    from fastapi_lint.analysis.extract.downgrade.read import read_newer as read

    return read(source, version)
