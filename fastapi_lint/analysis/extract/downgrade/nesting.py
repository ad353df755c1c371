"""How deeply a text nests, estimated without parsing it: whether libcst may be handed it.

libcst's native parser recurses once per level of nesting and has no limit of its own on most
shapes: 2,000 nested calls overflow an 8 MiB stack, and the process dies of a segmentation fault
no ``except`` catches. Long chains cost time faster than their length (libcst 1.9: 1,000
subscripts ``a[1][1]...`` take 4 s, 4,000 attributes 25 s). So before handing it a text, this
module estimates its nesting from its tokens, roughly as Python's tokenizer reads them (strings,
comments, f-string replacement fields as brackets):

- ``brackets``: the deepest bracket nesting. CPython refuses more than 200 (``too many nested
  parentheses``, every version): such a text is no Python's, and libcst is not asked.
- ``chain``: the bracket depth plus, at each open bracket level, the operators, trailers and
  expression keywords since the last comma or statement: a bound on how deep an expression
  nests however it is written (``a.b.c``, ``-x``, ``a if b else c``, ``lambda: lambda: 1``).

The estimate needs no grammar, so it reads any version's syntax alike. libcst then runs on a thread
with a stack of its own (``STACK_BYTES``): within the limits here, its deepest shape (nested
calls, 32 KiB a level) needs under a tenth of it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_BRACKETS = 200  # CPython's own limit (MAXLEVEL in its tokenizer)
MAX_CHAIN = 1000  # libcst reads the worst chain this long in about 4 s
STACK_BYTES = 256 * 1024 * 1024

_TOKEN = re.compile(
    r"""
    (?P<space>[ \t\f]+|\\\r?\n|\\\r)
    | (?P<comment>\#[^\r\n]*)
    | (?P<string>(?:[rRbBuUfFtT]{1,2})?(?:'''|\"\"\"|'|"))
    | (?P<name>[^\W\d]\w*)
    | (?P<number>\.?\d(?:[eE][-+]|[\w.])*)
    | (?P<newline>\r\n|\r|\n)
    | (?P<open>[(\[{])
    | (?P<close>[)\]}])
    | (?P<separator>[,;])
    | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)
# Keywords that make an expression one level deeper.
_CHAIN_WORDS = frozenset({"not", "and", "or", "if", "else", "lambda", "await", "in", "is", "yield"})
# Characters that do not: assignment and annotation, the end of a header.
_FLAT = frozenset("=:")


@dataclass(frozen=True)
class Nesting:
    brackets: int
    chain: int

    def too_deep(self) -> bool:
        return self.brackets > MAX_BRACKETS or self.chain > MAX_CHAIN


def nesting(source: str) -> Nesting:
    return _Scanner(source).run()


class _Scanner:
    """A small tokenizer: code, and inside strings their end (and an f-string's or t-string's
    replacement fields, which are code again). Whatever it meets, it moves on by at least one
    character, and it stops once the text is known to be too deep."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.index = 0
        self.chains = [0]  # per open bracket level: the chain counted there since its last comma
        self.total = 0  # their sum
        self.deepest_brackets = 0
        self.deepest_chain = 0
        # the replacement fields open: the bracket depth each is at, its string's quote and
        # whether it is raw, and whether it sits in another field's format spec
        self.fields: list[tuple[int, str, bool, bool]] = []

    def run(self) -> Nesting:
        source, length = self.source, len(self.source)
        while self.index < length and self.deepest_brackets <= MAX_BRACKETS and self.deepest_chain <= MAX_CHAIN:
            match = _TOKEN.match(source, self.index)
            if match is None:  # pragma: no cover - ``other`` takes any character
                break
            self.index = match.end()
            kind = match.lastgroup
            if kind == "string":
                self._string(match.group())
            elif kind == "name":
                if match.group() in _CHAIN_WORDS:
                    self._link()
            elif kind == "open":
                self._open()
            elif kind == "close":
                if match.group() == "}" and self._in_field():
                    self._close_field()
                else:
                    self._close()
            elif kind == "separator":
                self._reset()
            elif kind == "newline":
                if len(self.chains) == 1:
                    self._reset()  # the end of a statement
            elif kind == "other":
                char = match.group()
                if char == ":" and self._in_field():
                    self._format_spec()
                elif char not in _FLAT:
                    self._link()
        return Nesting(self.deepest_brackets, self.deepest_chain)

    # the counts

    def _link(self) -> None:
        self.chains[-1] += 1
        self.total += 1
        self.deepest_chain = max(self.deepest_chain, len(self.chains) - 1 + self.total)

    def _open(self) -> None:
        self._link()
        self.chains.append(0)
        self.deepest_brackets = max(self.deepest_brackets, len(self.chains) - 1)

    def _close(self) -> None:
        if len(self.chains) > 1:
            self.total -= self.chains.pop()

    def _reset(self) -> None:
        self.total -= self.chains[-1]
        self.chains[-1] = 0

    # strings

    def _in_field(self) -> bool:
        """Whether the innermost open bracket is a replacement field's own brace."""
        return bool(self.fields) and self.fields[-1][0] == len(self.chains) - 1

    def _string(self, start: str) -> None:
        prefix = start.rstrip("'\"").lower()
        quote = start[len(prefix):]
        self._literal(quote, "r" in prefix, "f" in prefix or "t" in prefix)

    def _literal(self, quote: str, raw: bool, formatted: bool) -> None:
        """From inside a string to its end, or into a replacement field of an f-string."""
        source, length = self.source, len(self.source)
        index = self.index
        while index < length:
            char = source[index]
            if char == "\\":
                index += 2  # in a raw string too, a backslash keeps the quote after it
            elif source.startswith(quote, index):
                index += len(quote)
                break
            elif char in "\r\n" and len(quote) == 1:
                break  # an unterminated string ends at its line
            elif formatted and char == "{" and not source.startswith("{{", index):
                self.index = index + 1
                self._open_field(quote, raw, in_spec=False)
                return
            else:
                index += 2 if formatted and source.startswith(("{{", "}}"), index) else 1
        self.index = index

    def _open_field(self, quote: str, raw: bool, in_spec: bool) -> None:
        self._open()
        self.fields.append((len(self.chains) - 1, quote, raw, in_spec))

    def _close_field(self) -> None:
        """The ``}`` of a replacement field: back into its string's text, or its parent's spec."""
        _, quote, raw, in_spec = self.fields.pop()
        self._close()
        if in_spec:
            self._format_spec()
        else:
            self._literal(quote, raw, True)

    def _format_spec(self) -> None:
        """After a field's ``:``: text up to the field's ``}``, with fields of its own."""
        source, length = self.source, len(self.source)
        _, quote, raw, _ = self.fields[-1]
        index = self.index
        while index < length:
            char = source[index]
            if char == "{":
                self.index = index + 1
                self._open_field(quote, raw, in_spec=True)
                return
            if char == "}":
                self.index = index + 1
                self._close_field()
                return
            if char in "\r\n" and len(quote) == 1:
                break
            index += 1
        self.index = index
