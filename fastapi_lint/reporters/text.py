"""Ruff-like output: a header, the location, a code frame with the range underlined, help.

```
FAS101 [*] `time.sleep` blocks the event loop in async route `slow`
  --> app.py:10:5
   |
 9 | async def slow():
10 |     time.sleep(1)
   |     ^^^^^^^^^^^^^
   |
help: use `await asyncio.sleep(...)`
```

``[*]`` only when the finding has a fix. Columns are 1-based characters. Colour as the caller
decides (the CLI's ``--color``, never in a file); by default (``use_color``) only on a terminal,
never with ``NO_COLOR`` set, always with ``FORCE_COLOR`` set. Plain string building: thousands
of findings print in milliseconds.
"""

from __future__ import annotations

import os
import unicodedata
from typing import TextIO

from fastapi_lint.diagnostics import Diagnostic, Severity, Span

_RESET = "\x1b[0m"
_SEVERITY = {Severity.ERROR: "\x1b[1;31m", Severity.WARNING: "\x1b[1;33m", Severity.INFO: "\x1b[1;36m"}
_BOLD, _BLUE, _CYAN, _DIM = "\x1b[1m", "\x1b[34m", "\x1b[36m", "\x1b[2m"
_TAB = 4
_LONG = 240  # longer source lines are cut around the range
_CONTEXT = 80
_MORE = "\u2026"
# Bidirectional overrides and isolates ("Trojan source"): shown, never obeyed.
_BIDI = {chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200E, 0x200F, 0x061C)}


def use_color(stream: TextIO) -> bool:
    """Whether ``stream`` wants colour, as the environment says: never with ``NO_COLOR``, always
    with ``FORCE_COLOR`` (each when set and not empty), else on a terminal but a dumb one."""
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    if os.environ.get("TERM") == "dumb":
        return False
    try:
        return stream.isatty()
    except (AttributeError, ValueError, OSError):
        return False


def report(diagnostics: list[Diagnostic], stream: TextIO, sources: dict[str, list[str]],
           color: bool | None = None) -> None:
    """The findings, coloured when ``color`` says so (None: ``use_color(stream)``)."""
    if color is None:
        color = use_color(stream)
    paint = _painter(color)
    out: list[str] = []
    for d in diagnostics:
        header = paint(d.code, _SEVERITY[d.severity])
        if d.fix is not None:
            header += " " + paint("[*]", _CYAN)
        out.append(f"{header} {paint(clean(d.message), _BOLD)}")
        caret = _SEVERITY[d.severity]
        out.extend(_frame(paint, d.path, d.span, sources.get(d.path), caret))
        for hop in d.chain:
            out.append(paint(f"  = via {clean(hop.text)}", _DIM))
            span = Span(hop.line, hop.col, hop.line, hop.col + len(hop.text))
            out.extend(_frame(paint, hop.path, span, sources.get(hop.path), caret))
        if d.help:
            out.append(f"{paint('help', _BOLD + _CYAN)}: {clean(d.help)}")
        out.append("")
        if len(out) > 512:
            stream.write("\n".join(out) + "\n")
            out.clear()
    if out:
        stream.write("\n".join(out) + "\n")


def _painter(color: bool):  # type: ignore[no-untyped-def]
    if not color:
        return lambda text, style: text
    return lambda text, style: f"{style}{text}{_RESET}"


def _frame(paint, path: str, span: Span, lines: list[str] | None, caret_style: str) -> list[str]:  # type: ignore[no-untyped-def]
    has_source = bool(lines) and 1 <= span.line <= len(lines)  # type: ignore[arg-type]
    gutter = len(str(span.line)) if has_source else 1
    out = [paint(" " * gutter + "--> ", _BLUE) + f"{clean(path)}:{span.line}:{span.col + 1}"]
    if not has_source:
        return out
    assert lines is not None
    bar = paint(" " * gutter + " |", _BLUE)
    out.append(bar)
    first = max(span.line - 1, 1)
    if first < span.line and not lines[first - 1].strip():
        first = span.line  # no blank line of context
    line = lines[span.line - 1]
    col = min(max(span.col, 0), len(line))
    end = span.end_col if span.end_line == span.line else len(line.rstrip())
    end = min(max(end, col), len(line))
    for number in range(first, span.line):
        context = lines[number - 1]
        if len(context) > _LONG:
            context = context[:_LONG] + _MORE
        out.append(paint(f"{number:>{gutter}} |", _BLUE) + _row(context))
    # A very long line (minified code) is shown as a window around the range.
    start, stop = 0, len(line)
    if len(line) > _LONG:
        start = max(0, col - _CONTEXT)
        stop = min(len(line), max(end, col + 1) + _CONTEXT)
    before = _MORE if start > 0 else ""
    after = _MORE if stop < len(line) else ""
    window = line[start:stop]
    out.append(paint(f"{span.line:>{gutter}} |", _BLUE) + _row(before + window + after))
    start_width = width(before + window[: col - start])
    carets = max(width(before + window[: end - start]) - start_width, 1)
    out.append(bar + " " + " " * start_width + paint("^" * carets, caret_style))
    out.append(bar)
    return out


def _row(text: str) -> str:
    shown = clean(text)
    return " " + shown if shown else ""


def clean(text: str) -> str:
    """``text`` safe to print on a terminal: tabs expanded, control and bidi characters made visible."""
    if text.isprintable() and "\t" not in text:
        return text
    out: list[str] = []
    column = 0
    for char in text:
        if char == "\t":
            spaces = _TAB - column % _TAB
            out.append(" " * spaces)
            column += spaces
            continue
        shown = _visible(char)
        out.append(shown)
        column += _char_width(shown)
    return "".join(out)


def _visible(char: str) -> str:
    code = ord(char)
    if code < 0x20:
        return chr(0x2400 + code)  # the Control Pictures block: ␀, ␛...
    if code == 0x7F:
        return "\u2421"
    if 0x80 <= code < 0xA0 or 0xD800 <= code < 0xE000 or char in _BIDI or char in "\u2028\u2029":
        return "\ufffd"  # C1 controls, lone surrogates (undecodable file names), bidi controls
    return char


def width(text: str) -> int:
    """Terminal cells ``text`` takes once cleaned: CJK is two cells, combining marks none."""
    shown = clean(text)
    if shown.isascii():
        return len(shown)
    return sum(_char_width(char) for char in shown)


def _char_width(char: str) -> int:
    if char.isascii():
        return 1
    if unicodedata.combining(char) or unicodedata.category(char) in ("Mn", "Me", "Cf"):
        return 0
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1
