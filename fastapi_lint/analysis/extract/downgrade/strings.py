"""f-strings and t-strings: rewritten into a parenthesized tuple of their replacement fields'
expressions, and mended back into a ``JoinedStr`` or ``TemplateStr``.

``f"{a["k"]} and {b!r:>{width}}"`` becomes ``(  a["k"] ,      b ,     width )``: every expression
stays where it was (so its nodes keep their positions), the rest is blanked, the quotes become the
parentheses and a comma takes a blank after each field. The mend takes the tuple's elements in
order and rebuilds the string from the notes: its literal text, each field's span, conversion and
format spec. Once the running Python lacks PEP 701 (before 3.12), every f-string of a rewritten
file is rewritten, not only those that need 3.12: one way for all, and the positions of the
nodes inside are then the ones the newest Python gives.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Sequence
from typing import Any, Callable, Union

from fastapi_lint.analysis.extract.downgrade.features import FSTRING, TSTRING
from fastapi_lint.analysis.extract.downgrade.nodes import Span, make
from fastapi_lint.analysis.extract.downgrade.rewrite import Field, Rewrite, StringFix, Text, Unsupported

# (the expression's libcst node, its offsets with parentheses, whether a comma must follow it)
_Expression = tuple[Any, int, int, bool]


def rewrite_string(rewrite: Rewrite, node: Any, walk: Callable[[Any], None]) -> bool:
    """An f-string, a t-string, or a concatenation holding one. The fields' expressions are
    walked here (they may hold newer syntax too), so the walk does not go on."""
    import libcst as cst

    parts = list(_string_parts(node))
    if any(isinstance(part, libcst_classes("TemplatedString")) for part in parts):
        template, wanted = True, rewrite.needs(TSTRING)
    elif any(isinstance(part, cst.FormattedString) for part in parts):
        template, wanted = False, rewrite.version < FSTRING[0]
        if wanted and any(_needs_pep701(rewrite, part) for part in parts if isinstance(part, cst.FormattedString)):
            rewrite.features.add(FSTRING)
    else:
        return True
    if not wanted:
        return True
    begin, finish = rewrite.start(node), rewrite.end(node)
    expressions: list[_Expression] = []
    pieces: list[Union[Text, Field]] = []
    for part in parts:
        if isinstance(part, cst.SimpleString):
            try:
                value = part.evaluated_value
            except Exception:
                raise Unsupported("a string literal libcst cannot evaluate") from None
            if not isinstance(value, str):
                raise Unsupported("bytes beside an f-string")
            pieces.append(Text(value, rewrite.span(part)))
        else:
            prefix = part.start.rstrip("'\"")
            pieces.extend(_pieces(rewrite, part.parts, "r" in prefix.lower(), expressions))
    _rewrite_text(rewrite, begin, finish, expressions)
    rewrite.fixes.strings[rewrite.span(node)] = StringFix(template, pieces)
    for expression, _, _, _ in expressions:
        walk(expression)
    return False


def _rewrite_text(rewrite: Rewrite, begin: int, finish: int, expressions: list[_Expression]) -> None:
    rewrite.blank(begin, finish)
    chars = rewrite.chars
    assert chars is not None
    for _, first, last, _ in expressions:
        chars[first:last] = rewrite.source[first:last]
    rewrite.put(begin, "(")
    rewrite.put(finish - 1, ")")
    for _, _, last, comma in expressions:
        if comma:
            index = last
            while rewrite.source[index] in "\r\n":
                index += 1
            if index >= finish - 1 or chars[index] != " ":
                raise Unsupported("no room for a comma after a replacement field")
            rewrite.put(index, ",")


def _pieces(rewrite: Rewrite, parts: Sequence[Any], raw: bool, expressions: list[_Expression]
            ) -> Iterator[Union[Text, Field]]:
    """The literal texts and fields of one f-string or t-string (or of a format spec)."""
    import libcst as cst

    for part in parts:
        if isinstance(part, libcst_classes("FormattedStringText", "TemplatedStringText")):
            yield Text(_literal(part.value, raw), rewrite.span(part))
            continue
        expression = part.expression
        first, last = rewrite.outer(expression)
        count, comma, tuple_span = 1, True, None
        if isinstance(expression, cst.Tuple) and not expression.lpar:  # ``{a, b}``
            count, tuple_span = len(expression.elements), rewrite.span(expression)
            comma = not isinstance(expression.elements[-1].comma, cst.Comma)
        expressions.append((expression, first, last, comma))
        conversion = ord(part.conversion) if part.conversion else -1
        brace = rewrite.start(part)
        spec = spec_span = None
        if part.equal is not None:  # ``{x=}``: the text up to ``=`` and the spaces after it
            debug_end = rewrite.end(part.equal) + len(getattr(part.equal.whitespace_after, "value", ""))
            yield Text(rewrite.source[brace + 1 : debug_end], (*rewrite.point_at(brace + 1), *rewrite.point_at(debug_end)))
            if part.conversion is None and part.format_spec is None:
                conversion = ord("r")
        if part.format_spec is not None:
            colon = _colon(rewrite, last, rewrite.end(part))
            spec = list(_pieces(rewrite, part.format_spec, raw, expressions))
            spec_span = (*rewrite.point_at(colon), *rewrite.point_at(rewrite.end(part) - 1))
        yield Field(count, rewrite.span(part), conversion, rewrite.source[first:last], tuple_span, spec, spec_span)


def libcst_classes(*names: str) -> tuple[type[Any], ...]:
    """Those of libcst's node classes it has: a libcst older than the one that reads Python 3.14
    has no t-strings (it rejects a file holding one, which stays a syntax error)."""
    import libcst as cst

    return tuple(getattr(cst, name) for name in names if hasattr(cst, name))


def _colon(rewrite: Rewrite, after: int, finish: int) -> int:
    """Where a field's format spec starts: its ``:`` after the expression, ``=`` and conversion."""
    index = after
    while index < finish:
        char = rewrite.source[index]
        if char == ":":
            return index
        index += 2 if char == "!" else 1
    raise Unsupported("a format spec without its colon")


def _needs_pep701(rewrite: Rewrite, node: Any) -> bool:
    """Whether an f-string needs Python 3.12 (for the message only)."""
    quote = node.start.lstrip("rRfFbBuU")
    text = rewrite.source[rewrite.start(node) : rewrite.end(node)]
    inside = text[len(node.start) : len(text) - len(node.end)]
    depth = 0
    for char in inside:  # the text inside replacement fields, roughly
        if char == "{":
            depth += 1
        elif char == "}":
            depth = max(depth - 1, 0)
        elif depth and (char in "\\#" or char == quote[0] or (char in "\r\n" and len(quote) == 1)):
            return True
    return False


def _string_parts(node: Any) -> Iterator[Any]:
    import libcst as cst

    if isinstance(node, cst.ConcatenatedString):
        yield from _string_parts(node.left)
        yield from _string_parts(node.right)
    else:
        yield node


def _literal(text: str, raw: bool) -> str:
    """The value of an f-string's literal text as written (escapes, doubled braces)."""
    text = text.replace("{{", "{").replace("}}", "}")
    if raw or "\\" not in text:
        return text
    try:  # the escapes of a string literal, ``\<newline>`` and ``\N{...}`` among them
        return text.encode("latin-1", "backslashreplace").decode("unicode_escape")
    except UnicodeDecodeError:  # a ``\x`` without its digits: no Python reads it
        return text


# -- the mend


def mend_string(fix: StringFix, values: list[ast.expr], span: Span) -> ast.AST:
    """The ``JoinedStr`` or ``TemplateStr`` the tuple at ``span``, of ``values``, stands for."""
    built = _string(fix.parts, values, fix.template, span)
    if values:
        raise Unsupported("a replacement field that is not one expression")
    return built


def _string(parts: list[Union[Text, Field]], values: list[ast.expr], template: bool, span: Span) -> ast.AST:
    items: list[ast.AST] = []
    texts: list[Text] = []

    def flush() -> None:  # adjacent literal texts are one Constant, as ``ast`` gives them
        text = "".join(piece.value for piece in texts)
        if text:
            items.append(make("Constant", (*texts[0].span[:2], *texts[-1].span[2:]), value=text, kind=None))
        texts.clear()

    for part in parts:
        if isinstance(part, Text):
            texts.append(part)
            continue
        flush()
        if len(values) < part.count:
            raise Unsupported("fewer expressions than replacement fields")
        taken, values[: part.count] = values[: part.count], []
        value = make("Tuple", part.tuple_span, elts=taken, ctx=ast.Load()) if part.tuple_span is not None else taken[0]
        spec = _string(part.spec, values, False, part.spec_span) if part.spec is not None and part.spec_span else None
        if template:
            items.append(make("Interpolation", part.span, value=value, str=part.expression,
                              conversion=part.conversion, format_spec=spec))
        else:
            items.append(make("FormattedValue", part.span, value=value, conversion=part.conversion, format_spec=spec))
    flush()
    return make("TemplateStr" if template else "JoinedStr", span, values=items)  # type: ignore[no-any-return]
