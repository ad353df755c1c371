"""Reading a file as Python does and writing it back atomically, bytes otherwise untouched.

The text keeps its line endings (decoding never translates them), the encoding
comes back from the BOM or the coding cookie, and the new content replaces the
file in one ``os.replace`` from a temporary file in the same folder, flushed to
disk first, with the file's permission bits: a crash leaves the old file or the
new one, never half of each.
"""

from __future__ import annotations

import io
import os
import stat
import tempfile
import tokenize
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class SourceFile:
    path: Path
    text: str  # without the BOM; line endings as in the file
    encoding: str  # "utf-8-sig" when the file starts with a BOM

    def encode(self, text: str) -> bytes:
        return text.encode(self.encoding)


def read(path: Path) -> SourceFile:
    """Raises ``OSError``, ``SyntaxError`` (bad coding cookie) or ``UnicodeDecodeError``."""
    data = path.read_bytes()
    encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    text = data.decode(encoding)
    if text.startswith("\ufeff"):  # a BOM with a cookie other than utf-8-sig's spelling
        text = text[1:]
    return SourceFile(path, text, encoding)


def write_atomically(path: Path, data: bytes, mode: int | None = None) -> None:
    """Replace the file's content; a symlink stays a link and its target gets the content.

    ``mode``: the permission bits to give it (None: keep the existing file's).
    """
    target = Path(os.path.realpath(path))
    if mode is None:
        mode = stat.S_IMODE(target.stat().st_mode)
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".fix", dir=target.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, target)
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise
    _sync_folder(target.parent)


def default_mode() -> int:
    """The permission bits a new file gets under the process's umask."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable (POSIX); harmless where folders cannot be opened."""
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)
