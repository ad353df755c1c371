"""The cache folder on disk: used only when it is ours, read and written without following links.

A repository may ship a ``.fastapi_lint_cache/`` of its own, and a careless ``--cache-dir ""``
(an unset CI variable), ``.`` or ``~`` names a folder full of someone's work. So a folder is
used as a cache only when it does not exist yet (it is made), is empty, or holds our tag and
nothing but what a run writes there (``problem`` says why not). Inside it, every file is
opened relative to the folder's descriptor with ``O_NOFOLLOW``, checked to be a regular file
and read up to a bound: a link shipped as ``last-run``, ``CACHEDIR.TAG`` or an entry folder
cannot make a run read ``/dev/zero`` or write into the user's home.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import stat
import weakref
from collections.abc import Callable
from pathlib import Path

TAG_NAME = "CACHEDIR.TAG"
# The first line is the standard one (https://bford.info/cachedir/): backup tools skip the folder.
TAG = (
    "Signature: 8a477f597d28d172789f06886806bc55\n"
    "# This file is a cache directory tag created by fastapi-lint.\n"
)
GITIGNORE = "# Created by fastapi-lint\n*\n"
# A cache file is a pickle of one module's facts, or the last run's findings: tens of MB for
# the largest generated modules seen. Anything bigger is not ours, and is not read whole.
MAX_FILE_BYTES = 256 * 1024 * 1024
# What a run writes at the top of the folder: the tag, the .gitignore, the last run's record and
# the few before it, one folder per two hex digits of the entries' names, and temporary files
# being renamed.
_OUR_FILES = re.compile(r"(CACHEDIR\.TAG|\.gitignore|last-run|earlier-runs|tmp[0-9a-z_]+\.tmp)\Z")
_OUR_FOLDERS = re.compile(r"[0-9a-f]{2}\Z")

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_DIRECTORY = getattr(os, "O_DIRECTORY", 0)
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_BINARY = getattr(os, "O_BINARY", 0)
# Descriptor-relative calls make "never through a link" hold even if the folder changes while
# a run uses it; where they are missing (Windows), each path is checked with lstat instead.
_RELATIVE = bool(_NOFOLLOW and _DIRECTORY) and {os.open, os.stat, os.mkdir, os.rename} <= os.supports_dir_fd


def problem(folder: Path) -> str | None:
    """Why ``folder`` must not be used (or removed) as a cache; None when it may."""
    try:
        info = os.lstat(folder)
    except FileNotFoundError:
        return None  # made on first write
    except (OSError, ValueError) as error:
        return f"cannot look at it ({getattr(error, 'strerror', None) or error})"
    if stat.S_ISLNK(info.st_mode):
        return "it is a symbolic link"
    if not stat.S_ISDIR(info.st_mode):
        return "it is not a folder"
    try:
        with os.scandir(folder) as listing:
            entries = list(listing)
    except OSError as error:
        return f"cannot list it ({error.strerror or error})"
    if not entries:
        return None
    strangers = sorted(entry.name for entry in entries if not _ours(entry))
    if strangers:
        shown = ", ".join(f"`{name}`" for name in strangers[:3])
        more = f" and {len(strangers) - 3} more" if len(strangers) > 3 else ""
        return f"it holds files that fastapi-lint did not write ({shown}{more})"
    if not any(entry.name == TAG_NAME for entry in entries) or not _has_our_tag(folder):
        return f"it has no {TAG_NAME} written by fastapi-lint"
    return None


def _ours(entry: os.DirEntry[str]) -> bool:
    try:
        if entry.is_symlink():
            return False
        if _OUR_FOLDERS.match(entry.name):
            return entry.is_dir(follow_symlinks=False)
        return bool(_OUR_FILES.match(entry.name)) and entry.is_file(follow_symlinks=False)
    except OSError:
        return False


def _has_our_tag(folder: Path) -> bool:
    try:
        data = Folder(folder).read(TAG_NAME, limit=4096)
    except OSError:
        return False
    return data.decode("utf-8", "replace") == TAG


class Folder:
    """A cache folder as a run uses it: files read and written relative to the folder's
    descriptor, never through a link, only regular files, reads bounded.

    Every method raises ``OSError`` when it cannot do its work safely; the cache takes that
    as a miss, or as nothing written.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._descriptor: int | None = None
        self._closer: Callable[[], object] | None = None

    # -- reading ---------------------------------------------------------------------

    def read(self, name: str, folder: str | None = None, limit: int = MAX_FILE_BYTES) -> bytes:
        """The bytes of a regular file of at most ``limit`` bytes (``folder``: an entry folder)."""
        descriptor = self._open_file(name, folder, os.O_RDONLY | _NONBLOCK)
        try:
            info = os.fstat(descriptor)
            if not stat.S_ISREG(info.st_mode):
                raise OSError(f"{name} is not a regular file")
            if info.st_size > limit:
                raise OSError(f"{name} is larger than {limit} bytes")
            return _read_at_most(descriptor, info.st_size, limit)
        finally:
            os.close(descriptor)

    def is_file(self, name: str, folder: str | None = None) -> bool:
        try:
            if not _RELATIVE:
                return stat.S_ISREG(os.lstat(self._plain_path(name, folder)).st_mode)
            parent = self._open_folder(folder, create=False) if folder else self._root(create=False)
            try:
                return stat.S_ISREG(os.stat(name, dir_fd=parent, follow_symlinks=False).st_mode)
            finally:
                if folder:
                    os.close(parent)
        except OSError:
            return False

    # -- writing ----------------------------------------------------------------------

    def write(self, name: str, data: bytes, folder: str | None = None) -> None:
        """Replace a file with ``data`` in one rename: a reader sees the old bytes or the new.

        The rename replaces whatever has the name, a link included, never what a link points
        to. No fsync: a cache entry lost in a crash is only rebuilt.
        """
        if not _RELATIVE:
            return self._write_plain(name, data, folder)
        parent = self._open_folder(folder, create=True) if folder else self._root(create=True)
        temporary = f"tmp{secrets.token_hex(8)}.tmp"
        try:
            flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | _CLOEXEC
            descriptor = os.open(temporary, flags, 0o600, dir_fd=parent)
            try:
                _write_all(descriptor, data)
            finally:
                os.close(descriptor)
            os.replace(temporary, name, src_dir_fd=parent, dst_dir_fd=parent)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temporary, dir_fd=parent)
            raise
        finally:
            if folder:
                os.close(parent)

    def create_once(self, name: str, text: str) -> None:
        """Write a file the folder should have (the tag, the .gitignore) unless the name is taken."""
        if not self._exists(name):
            self.write(name, text.encode("utf-8"))

    def close(self) -> None:
        if self._closer is not None:
            self._closer()

    # -- descriptors ------------------------------------------------------------------

    def _root(self, create: bool) -> int:
        if self._descriptor is None:
            if create:
                os.makedirs(self.path, exist_ok=True)
            self._descriptor = os.open(self.path, os.O_RDONLY | _DIRECTORY | _NOFOLLOW | _CLOEXEC)
            self._closer = weakref.finalize(self, _close_quietly, self._descriptor)
        return self._descriptor

    def _open_folder(self, folder: str, create: bool) -> int:
        root = self._root(create)
        flags = os.O_RDONLY | _DIRECTORY | _NOFOLLOW | _CLOEXEC
        try:
            return os.open(folder, flags, dir_fd=root)
        except FileNotFoundError:
            if not create:
                raise
        with contextlib.suppress(FileExistsError):  # another run made it meanwhile
            os.mkdir(folder, 0o755, dir_fd=root)
        return os.open(folder, flags, dir_fd=root)

    def _open_file(self, name: str, folder: str | None, flags: int) -> int:
        flags |= _NOFOLLOW | _CLOEXEC | _BINARY
        if not _RELATIVE:
            path = self._plain_path(name, folder)
            if os.path.islink(path) or (folder and os.path.islink(path.parent)):
                raise OSError(f"{path} is a symbolic link")
            return os.open(path, flags)
        parent = self._open_folder(folder, create=False) if folder else self._root(create=False)
        try:
            return os.open(name, flags, dir_fd=parent)
        finally:
            if folder:
                os.close(parent)

    def _exists(self, name: str) -> bool:
        """Whether anything has the name, a dangling link included."""
        try:
            if _RELATIVE:
                os.stat(name, dir_fd=self._root(create=True), follow_symlinks=False)
            else:
                os.lstat(self.path / name)
            return True
        except FileNotFoundError:
            return False

    def _plain_path(self, name: str, folder: str | None) -> Path:
        return self.path / folder / name if folder else self.path / name

    def _write_plain(self, name: str, data: bytes, folder: str | None) -> None:
        parent = self.path / folder if folder else self.path
        parent.mkdir(parents=True, exist_ok=True)
        if os.path.islink(parent) or os.path.islink(self.path):
            raise OSError(f"{parent} is a symbolic link")
        temporary = parent / f"tmp{secrets.token_hex(8)}.tmp"
        try:
            descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _BINARY, 0o600)
            try:
                _write_all(descriptor, data)
            finally:
                os.close(descriptor)
            os.replace(temporary, parent / name)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            raise


def _read_at_most(descriptor: int, expected: int, limit: int) -> bytes:
    """Everything up to end of file (``expected`` bytes as a stat saw them: usually one read, and
    one more to see the end); OSError past ``limit`` bytes, for a file that grows as it is read."""
    chunks: list[bytes] = []
    size = 0
    wanted = expected + 1
    while True:
        chunk = os.read(descriptor, min(wanted, limit + 1 - size))
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        size += len(chunk)
        if size > limit:
            raise OSError(f"larger than {limit} bytes")
        wanted = 1 << 20


def _write_all(descriptor: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(descriptor, view):]


def _close_quietly(descriptor: int) -> None:
    with contextlib.suppress(OSError):
        os.close(descriptor)
