"""Reading the deferred bodies of installed packages' functions (``deferred.py``).

A module of an installed package is summarised with its functions' bodies deferred
(``summarize_installed``); its extractor, with its tree, is kept among the last modules read
(``_KEPT``), so the first questions about the module's functions cost no second parse. A function
the user's cache kept unread, or whose module's extractor is no longer kept, reads its file again.
"""

from __future__ import annotations

import os
from collections import OrderedDict
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from fastapi_lint.analysis.extract.deferred import EMPTY_BODY
from fastapi_lint.analysis.extract.parse import Parsed, parse
from fastapi_lint.analysis.extract.summary import Extractor
from fastapi_lint.analysis.extract.syntax import walking
from fastapi_lint.analysis.facts import ModuleSummary
from fastapi_lint.source import read_source

# How many modules' extractors (each with its tree) are kept for the bodies asked about next.
_KEEP = 64
_KEPT: OrderedDict[tuple[str, str], Extractor] = OrderedDict()
_LARGEST_FILE = 2_000_000


@dataclass(frozen=True)
class BodyReader:
    """Where a deferred function's body is: its module's file (``site`` / ``shown``), named as
    it was summarised, and the function's path."""

    site: str
    shown: str
    module: str
    is_package: bool
    path: str
    line: int  # of its ``def``
    end: int  # its last line

    def __call__(self) -> dict[str, object]:
        return _read_body(self)

    def installed_in(self, site: str) -> BodyReader:
        return self if site == self.site else BodyReader(site, self.shown, self.module, self.is_package, self.path,
                                                          self.line, self.end)

    def mentions(self, words: tuple[bytes, ...]) -> bool:
        text = _text(self.site, self.shown, _stamp(self.site, self.shown))
        return text is None or any(word in text for word in words)

    def body_mentions(self, word: bytes) -> bool:
        """Whether the function's own lines hold ``word`` (or any byte beyond ASCII, where a name
        may be spelled otherwise than it is called); True when the file cannot be read."""
        lines = _lines(self.site, self.shown, _stamp(self.site, self.shown))
        return lines is None or any(word in line or not line.isascii() for line in lines[self.line - 1:self.end])


# What an installed package's facts leave out (``Extractor.installed``): its bundled files (a
# library's file reads are not followed), its clients' reuse, its ``noqa`` comments, import paths
# and text digest, which rules, fixes and the project's import roots read of the project's own.
INSTALLED_OMITS = frozenset({"noqa", "text_digest", "sys_path_folders", "bundled_exports",  # of a module
                             "bundled", "foreign_reads", "foreign_paths",  # of a function
                             "reused"})  # of a call


def summarize_installed(parsed: Parsed, shown: str, module: str, is_package: bool, site: str) -> ModuleSummary:
    """``parsed``'s facts (the module of an installed package, in ``site``), its functions'
    bodies deferred; its extractor kept for them."""
    def reader(path: str, line: int, end: int) -> BodyReader:
        return BodyReader(site, shown, module, is_package, path, line, end)

    with walking():
        extractor = Extractor(parsed, shown, module, is_package, reader)
        summary = extractor.run()
    if extractor.deferred:
        key = (site, shown)
        _KEPT[key] = extractor
        _KEPT.move_to_end(key)
        while len(_KEPT) > _KEEP:
            _KEPT.popitem(last=False)
    return summary


def _stamp(site: str, shown: str) -> tuple[int, int]:
    """The file's size and time of change: a package upgraded in a long session is read anew."""
    try:
        info = os.stat(Path(site) / shown)
    except (OSError, ValueError):
        return (-1, -1)
    return (info.st_size, info.st_mtime_ns)


@lru_cache(maxsize=256)
def _text(site: str, shown: str, stamp: tuple[int, int]) -> bytes | None:
    """A module's source, for a search of the names its bodies may call by (``mentions``)."""
    try:
        return read_source(Path(site) / shown)
    except (OSError, ValueError):
        return None


@lru_cache(maxsize=64)
def _lines(site: str, shown: str, stamp: tuple[int, int]) -> list[bytes] | None:
    text = _text(site, shown, stamp)
    return text.splitlines() if text is not None else None


def _read_body(reader: BodyReader) -> dict[str, object]:
    key = (reader.site, reader.shown)
    extractor = _KEPT.get(key) or _summarised_again(reader)
    found = extractor.deferred.get((reader.path, reader.line)) if extractor is not None else None
    if extractor is None or found is None:
        return dict(EMPTY_BODY)
    _KEPT.move_to_end(key)
    node, class_path, decorators = found
    try:
        with walking():
            return extractor.body(node, reader.path, class_path, decorators)
    except Exception:  # a bug in phase 1, or a body too deep, costs this function's facts only
        return dict(EMPTY_BODY)


def _summarised_again(reader: BodyReader) -> Extractor | None:
    """The module read and summarised again (its summary kept by the user's cache, its tree not)."""
    file = Path(reader.site) / reader.shown
    try:
        if file.stat().st_size > _LARGEST_FILE:
            return None
        parsed = parse(read_source(file), reader.shown)
        if not isinstance(parsed, Parsed):
            return None
        summarize_installed(parsed, reader.shown, reader.module, reader.is_package, reader.site)
    except Exception:  # gone, changed, unreadable: the body's facts are not known
        return None
    return _KEPT.get((reader.site, reader.shown))
