"""Giving a file new content without changing what else it is.

A file is read with ``source.read``: the text keeps its line endings (decoding never
translates them) and the encoding comes back from the BOM or the coding cookie. ``write_atomically`` makes a file of
ours (a report); ``rewrite`` changes a file of the user's (``--fix``, ``--add-noqa``),
which keeps its owner, group, mode, extended attributes (ACLs) and hard links, and
is never written when the user could not write it.
"""

from __future__ import annotations

import errno
import io
import os
import stat
import tempfile
from pathlib import Path


class Refused(OSError):
    """The file is not ours to change (read-only, not writable for this user, changed since it
    was read): nothing was written."""


CHANGED = "the file changed since it was checked"


# -- a file of the user's ------------------------------------------------------------------


def rewrite(path: Path, data: bytes, expected: bytes | None = None) -> None:
    """Give an existing file new content; everything else about it stays as it was.

    A symlink's target gets the content. Raises ``Refused`` when the user may not change
    the file, or when ``expected`` is given and the file no longer holds it (saved by
    someone else since it was read); ``OSError`` when writing fails (the file then has
    its old content).

    The new content replaces the file in one rename when the replacement can be made the
    same file in every other respect: a crash leaves the old file or the new one. Where it
    cannot (another hard link would keep the old content; the owner, group or an attribute
    cannot be given to a new file by this user), the content goes through the file's own
    inode instead, its old content saved next to it until the write is complete.
    """
    target = Path(os.path.realpath(path))
    info = os.stat(target)
    refusal = write_refusal(target, info)
    if refusal is not None:
        raise Refused(refusal)
    if info.st_nlink > 1 or not _replace(target, info, data, expected):
        _write_in_place(target, data, expected)


def write_refusal(path: Path, info: os.stat_result) -> str | None:
    """Why the user may not change the file, or None.

    Asked of the file itself, not left to the write: a rename needs only the folder's
    permission, and root is refused nothing by permission bits, so a read-only file
    would be replaced all the same.
    """
    if not stat.S_ISREG(info.st_mode):
        return "not a regular file"
    if not info.st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH):
        return "the file is read-only"
    effective = os.access in os.supports_effective_ids
    if not os.access(path, os.W_OK, effective_ids=effective):
        return "you may not write the file (permission denied)"
    return None


def _replace(target: Path, info: os.stat_result, data: bytes, expected: bytes | None) -> bool:
    """Replace the file by a copy with the new content, the same owner, group, mode and
    extended attributes; False, with nothing changed, when such a copy cannot be made."""
    try:
        handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".fix", dir=target.parent)
    except PermissionError:
        return False  # a folder the user may not write, holding a file they may
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        if not _copy_metadata(target, info, temporary):
            os.unlink(temporary)
            return False
        if expected is not None and target.read_bytes() != expected:
            raise Refused(CHANGED)
        os.replace(temporary, target)
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise
    _sync_folder(target.parent)
    return True


def _copy_metadata(source: Path, info: os.stat_result, copy: str) -> bool:
    """Give ``copy`` the owner, group, mode and extended attributes of ``source``; whether it has them all."""
    made = os.stat(copy)
    if (made.st_uid, made.st_gid) != (info.st_uid, info.st_gid) and not _give(copy, info):
        return False
    try:
        os.chmod(copy, stat.S_IMODE(info.st_mode))  # after chown, which clears set-user-ID bits
    except OSError:
        return False
    # Extended attributes last: setting an ACL sets the mode's group bits to its mask, as the original's are.
    if not _copy_attributes(source, copy):
        return False
    made = os.stat(copy)
    return (made.st_uid, made.st_gid, stat.S_IMODE(made.st_mode)) == (
        info.st_uid,
        info.st_gid,
        stat.S_IMODE(info.st_mode),
    )


def _give(path: str, info: os.stat_result) -> bool:
    """Give the file the owner and group of ``info``; False where this user may not (another
    user's file, a group they are not in, an owner a container's user namespace does not map)."""
    if not hasattr(os, "chown"):
        return False
    try:
        os.chown(path, info.st_uid, info.st_gid)
    except OSError:
        return False
    return True


def _copy_attributes(source: Path, copy: str) -> bool:
    """Make ``copy``'s extended attributes (ACLs, SELinux label, ``user.*``) those of ``source``.

    Only Linux lists them (``os.listxattr``); elsewhere they cannot be seen, and the copy keeps
    owner and mode only. A new file may also have gained attributes (a folder's default ACL),
    which are removed. False when one cannot be copied or removed (not allowed, not supported).
    """
    if not hasattr(os, "listxattr"):
        return True
    try:
        wanted = {name: os.getxattr(source, name) for name in os.listxattr(source)}
        for name in os.listxattr(copy):
            if name not in wanted:
                os.removexattr(copy, name)
        for name, value in wanted.items():
            os.setxattr(copy, name, value)
        return {name: os.getxattr(copy, name) for name in os.listxattr(copy)} == wanted
    except OSError:
        return False


def _write_in_place(target: Path, data: bytes, expected: bytes | None) -> None:
    """Write through the file's own inode, so its links, owner, mode and attributes stay.

    Not atomic: the old content is first saved to a file next to it (when the folder
    allows), which a crash halfway would leave behind, and put back if the write fails.
    """
    with open(target, "r+b") as stream:
        old = stream.read()
        if expected is not None and old != expected:
            raise Refused(CHANGED)
        backup = _backup(target, old, os.fstat(stream.fileno()))
        try:
            _reserve(stream.fileno(), len(data))
            _overwrite(stream, data)
        except BaseException as error:
            try:
                _overwrite(stream, old)
            except OSError:
                if backup is not None:
                    raise OSError(f"{error}; the old content is in {backup}") from error
                raise error from None
            _remove(backup)
            raise
    _remove(backup)


def _overwrite(stream: io.BufferedRandom, data: bytes) -> None:
    stream.seek(0)
    stream.write(data)
    stream.truncate(len(data))
    stream.flush()
    os.fsync(stream.fileno())


def _reserve(descriptor: int, size: int) -> None:
    """Allocate the file's new size first, so that a full disk stops the write before it starts."""
    if not hasattr(os, "posix_fallocate"):
        return
    try:
        os.posix_fallocate(descriptor, 0, size)
    except OSError as error:
        if error.errno not in (errno.EINVAL, errno.EOPNOTSUPP, errno.ENOSYS):
            raise


def _backup(target: Path, old: bytes, info: os.stat_result) -> Path | None:
    """The old content in a private file next to the target, or None where the folder allows none.

    It belongs to the target's owner where it can, who may need it after a crash.
    """
    try:
        handle, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".fix-backup", dir=target.parent)
    except OSError:
        return None
    _give(name, info)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(old)
            stream.flush()
            os.fsync(stream.fileno())
    except OSError:
        _remove(Path(name))
        return None
    return Path(name)


def _remove(path: Path | None) -> None:
    if path is not None:
        try:
            os.unlink(path)
        except OSError:
            pass


# -- a file of ours ----------------------------------------------------------------------------


def write_atomically(path: Path, data: bytes, mode: int | None = None) -> None:
    """Replace the file's content; a symlink stays a link and its target gets the content.

    For files the linter makes (a report): the new file is this user's. ``mode``: the
    permission bits to give it (None: keep the existing file's).
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
