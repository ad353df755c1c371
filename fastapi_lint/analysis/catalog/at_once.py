"""Catalog calls whose arguments say they return at once, whatever the call usually waits for."""

from __future__ import annotations

from fastapi_lint.analysis.facts import CallSite

_FILE_LOCKS = frozenset({"fcntl.flock", "fcntl.lockf"})
# A Celery result's ``ready()`` fetches and keeps the task's result when it is done.
_CELERY_RESULTS = frozenset({"celery.result.AsyncResult.get", "celery.result.AsyncResult.wait"})
# ``filelock``'s locks: made (not entered by a ``with``) they wait for nothing; ``timeout=0`` fails at once.
_FILELOCKS = ("FileLock", "SoftFileLock", "UnixFileLock", "WindowsFileLock")
_EXECUTOR_SHUTDOWNS = ("ThreadPoolExecutor.shutdown", "ProcessPoolExecutor.shutdown")
_LOCK_ACQUIRES = ("Lock.acquire", "RLock.acquire", "Semaphore.acquire", "BoundedSemaphore.acquire")
# PBKDF2 is slow by its rounds: a password hash takes hundreds of thousands (Django 870,000); a
# key derived with a few thousand (BIP-39's 2,048) takes about a millisecond.
_PBKDF2 = "hashlib.pbkdf2_hmac"
_FEW_ROUNDS = 10_000
# pydub hands every format to an ffmpeg child process but these (``export`` defaults to MP3).
_PYDUB = "pydub.AudioSegment."
_NATIVE_AUDIO = frozenset({"wav", "raw", "pcm"})
# A data frame reader told to read a few rows (``read_csv(buf, nrows=0)`` for the header, a
# preview's ``nrows=5``) parses those, not the whole file.
_FRAME_READERS = "pandas.read_"
_FEW_ROWS = 1_000


def cannot_wait(site: CallSite, path: str) -> bool:
    """``flock(fd, LOCK_UN)`` releases, ``flock(fd, LOCK_EX | LOCK_NB)`` fails rather than wait, a
    ``FileLock(path)`` made but not entered holds nothing yet, ``timeout=0`` does not wait,
    ``pool.shutdown(wait=False)`` leaves, ``lock.acquire(blocking=False)`` answers whether it got
    the lock, ``pbkdf2_hmac(..., 2048)`` with a few thousand rounds takes about a millisecond, pexpect's
    ``expect(..., async_=True)`` returns a coroutine, pydub's ``export(buf, format="wav")`` runs no ffmpeg,
    ``pandas.read_csv(buf, nrows=0)`` parses a header, ldap3's ``Connection(server)`` without
    ``auto_bind`` has not bound yet, a Celery result's ``get()`` where its ``ready()`` was true
    returns what that fetched."""
    if path in _CELERY_RESULTS:  # asked after ``if result.ready():``, the result is already fetched
        receiver = site.text.rpartition(".")[0]
        return any(truth and text in (f"{receiver}.ready()", f"{receiver}.successful()") for text, truth in site.known)
    if path == "ldap3.Connection":  # binds only when made with ``auto_bind``
        bind = site.kwarg("auto_bind")
        return bind is None or (bind.kind == "const" and bind.text in ("False", "None")) or bind.text.endswith("AUTO_BIND_NONE")
    if path.startswith(_FRAME_READERS):
        rows = site.kwarg("nrows")
        return rows is not None and rows.kind == "num" and _at_most(rows.text, _FEW_ROWS)
    if path.startswith(_PYDUB):  # WAV and raw samples are read and written without ffmpeg
        audio_format = site.argument("format", 1)
        return audio_format is not None and audio_format.kind == "str" and audio_format.text.lower() in _NATIVE_AUDIO
    if path.startswith("pexpect."):  # ``await child.expect(..., async_=True)``: a coroutine
        flag = site.kwarg("async_")
        return flag is not None and flag.kind == "const" and flag.text == "True"
    if path == _PBKDF2:
        rounds = site.argument("iterations", 3)
        return rounds is not None and rounds.kind == "num" and _at_most(rounds.text, _FEW_ROUNDS)
    if path.endswith(_EXECUTOR_SHUTDOWNS):
        return _is_false(site, "wait")
    if path.endswith(_LOCK_ACQUIRES):
        return _is_false(site, "blocking")
    if path.startswith("filelock."):
        timeout = site.argument("timeout", 1 if path.endswith(_FILELOCKS) else 0)
        made_only = path.endswith(_FILELOCKS) and not site.context_manager
        return made_only or (timeout is not None and timeout.kind == "num" and timeout.text in ("0", "0.0"))
    if path not in _FILE_LOCKS or len(site.args) < 2:
        return False
    operation = site.args[1].text
    return "LOCK_UN" in operation or "LOCK_NB" in operation


# A SQLAlchemy session's ``commit()`` flushes what is pending: a ``flush()`` just after it has
# nothing left to send.
_SESSION_FLUSHES = ("orm.Session.flush", "orm.scoped_session.flush")


def flushes_nothing(site: CallSite, path: str, calls: tuple[CallSite, ...]) -> bool:
    """``db.commit()`` then, on the next line, ``db.flush()``: the commit flushed everything."""
    if not path.endswith(_SESSION_FLUSHES):
        return False
    committed = f"{site.text.rpartition('.')[0]}.commit"
    return any(other.text == committed and other.span.end_line == site.span.line - 1 and other.span.col == site.span.col
               for other in calls)


def _is_false(site: CallSite, first_parameter: str) -> bool:
    value = site.argument(first_parameter, 0)
    return value is not None and value.kind == "const" and value.text == "False"


def _at_most(number: str, limit: int) -> bool:
    try:
        return int(number.replace("_", ""), 0) <= limit
    except ValueError:
        return False
