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
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import stat
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path
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


def wanted(argv: list[str]) -> bool:
    """Whether the command line asks for the background process (``--daemon`` or ``SWITCH``)."""
    options = argv[:argv.index("--")] if "--" in argv else argv
    return "--daemon" in options or os.environ.get(SWITCH, "").lower() in ("1", "true", "yes", "on")


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


def ask(argv: list[str]) -> int | None:
    """Run ``argv`` in the background process of this folder (started if none listens) and
    write what it wrote; its exit code. None: run here (said why on standard error, when it is
    not the command line's choice)."""
    if not may_serve(argv):
        return None
    if not hasattr(socket, "AF_UNIX") or os.name != "posix":
        return _here("this platform has no Unix sockets")
    folder, problem = runtime_folder()
    if folder is None:
        return _here(problem)
    try:
        cwd = os.getcwd()
    except OSError:  # the working folder was deleted: the run here says what it can
        return None
    address = socket_of(folder, cwd)
    if len(os.fsencode(address)) > 100:
        return _here(f"the socket's path is too long for this platform: {address}")
    request = {"ask": "check", "argv": argv, "cwd": cwd, "env": dict(os.environ),
               "tty": [_is_terminal(sys.stdout), _is_terminal(sys.stderr)],
               "encoding": [sys.stdout.encoding or "utf-8", sys.stderr.encoding or "utf-8"]}
    connection = connect(address) or _start(address)
    if connection is None:
        return _here(f"the background process did not start (its log: {address.with_suffix('.log')})")
    try:
        with connection:
            send(connection, json.dumps(request).encode())
            header = json.loads(receive(connection))
            if header.get("local"):
                return None
            out, err = receive(connection), receive(connection)
    except (OSError, ValueError, EOFError) as error:
        return _here(f"the background process did not answer ({error})")
    _write(sys.stdout, out)
    _write(sys.stderr, err)
    return int(header["exit"])


def runtime_folder() -> tuple[Path | None, str]:
    """The folder of this user's sockets, made if missing; (None, why) when it is not private
    (another owner, open to others, a link)."""
    base = os.environ.get("XDG_RUNTIME_DIR", "")
    if not (base and os.path.isabs(base) and _private(base)):
        base = tempfile.gettempdir()
    folder = Path(base) / f"fastapi-lint-{os.getuid()}"
    try:
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
    with open(address.with_suffix(".log"), "ab") as log:
        os.chmod(log.name, 0o600)
        started = subprocess.Popen(
            [sys.executable, "-m", "fastapi_lint", "daemon", "serve", "--socket", str(address),
             "--idle", str(_idle())],
            stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True)
    deadline = time.monotonic() + STARTING
    while time.monotonic() < deadline:
        connection = connect(address)
        if connection is not None:
            return connection
        if started.poll() is not None and started.returncode != 0:
            return None
        time.sleep(0.01)
    return None


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
