"""gitignore-style patterns (``exclude``, ``per-file-ignores``), matched in time linear in the path.

A pattern comes from a repository's configuration, so a hostile or careless one must not
stall a run. pathspec turns each star into a quantifier of one Python regular expression,
and Python's backtracking matcher then tries every way of placing the stars: a name of 40
letters against ``*a*a*a*a*a*a*a*a*a*a*b`` takes 40 s, each further star many times more,
and ``a/**/a/**/a/**/b`` grows the same way with the depth of a path. Here the text each
star covers is chosen once: the next star-free stretch of the pattern is put at the
leftmost place it fits, inside a lookahead the matcher never backtracks into (the device
``fnmatch`` uses since Python 3.9). A star covers any text, so the leftmost place leaves the
most for what follows and no other place can match where it fails. Each try of a stretch
costs its own length, so a pattern's time grows with the path's length, not with a power
of it per star.

The meaning is pathspec's ``gitwildmatch``, which this linter used before (and which
``tests/safety/test_safety_walk.py`` compares against), with one correction: a bracket
expression never matches ``/``, as in git.
"""

from __future__ import annotations

import itertools
import os
import re
from collections.abc import Iterator, Sequence

# The end of a path segment: what a segment's expression must reach.
_SEGMENT_END = r"(?=/|\Z)"

# Separators a path may come with, turned into ``/`` before matching (as pathspec does).
_SEPARATORS = tuple(sep for sep in (os.sep, os.altsep) if sep and sep != "/")


class PatternError(ValueError):
    """A pattern that cannot be read, worded for the user."""


class PatternSet:
    """Compiled patterns; the last one that matches a path decides (``!pattern`` un-matches)."""

    def __init__(self, lines: Sequence[str], gitignore: bool = False) -> None:
        """``gitignore``: the lines of a ``.gitignore`` file, read as git reads them, path by
        path down a walk: a line that cannot be read matches nothing (instead of raising
        ``PatternError``); a pattern matches the path itself, not what is below it (``build/``
        matches the folder, ``!build/`` un-matches the folder alone), and ``dir/**`` what is
        inside the folder, not the folder itself (so ``!dir/keep.py`` can take a file back)."""
        names = (f"g{number}" for number in itertools.count())
        compiled = []
        for line in lines:
            try:
                regex, include = _translate(line, names)
                if regex is None:
                    continue
                compiled.append((re.compile(regex), include, _reach(line, regex) if gitignore else _PREFIX))
            except PatternError:
                if not gitignore:
                    raise
            except (re.error, RecursionError, OverflowError) as error:  # a range such as ``[z-a]``
                if not gitignore:
                    raise PatternError(getattr(error, "msg", None) or str(error)) from None
        self._last_first = compiled[::-1]

    def match_file(self, path: str) -> bool:
        """Whether ``path`` (relative to the patterns' folder, ``/`` after a folder) matches."""
        return self.decide(path) is True

    def decide(self, path: str) -> bool | None:
        """What the last pattern that matches ``path`` says: True (matched), False (un-matched
        by a ``!pattern``), None (no pattern matches), so that another set may decide (a
        ``.gitignore`` of a parent folder)."""
        path = _normalize(path)
        for regex, include, reach in self._last_first:
            matched = regex.match(path)
            if matched and (reach == _PREFIX or (matched.end() == len(path)) == (reach == _EXACT)):
                return include
        return None


# How much of a path a pattern must match: the start (what is below a folder that matches is
# matched too, as ``exclude`` means), all of it (a ``.gitignore`` line, checked at each level of
# a walk), or a folder and something below it (``dir/**``).
_PREFIX, _EXACT, _INSIDE = "prefix", "exact", "inside"


def _reach(line: str, regex: str) -> str:
    text = line.rstrip()
    if text.endswith("/**"):
        return _INSIDE
    if regex == "(?s:.)":  # ``*`` or ``**``: any path
        return _PREFIX
    return _EXACT


def _normalize(path: str) -> str:
    for separator in _SEPARATORS:
        path = path.replace(separator, "/")
    if path.startswith("/"):
        return path[1:]
    return path[2:] if path.startswith("./") else path


def _translate(line: str, names: Iterator[str]) -> tuple[str | None, bool]:
    """One pattern line: its expression (None when it matches nothing: a blank line, a
    comment, an unclosed ``[``) and whether it includes (``!pattern`` excludes)."""
    text = line if line.endswith("\\ ") else line.rstrip()  # an escaped last space is kept
    if not text or text.startswith("#") or text == "/":
        return None, True
    include = not text.startswith("!")
    if not include:
        text = text[1:]
    segments = _normalized_segments(text)
    special = _whole_path_pattern(segments, text.endswith("/"))
    if special is not None:
        return special, include
    try:
        return _expression(segments, names), include
    except _Unclosed:  # git ignores a pattern with an unclosed bracket
        return None, include


def _normalized_segments(text: str) -> list[str]:
    """The segments, ``**`` standing for any number of whole segments, as gitignore reads
    them: a leading ``/`` anchors at the root, a pattern of one segment matches at any depth,
    a trailing ``/`` matches what is below the folder."""
    segments = text.split("/")
    if not segments[0]:
        del segments[0]
    elif (len(segments) == 1 or len(segments) == 2 and not segments[1]) and segments[0] != "**":
        segments.insert(0, "**")
    if not segments:
        raise PatternError("the pattern names nothing")
    if not segments[-1]:
        segments[-1] = "**"
    return [seg for i, seg in enumerate(segments) if not (seg == "**" and i and segments[i - 1] == "**")]


def _whole_path_pattern(segments: list[str], is_dir: bool) -> str | None:
    """The patterns that say nothing of names: ``**`` and ``*`` (any path), ``**/`` and ``*/``
    (any path below a folder)."""
    if segments == ["**"]:
        return "[^/]*/" if is_dir else "(?s:.)"
    if segments == ["**", "*"]:
        return "(?s:.)"
    if segments == ["**", "*", "**"]:
        return "[^/]*/"
    return None


def _expression(segments: list[str], names: Iterator[str]) -> str:
    """Runs of segments between ``**``: the first is anchored at the start (unless the
    pattern starts with ``**``), each later one found at its leftmost place. What follows the
    last run may be anything below it; after a trailing ``**``, something must be."""
    leading = segments[0] == "**"
    trailing = len(segments) > 1 and segments[-1] == "**"
    body = segments[1 if leading else 0:len(segments) - 1 if trailing else len(segments)]
    runs: list[list[str]] = [[]]
    for segment in body:
        if segment == "**":
            runs.append([])
        else:
            runs[-1].append(segment)
    parts = []
    for index, run in enumerate(runs):
        expression = "/".join(_segment(segment, names) for segment in run)
        if index == 0 and not leading:
            parts.append(expression)
            continue
        name = next(names)
        separator = "/" if index else ""
        parts.append(rf"{separator}(?=(?P<{name}>(?:[^/]*/)*?{expression}))(?P={name})")
    parts.append("/" if trailing else r"(?:/|\Z)")
    return "".join(parts)


def _segment(glob: str, names: Iterator[str]) -> str:
    """One path segment: the star-free stretches between stars, each later one but the last
    at its leftmost place; the last one ends the segment."""
    if glob == "*":
        return "[^/]+" + _SEGMENT_END  # a whole segment, never an empty one
    stretches = _stretches(glob)
    if len(stretches) == 1:
        return stretches[0] + _SEGMENT_END
    parts = [stretches[0]]
    for stretch in stretches[1:-1]:
        if stretch:
            name = next(names)
            parts.append(f"(?=(?P<{name}>[^/]*?{stretch}))(?P={name})")
    parts.append(f"[^/]*{stretches[-1]}{_SEGMENT_END}")
    return "".join(parts)


class _Unclosed(Exception):
    pass


def _stretches(glob: str) -> list[str]:
    """The glob split at its stars, each stretch an expression of one character per glob
    character (``?``, ``[...]``, ``\\x``, a literal)."""
    stretches = [""]
    i = 0
    while i < len(glob):
        char = glob[i]
        i += 1
        if char == "*":
            stretches.append("")
        elif char == "?":
            stretches[-1] += "[^/]"
        elif char == "\\":
            if i == len(glob):
                raise PatternError(f"`\\` escapes nothing at the end of `{glob}`")
            stretches[-1] += re.escape(glob[i])
            i += 1
        elif char == "[":
            expression, i = _bracket(glob, i)
            stretches[-1] += expression
        else:
            stretches[-1] += re.escape(char)
    return stretches


def _bracket(glob: str, start: int) -> tuple[str, int]:
    """The bracket expression opened before ``start``, and where the glob goes on: ``[!...]``
    and ``[^...]`` negate, a ``]`` first is a member, ``a-z`` is a range."""
    end = start
    if end < len(glob) and glob[end] in "!^":
        end += 1
    if end < len(glob) and glob[end] == "]":
        end += 1
    end = glob.find("]", end)
    if end < 0:
        raise _Unclosed
    negated = glob[start] in "!^"
    members = glob[start + negated:end]
    items = []
    i = 0
    while i < len(members):
        if i + 2 < len(members) and members[i + 1] == "-":
            items.append(f"{re.escape(members[i])}-{re.escape(members[i + 2])}")
            i += 3
        else:
            items.append(re.escape(members[i]))
            i += 1
    if negated:
        return "[^/" + "".join(items) + "]", end + 1
    expression = "[" + "".join(items) + "]"
    try:
        if re.fullmatch(expression, "/"):
            expression = "(?!/)" + expression  # a path's separator is never a name's character
    except re.error:  # a bad range: said when the pattern is compiled, unless git ignores it
        pass
    return expression, end + 1
