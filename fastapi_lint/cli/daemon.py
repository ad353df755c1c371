"""``fastapi-lint check --daemon``'s client: hand the run to a process of this user that keeps the
project in memory between runs, started when none runs (``daemon_serve.py``).

A pre-commit run on one changed file otherwise reads every file's facts from the cache and links
the whole project again, most of its time; the background process links only what the change
reaches (``api.warm``). This module runs before click and the rest of the linter are imported:
it is what such a run costs besides the background process's answer.

Where the process listens: a socket in a folder only this user may enter
(``$XDG_RUNTIME_DIR/fastapi-lint-UID``, else the temporary folder's), never in the project (a
repository is untrusted input). One process per working folder, Python, version and build of
the linter: a run from elsewhere, or after an upgrade, starts its own, and the old one leaves
after ``IDLE`` seconds without a run. Whatever cannot go there (no such folder, a platform
without Unix sockets, a run that writes files or reads standard input, a process that does not
answer) runs here, as without ``--daemon``.

Without ``--daemon`` (``choice`` is "auto"), a check goes to the process only when one already
serves this folder, and a run that named files (pre-commit's, an editor's) and took a second or
more here leaves one behind, started on the same check (``keep_project``), so that the next
such run costs what its edit changes. Never in CI (``CI`` set) and never with ``--no-daemon``
or ``FASTAPI_LINT_DAEMON=0``.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import stat
import struct
import sys
import time
from pathlib import Path

# What a run that hands its check over imports is most of what it costs here: ``typing``,
# ``subprocess`` and ``tempfile`` (a fifth of it) only where needed, ``typing`` for the checker alone.
TYPE_CHECKING = False
if TYPE_CHECKING:
    import subprocess
    from typing import Any, BinaryIO

# ``FASTAPI_LINT_DAEMON=1`` asks it of every check, as ``--daemon`` does of one.
SWITCH = "FASTAPI_LINT_DAEMON"
IDLE_VARIABLE = "FASTAPI_LINT_DAEMON_IDLE"  # seconds without a run before the process leaves
IDLE = 30 * 60
STARTING = 20.0  # seconds a client waits for a process it started to listen
_MAX_FRAME = 1 << 30

# What makes a run more than a report of findings: it runs here.
_RUNS_HERE = frozenset({"--fix", "--diff", "--add-noqa", "--write-baseline", "--show-settings", "--show-files",
                        "--stdin-filename", "--timings", "--help", "-h", "--version", "-"})
_COMMANDS = frozenset({"rules", "explain", "routes", "server", "clean", "daemon"})


# A run here that took this long (seconds), naming files, leaves a process behind for the next one.
WORTH_A_PROCESS = 1.0
WORTH_VARIABLE = "FASTAPI_LINT_DAEMON_AFTER"
_YES, _NO = ("1", "true", "yes", "on"), ("0", "false", "no", "off")


def choice(argv: list[str]) -> str:
    """Which way a check goes: "on" (``--daemon``, or ``SWITCH`` set to 1), "off" (``--no-daemon``,
    ``SWITCH`` set to 0, or a CI run that asked for neither) or "auto"; the command line's flag
    first, then the environment."""
    flags = [arg for arg in _options(argv) if arg in ("--daemon", "--no-daemon")]
    if flags:
        return "on" if flags[-1] == "--daemon" else "off"
    switch = os.environ.get(SWITCH, "").lower()
    if switch in _YES:
        return "on"
    if switch in _NO or os.environ.get("CI", "").lower() not in ("", *_NO):
        return "off"
    return "auto"


def may_serve(argv: list[str]) -> bool:
    """Whether the background process may run this command line: a plain check (the process
    checks again once it has parsed it, ``check.run``)."""
    if "--" in argv:
        return False
    args = [arg.partition("=")[0] for arg in argv]
    first = next((arg for arg in args if not arg.startswith("-")), None)
    if first in _COMMANDS or any(arg in _RUNS_HERE for arg in args) or "--format=sarif" in argv:
        return False
    return not any(arg in ("--format", "--output-format") and value == "sarif" for arg, value in zip(argv, argv[1:]))


def ask(argv: list[str], start: bool = True) -> int | None:
    """Run ``argv`` in the background process of this folder (started if none listens, when
    ``start``) and write what it wrote; its exit code. None: run here (said why on standard
    error when ``--daemon`` asked for it; without it, nothing is said and nothing is made)."""
    if not may_serve(argv):
        return None
    here = _here if start else _quietly_here
    if not hasattr(socket, "AF_UNIX") or os.name != "posix":
        return here("this platform has no Unix sockets")
    try:
        cwd = os.getcwd()
    except OSError:  # the working folder was deleted: the run here says what it can
        return None
    address, problem = _address(cwd, make=start)
    if address is None:
        return here(problem)
    request = {"ask": "check", "argv": argv, "cwd": cwd, "env": dict(os.environ),
               "tty": [_is_terminal(sys.stdout), _is_terminal(sys.stderr)],
               "encoding": [sys.stdout.encoding or "utf-8", sys.stderr.encoding or "utf-8"]}
    connection = connect(address) or (_start(address) if start else None)
    if connection is None:
        return here(f"the background process did not start (its log: {address.with_suffix('.log')})")
    try:
        with connection:
            send(connection, json.dumps(request).encode())
            header = json.loads(receive(connection))
            if header.get("local"):
                return None
            out, err = receive(connection), receive(connection)
    except (OSError, ValueError, EOFError) as error:
        return here(f"the background process did not answer ({error})")
    _write(sys.stdout, out)
    _write(sys.stderr, err)
    return int(header["exit"])


def keep_project(argv: list[str], seconds: float) -> None:
    """After a run here of ``argv`` that named files and took ``seconds`` ("auto"): when it took
    ``WORTH_A_PROCESS`` (``WORTH_VARIABLE``) or more, start the background process of this
    folder on the same check, so that it holds the project when the next run asks. It inherits
    this run's working folder and environment; its answer goes nowhere. Not after a run that
    wrote a report file: the same check would write it again, later. Best effort: a problem
    leaves things as they were."""
    if seconds < _worth() or not may_serve(argv) or _writes_a_report(argv) or not hasattr(socket, "AF_UNIX") \
            or os.name != "posix":
        return
    try:
        address, _ = _address(os.getcwd(), make=True)
    except OSError:
        return
    if address is None:
        return
    try:  # a process started meanwhile by another run keeps serving: this one sees its lock and leaves
        _spawn(address, ["--warm", json.dumps(argv)])
    except OSError:
        return


def _writes_a_report(argv: list[str]) -> bool:
    """Whether the command line may name a report file (``--output-file``, ``-o``, alone, with its
    value or among other short options)."""
    return any(arg.partition("=")[0] == "--output-file" or (arg[:1] == "-" and arg[1:2] != "-" and "o" in arg[1:])
               for arg in _options(argv))


def _options(argv: list[str]) -> list[str]:
    """The command line before ``--`` (after it, every argument is a path)."""
    return argv[:argv.index("--")] if "--" in argv else argv


def _address(cwd: str, make: bool) -> tuple[Path | None, str]:
    """The socket of the process serving runs from ``cwd``; (None, why) when there is none to
    be had (the runtime folder not private, or not there and ``make`` false; a path too long
    for a socket)."""
    folder, problem = runtime_folder(make)
    if folder is None:
        return None, problem
    address = socket_of(folder, cwd)
    if len(os.fsencode(address)) > 100:
        return None, f"the socket's path is too long for this platform: {address}"
    return address, ""


def runtime_folder(make: bool = True) -> tuple[Path | None, str]:
    """The folder of this user's sockets, made if missing and ``make``; (None, why) when it is
    not private (another owner, open to others, a link) or not there."""
    base = os.environ.get("XDG_RUNTIME_DIR", "")
    if not (base and os.path.isabs(base) and _private(base)):
        import tempfile

        base = tempfile.gettempdir()
    folder = Path(base) / f"fastapi-lint-{os.getuid()}"
    try:
        if make:
            folder.mkdir(mode=0o700, exist_ok=True)
    except OSError as error:
        return None, f"cannot make {folder}: {error.strerror}"
    if not _private(str(folder)):
        return None, f"{folder} is not a folder of this user's alone (owner, mode 700, not a link)"
    return folder, ""


def socket_of(folder: Path, cwd: str) -> Path:
    """Where the background process serving runs from ``cwd`` listens, in the runtime ``folder``."""
    return folder / f"{process_key(cwd)}.sock"


def process_key(cwd: str) -> str:
    """What a background process serves: the working folder (display paths are relative to it),
    the Python running the linter, and the linter's version and files (an upgrade or an edit
    of the linter starts another)."""
    from fastapi_lint import __version__

    digest = hashlib.sha256("\0".join([os.path.realpath(cwd), sys.executable, __version__]).encode())
    package = Path(__file__).resolve().parent.parent
    for folder, _, names in sorted(os.walk(package)):
        for name in sorted(names):
            if name.endswith(".py"):
                try:
                    found = os.stat(os.path.join(folder, name))
                except OSError:
                    continue
                digest.update(f"{folder}/{name}:{found.st_mtime_ns}:{found.st_size}".encode())
    return digest.hexdigest()[:24]


def send(connection: socket.socket, data: bytes) -> None:
    connection.sendall(struct.pack(">I", len(data)) + data)


def receive(connection: socket.socket) -> bytes:
    (size,) = struct.unpack(">I", _exactly(connection, 4))
    if size > _MAX_FRAME:
        raise ValueError("a frame too large")
    return _exactly(connection, size)


def _exactly(connection: socket.socket, size: int) -> bytes:
    chunks: list[bytes] = []
    while size:
        chunk = connection.recv(min(size, 1 << 20))
        if not chunk:
            raise EOFError("the connection closed")
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)


def connect(address: Path, timeout: float | None = None) -> socket.socket | None:
    """A connection to the process listening at ``address``; None when none does."""
    connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    connection.settimeout(timeout)
    try:
        connection.connect(str(address))
    except OSError:
        connection.close()
        return None
    return connection


def _start(address: Path) -> socket.socket | None:
    """Start the background process for ``address`` and connect once it listens (another
    client's process, started meanwhile, serves as well)."""
    try:
        started = _spawn(address)
    except OSError:
        return None
    deadline = time.monotonic() + STARTING
    while time.monotonic() < deadline:
        connection = connect(address)
        if connection is not None:
            return connection
        if started.poll() is not None and started.returncode != 0:
            return None
        time.sleep(0.01)
    return None


def _spawn(address: Path, more: list[str] | None = None) -> subprocess.Popen[bytes]:
    """The background process for ``address``, started in a session of its own (it outlives
    this one), its output in a log beside the socket."""
    import subprocess

    with open(address.with_suffix(".log"), "ab") as log:
        os.chmod(log.name, 0o600)
        return subprocess.Popen(
            [sys.executable, "-m", "fastapi_lint", "daemon", "serve", "--socket", str(address),
             "--idle", str(_idle()), *(more or [])],
            stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True)


def _worth() -> float:
    try:
        return max(0.0, float(os.environ.get(WORTH_VARIABLE, WORTH_A_PROCESS)))
    except ValueError:
        return WORTH_A_PROCESS


def _idle() -> int:
    try:
        return max(1, int(os.environ.get(IDLE_VARIABLE, IDLE)))
    except ValueError:
        return IDLE


def _private(folder: str) -> bool:
    try:
        found = os.lstat(folder)
    except OSError:
        return False
    return stat.S_ISDIR(found.st_mode) and found.st_uid == os.getuid() and not found.st_mode & 0o077


def _is_terminal(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError, OSError):
        return False


def _write(stream: Any, data: bytes) -> None:
    binary: BinaryIO | None = getattr(stream, "buffer", None)
    if binary is None:
        stream.write(data.decode(stream.encoding or "utf-8", "replace"))
        return
    stream.flush()
    binary.write(data)
    binary.flush()


def _here(why: str) -> int | None:
    print(f"fastapi-lint: note: --daemon: {why}; linting in this process", file=sys.stderr)
    return None


def _quietly_here(why: str) -> int | None:
    return None
