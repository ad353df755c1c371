"""Python source as bytes and as text: reading a file of the project, decoding and encoding it as Python does.

Reading: a regular file only, and only so much of it. A file is checked to be a regular file when it is found, but it can be swapped for a FIFO
(whose ``open`` waits for a writer for ever), a device (``/dev/zero`` never ends) or a
link to one before it is read. So the file is opened without blocking, the opened
descriptor is checked, and no more than ``MAX_SOURCE_BYTES`` are read, whatever its size
says (files of ``/proc`` say 0).
"""

from __future__ import annotations

import errno
import hashlib
import io
import os
import re
import stat
import tokenize
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

# The largest Python modules in the wild are generated: the Google Cloud SDK's API message
# classes reach 5.5 MB (112,000 lines), its completion table 6 MB. Hand-written modules stay
# far below 1 MB. Past this, a file is no source code worth a parse (which takes tens of
# times its size in memory).
MAX_SOURCE_BYTES = 8 * 1024 * 1024

_OPEN_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_NONBLOCK", 0)  # a FIFO opens at once instead of waiting for a writer
    | getattr(os, "O_NOCTTY", 0)  # a terminal swapped in does not become ours
    | getattr(os, "O_CLOEXEC", 0)
    | getattr(os, "O_BINARY", 0)  # Windows: bytes as they are
)


class NotARegularFile(OSError):
    """Not a file whose bytes are its content (a FIFO, a device, a socket)."""


class TooLarge(OSError):
    """Larger than the most that is read of a file."""


def read_source(path: Path | str, limit: int = MAX_SOURCE_BYTES) -> bytes:
    """The file's bytes. Raises ``OSError``: ``IsADirectoryError``, ``NotARegularFile``,
    ``TooLarge`` (their ``strerror`` says why, for the user), or the system's own."""
    descriptor = os.open(path, _OPEN_FLAGS)
    try:
        info = os.fstat(descriptor)
        if stat.S_ISDIR(info.st_mode):
            raise IsADirectoryError(errno.EISDIR, "is a directory")
        if not stat.S_ISREG(info.st_mode):
            raise NotARegularFile(errno.EINVAL, f"not a regular file ({_kind(info.st_mode)})")
        if info.st_size > limit:
            raise _too_large(limit)
        chunks: list[bytes] = []
        left = limit + 1  # one byte more than allowed tells a file past the limit
        while left > 0:
            chunk = os.read(descriptor, min(left, 1 << 20))
            if not chunk:
                return b"".join(chunks)
            chunks.append(chunk)
            left -= len(chunk)
        raise _too_large(limit)  # it grew, or its size said nothing (``/proc``)
    finally:
        os.close(descriptor)


def _too_large(limit: int) -> TooLarge:
    return TooLarge(errno.EFBIG, f"larger than {describe_size(limit)}, the most read of a source file")


def describe_size(size: int) -> str:
    mib = size / (1024 * 1024)
    return f"{mib:g} MiB" if mib >= 1 else f"{size} bytes"


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a file"


# -- text: decoding and encoding ----------------------------------------------------------------

# ``ast`` counts these, and only these, as line breaks (``str.splitlines`` also splits on \f, \x1c...).
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def split_lines(source: str) -> list[str]:
    return _LINE_BREAK.split(source)


def _encoding(data: bytes) -> str:
    """The encoding Python would read ``data`` with: BOM, then a coding cookie, then UTF-8.

    Raises ``SyntaxError`` for an unknown or contradictory coding cookie. Undecodable bytes
    without a cookie are left to the decoder, which says where they are.
    """
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as error:
        if "invalid or missing encoding declaration" in str(error.msg or error):
            return "utf-8"  # not UTF-8 and no cookie: decoding reports the offending byte
        raise
    return encoding


def decode(data: bytes) -> str:
    """Decode as Python does: BOM, then a coding cookie, then UTF-8.

    Raises ``SyntaxError`` (bad cookie), ``LookupError`` or ``UnicodeDecodeError``.
    """
    text = data.decode(_encoding(data))
    return text[1:] if text.startswith("\ufeff") else text


def decode_text(data: bytes) -> str:
    """A text file that is not Python (a ``requirements.txt``, a lock file, a Dockerfile): UTF-16
    when it starts with that BOM (``pip freeze > requirements.txt`` in Windows PowerShell writes
    it), else UTF-8, a BOM dropped and undecodable bytes replaced."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace")
    return data.decode("utf-8-sig", errors="replace")


def encode_as_file(source: str) -> bytes:
    """The text as the bytes of its file: in the encoding its coding cookie names, if any,
    so that phase 1 decodes it back to the same characters (and the same columns)."""
    data = source.encode("utf-8", "surrogatepass")
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        return source.encode(encoding) if encoding not in ("utf-8", "utf-8-sig") else data
    except (SyntaxError, LookupError, UnicodeEncodeError):
        return data


def encode_like(text: str, original: bytes) -> bytes:
    """``text`` in the encoding ``original`` was read with (BOM, coding cookie), else UTF-8."""
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(original).readline)
        return text.encode(encoding)
    except (SyntaxError, LookupError, UnicodeEncodeError):
        return text.encode("utf-8")


# -- a file to rewrite ----------------------------------------------------------------------


@dataclass(frozen=True)
class SourceFile:
    """A file read to be changed (``--fix``, ``--add-noqa``): its text and how to give it back."""

    path: Path
    text: str  # without the BOM; line endings as in the file
    encoding: str  # "utf-8-sig" when the file starts with a BOM
    data: bytes = field(default=b"", repr=False)  # the bytes read

    def encode(self, text: str) -> bytes:
        return text.encode(self.encoding)


def read(path: Path) -> SourceFile:
    """Raises ``OSError``, ``SyntaxError`` (bad coding cookie) or ``UnicodeDecodeError``.

    Read as the analysis reads it: a regular file only, and no more than it would parse.
    Unlike ``decode``, bytes that are not UTF-8 in a file without a coding cookie raise
    ``SyntaxError``: such a file is not one to rewrite."""
    data = read_source(path)
    encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    text = data.decode(encoding)
    if text.startswith("\ufeff"):  # a BOM with a cookie other than utf-8-sig's spelling
        text = text[1:]
    return SourceFile(path, text, encoding, data)


def digest_files(files: Iterable[Path], limit: int) -> str:
    """A digest of files' paths and contents (at most ``limit`` bytes each; an unreadable one
    counts as such): what a cached run compares for the project files no module's key covers."""
    digest = hashlib.blake2b(digest_size=16)
    for file in files:
        digest.update(str(file).encode("utf-8", "surrogateescape") + b"\0")
        try:
            digest.update(read_source(file, limit))
        except OSError:
            digest.update(b"\1unreadable")
        digest.update(b"\0")
    return digest.hexdigest()
