"""The text being rewritten, positions as libcst and ``ast`` count them, and the notes the rewrite
leaves for the mend.

``Rewrite.chars`` holds one string per character of the source, so that an offset never moves: a
construct is rewritten by replacing characters in place (a blanked character becomes as many
spaces as its UTF-8 bytes, since ``ast`` counts columns in bytes), never by inserting or
deleting. Every line stays where it was, and every position phase 1 reads.
"""

from __future__ import annotations

import ast
import bisect
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Union

from fastapi_lint.analysis.extract.downgrade.features import Feature, Version
from fastapi_lint.analysis.extract.downgrade.nodes import Point, Span

if TYPE_CHECKING:
    import libcst as cst

_LINE_BREAK = re.compile(r"\r\n|\r|\n")


class Unsupported(Exception):
    """A shape of a newer construct the rewrite does not handle; ``feature``: which construct."""

    def __init__(self, reason: str, feature: Feature | None = None) -> None:
        super().__init__(reason)
        self.feature = feature


# -- notes for the mend ------------------------------------------------------------------------


@dataclass
class Text:
    """Literal text of an f-string or t-string, as its value (escapes read)."""

    value: str
    span: Span


@dataclass
class Field:
    """A replacement field, whose expression the rewrite left in place."""

    count: int  # expressions of the rewritten tuple it takes: more for ``{a, b}``
    span: Span  # braces included
    conversion: int
    expression: str  # as written (a t-string's ``Interpolation.str``)
    tuple_span: Span | None = None  # ``{a, b}``: the tuple's own
    spec: list[Union[Text, Field]] | None = None
    spec_span: Span | None = None


@dataclass
class StringFix:
    template: bool  # a t-string
    parts: list[Union[Text, Field]]


@dataclass
class MatchFix:
    node: Any  # the libcst ``Match``
    subject_span: Span
    stars: dict[int, Point]  # subject elements written ``*x``: where the star is


@dataclass
class Fixes:
    """What the mend must turn back into the newest Python's nodes, keyed by where the node the
    rewritten text gives stands."""

    strings: dict[Span, StringFix] = field(default_factory=dict)  # the tuple
    matches: dict[Point, MatchFix] = field(default_factory=dict)  # the ``with``
    try_stars: set[Point] = field(default_factory=set)  # the ``try``
    aliases: dict[Point, tuple[str, Span, list[ast.AST]]] = field(default_factory=dict)  # the assignment
    type_params: dict[tuple[int, str], list[ast.AST]] = field(default_factory=dict)  # a def's line and name
    star_annotations: dict[Point, Point] = field(default_factory=dict)  # the parameter: its star
    star_subscripts: dict[Point, list[tuple[int, Point]]] = field(default_factory=dict)  # the subscript's end
    except_tuples: dict[Point, Span] = field(default_factory=dict)  # the handler: its tuple's span

    def left(self) -> int:
        return (len(self.strings) + len(self.matches) + len(self.try_stars) + len(self.aliases)
                + len(self.type_params) + len(self.star_annotations) + len(self.star_subscripts)
                + len(self.except_tuples))


# -- the rewrite -------------------------------------------------------------------------------


class Rewrite:
    """One file's rewrite: its source, libcst tree and positions, the rewritten characters, the
    newer constructs it uses, and the notes for the mend."""

    def __init__(self, source: str, module: cst.Module, version: Version) -> None:
        self.source = source
        self.module = module
        self.version = version
        self.lines = _LINE_BREAK.split(source)
        self.starts = [0]
        for match in _LINE_BREAK.finditer(source):
            self.starts.append(match.end())
        self.chars: list[str] | None = None  # None until something is rewritten
        self.features: set[Feature] = set()
        self.fixes = Fixes()
        self._positions: dict[Any, tuple[int, int]] | None = None

    def needs(self, feature: Feature) -> bool:
        """Whether the running Python lacks ``feature`` (then it is noted)."""
        if self.version >= feature[0]:
            return False
        self.features.add(feature)
        return True

    # positions: offsets in the source (libcst's code generation, which gives the source back,
    # counts them); ``ast`` counts lines from 1 and columns in UTF-8 bytes

    def _offsets(self, node: cst.CSTNode) -> tuple[int, int]:
        if self._positions is None:
            from fastapi_lint.analysis.extract.downgrade.positions import offsets_and_code

            self._positions, code = offsets_and_code(self.module)
            if code != self.source:  # libcst drops a few spaces (``f"{x!r  }"``): its offsets are not the text's
                raise Unsupported("libcst does not give the text back as it is")
        return self._positions[node]

    def start(self, node: cst.CSTNode) -> int:
        return self._offsets(node)[0]

    def end(self, node: cst.CSTNode) -> int:
        return self._offsets(node)[1]

    def line_of(self, offset: int) -> int:
        return bisect.bisect_right(self.starts, offset)

    def point_at(self, offset: int) -> Point:
        """Where ``offset`` is, as ``ast`` counts it."""
        line = self.line_of(offset)
        text = self.lines[line - 1] if line <= len(self.lines) else ""
        column = offset - self.starts[line - 1]
        if text.isascii():
            return line, column
        return line, len(text[:column].encode("utf-8", "surrogatepass"))

    def span(self, node: cst.CSTNode, with_parens: bool = False) -> Span:
        begin, finish = self.outer(node) if with_parens else self._offsets(node)
        return (*self.point_at(begin), *self.point_at(finish))

    def outer(self, node: cst.CSTNode) -> tuple[int, int]:
        """Offsets of a node with its own parentheses."""
        lpar, rpar = getattr(node, "lpar", None), getattr(node, "rpar", None)
        if lpar and rpar:
            return self.start(lpar[0]), self.end(rpar[-1])
        return self._offsets(node)

    # the rewritten text

    def text(self) -> str:
        if self.chars is None:
            return self.source
        text = "".join(self.chars)
        if len(_LINE_BREAK.findall(text)) != len(self.starts) - 1:
            raise Unsupported("the rewrite moved a line")
        return text

    def _chars(self) -> list[str]:
        if self.chars is None:
            self.chars = list(self.source)
        return self.chars

    def put(self, offset: int, text: str) -> None:
        """``text`` in place of the character at ``offset`` (as many bytes, or the next one's
        share: ``"):"`` there and ``""`` after it)."""
        self._chars()[offset] = text

    def put_word(self, offset: int, word: str) -> None:
        """``word`` over as many characters from ``offset`` (``match`` -> ``with ``)."""
        for index, char in enumerate(word):
            self.put(offset + index, char)

    def blank(self, begin: int, finish: int, joined: bool = False) -> None:
        """Spaces over ``[begin, finish)``, line breaks kept; ``joined``: each break inside is
        escaped with a backslash (the region is outside brackets)."""
        chars = self._chars()
        source = self.source
        for index in range(begin, finish):
            char = source[index]
            if char not in "\r\n":
                chars[index] = " " if char.isascii() else " " * len(char.encode("utf-8", "surrogatepass"))
            elif joined and not (char == "\n" and index > begin and source[index - 1] == "\r"):
                before = index - 1
                if before < begin or source[before] in "\r\n":
                    raise Unsupported("a blank line inside a rewritten construct")
                chars[before] = "\\"

    def keyword(self, after: int, word: str) -> int:
        """Where ``word`` is, after ``after`` and only spaces, continuations and commas."""
        index = self.source.find(word, after)
        if index < 0 or self.source[after:index].strip(" \t\\\r\n,"):
            raise Unsupported(f"`{word}` not where it was expected")
        return index

    def expression_at(self, node: Any) -> ast.expr:
        """The ``ast`` of an expression the rewrite blanks (a bound, a default), parsed where it
        stands."""
        first, last = self.outer(node)
        line, column = self.point_at(first)
        if column < 1:
            raise Unsupported("an expression at the start of a line")
        text = "\n" * (line - 1) + "(" + " " * (column - 1) + self.source[first:last] + ")"
        return ast.parse(text, mode="eval").body
