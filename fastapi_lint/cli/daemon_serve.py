"""``fastapi-lint daemon``: the background process ``check --daemon`` hands its runs to
(``daemon.py`` is the client), and ``status`` and ``stop`` for the user.

The process runs each check as the command line would (the same command, the client's
arguments, working folder and environment, its output captured and sent back), except that
the projects stay in memory between runs (``api.WarmProjects``). It takes one run at a time,
from this user only (the socket's folder is private; on Linux the peer's user is checked too),
and leaves after its idle time without a run, or on ``daemon stop``.
"""

from __future__ import annotations

import contextlib
import gc
import io
import json
import os
import signal
import socket
import struct
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click

from fastapi_lint.cli import daemon as client
from fastapi_lint.cli.output import EXIT_ERROR, EXIT_OK, RunHere, echo_note, one_exit, visible
from fastapi_lint.api.collection import MOST_UNCOLLECTED, QUIET, after_a_check, collect_by_ourselves


@click.group()
def daemon() -> None:
    """The background process of `check --daemon`: its status, or stop it."""


@daemon.command()
@click.option("--all", "every", is_flag=True, help="Every background process of this user, not only this folder's.")
def status(every: bool) -> None:
    """Say which background process serves this folder (or, with --all, every one of this user)."""
    shown = 0
    for address in _addresses(every):
        answer = _ask(address, {"ask": "status"})
        if answer is not None:
            shown += 1
            click.echo(f"pid {answer['pid']}: {visible(answer['cwd'])}, {answer['runs']} runs, "
                       f"up {_duration(answer['up'])}, idle {_duration(answer['idle'])}, {answer['rss_mb']} MB")
    if not shown:
        click.echo("no background process" + ("" if every else " for this folder"))


@daemon.command()
@click.option("--all", "every", is_flag=True, help="Every background process of this user, not only this folder's.")
def stop(every: bool) -> None:
    """Stop the background process of this folder (or, with --all, every one of this user)."""
    stopped = sum(_ask(address, {"ask": "stop"}) is not None for address in _addresses(every))
    click.echo(f"stopped {stopped} background process{'es' if stopped != 1 else ''}")


@daemon.command(hidden=True)
@click.option("--socket", "address", type=click.Path(path_type=Path), required=True)
@click.option("--idle", type=click.IntRange(min=1), default=client.IDLE)
@click.option("--warm", default=None, help="A check's arguments (JSON) to run first, as from this folder and environment.")
@click.pass_context
@one_exit
def serve(context: click.Context, address: Path, idle: int, warm: str | None) -> int:
    """Serve check runs on ``address`` until idle for ``idle`` seconds (started by the client;
    with ``warm``, by a run that leaves the process behind, ``client.keep_project``)."""
    folder, problem = client.runtime_folder()
    if folder is None or address.parent != folder:
        echo_note(f"daemon: not serving {visible(str(address))}: {problem or 'not in the private folder'}")
        return EXIT_ERROR
    import fcntl  # POSIX only, as the client's Unix socket

    lock = open(address.with_suffix(".lock"), "a+b")  # held while the process lives
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return EXIT_OK  # another process serves (or is starting to): the client connects to it
    group = context.find_root().command
    signal.signal(signal.SIGTERM, _interrupt)
    with contextlib.suppress(FileNotFoundError):
        address.unlink()  # a process that died left it
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(str(address))
    os.chmod(address, 0o600)
    listener.listen(16)
    collect_by_ourselves()
    with contextlib.suppress(KeyboardInterrupt):
        server = _Server(listener, group, idle)
        if warm is not None:
            server.warm_up(_arguments(warm))
        server.serve()
    log = address.with_suffix(".log")
    with contextlib.suppress(OSError):
        if log.stat().st_size == 0:  # nothing went wrong: nothing to keep (the lock stays: another may hold it next)
            log.unlink()
    return EXIT_OK


def _arguments(given: str) -> list[str]:
    """The check ``--warm`` names: a JSON list of strings (anything else: no check)."""
    try:
        argv = json.loads(given)
    except ValueError:
        return []
    return [str(arg) for arg in argv] if isinstance(argv, list) else []


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt  # SIGTERM: leave as on Ctrl-C, the socket taken away


class _Server:
    def __init__(self, listener: socket.socket, group: click.Command, idle: int) -> None:
        from fastapi_lint.api import WarmProjects

        self.listener = listener
        self.group = group
        self.idle = idle
        self.warm = WarmProjects()
        self.started = self.last = self.ran_at = time.monotonic()
        self.runs = 0
        self.uncollected = 0  # runs since the cyclic garbage was last collected
        self.collections = 0
        self.cwd = os.getcwd()

    def serve(self) -> None:
        address = self.listener.getsockname()
        identity = os.stat(address).st_ino
        try:
            while True:
                now = time.monotonic()
                left = self.last + self.idle - now
                self.listener.settimeout(max(0.0, min(left, self.ran_at + QUIET - now) if self.uncollected else left))
                try:
                    connection, _ = self.listener.accept()
                except (TimeoutError, socket.timeout):  # socket.timeout: before Python 3.10
                    if not self.uncollected:
                        return
                    self._collect()  # a quiet moment: nobody waits for what the last runs left
                    continue
                with connection:
                    if not self._handle(connection):
                        return
                self.last = time.monotonic()
                if self.uncollected > MOST_UNCOLLECTED:  # runs without a pause: the client has its answer
                    self._collect()
        finally:
            with contextlib.suppress(OSError):
                if os.stat(address).st_ino == identity:  # not a newer process's socket
                    os.unlink(address)

    def warm_up(self, argv: list[str]) -> None:
        """Run the check ``argv`` as this process's own (its working folder and environment are
        the run's that started it), its output dropped: the project is then in memory when the
        first client asks. Clients that connect meanwhile wait for it, as for any run."""
        if not argv:
            return
        with _captured([False, False], ["utf-8", "utf-8"]):
            self._run(argv)
        after_a_check()
        self.uncollected += 1
        self.last = self.ran_at = time.monotonic()

    def _handle(self, connection: socket.socket) -> bool:
        """Answer one client; whether to go on serving."""
        if not _same_user(connection):
            return True
        connection.settimeout(30)
        try:
            request = json.loads(client.receive(connection))
            connection.settimeout(None)
            asked = request.get("ask")
            if asked == "status":
                client.send(connection, json.dumps(self._status()).encode())
            elif asked == "stop":
                client.send(connection, json.dumps({"stopping": True}).encode())
                return False
            elif asked == "check":
                self._check(connection, request)
        except (OSError, ValueError, EOFError, KeyError, TypeError) as error:
            print(f"daemon: a client's request failed: {error!r}", file=sys.stderr, flush=True)
        return True

    def _check(self, connection: socket.socket, request: dict[str, Any]) -> None:
        argv = [str(arg) for arg in request["argv"]]
        tty = [bool(flag) for flag in request["tty"]]
        encodings = [str(name) for name in request["encoding"]]
        with _as_client(str(request["cwd"]), {str(k): str(v) for k, v in dict(request["env"]).items()}), \
                _captured(tty, encodings) as (out, err):
            code = self._run(argv)
        after_a_check()
        if code is None:
            client.send(connection, json.dumps({"local": True}).encode())
            return
        self.runs += 1
        self.uncollected += 1
        self.ran_at = time.monotonic()
        client.send(connection, json.dumps({"exit": code}).encode())
        client.send(connection, out.getvalue())
        client.send(connection, err.getvalue())

    def _run(self, argv: list[str]) -> int | None:
        """The command line's exit code, as ``main`` gives it; None: the client runs it (``RunHere``)."""
        try:
            self.group.main(args=argv, prog_name="fastapi-lint", obj={"warm": self.warm}, standalone_mode=True)
        except SystemExit as exit_:
            return exit_.code if isinstance(exit_.code, int) else EXIT_ERROR
        except RunHere:
            return None
        except Exception as error:  # the command line reports its own errors: this is the process's
            print(f"daemon: {error!r}", file=sys.stderr, flush=True)
            return None
        return EXIT_OK

    def _collect(self) -> None:
        gc.collect()
        self.uncollected = 0
        self.collections += 1

    def _status(self) -> dict[str, Any]:
        import resource

        now = time.monotonic()
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / (1024 * 1024 if sys.platform == "darwin" else 1024)
        return {"pid": os.getpid(), "cwd": self.cwd, "runs": self.runs, "up": now - self.started,
                "idle": now - self.last, "rss_mb": round(rss), "uncollected": self.uncollected,
                "collections": self.collections, "collecting_automatically": gc.isenabled()}


def _same_user(connection: socket.socket) -> bool:
    """Whether the peer runs as this user (Linux says; elsewhere the private folder stands for it)."""
    peer_credentials = getattr(socket, "SO_PEERCRED", None)
    if peer_credentials is None:
        return True
    _, uid, _ = struct.unpack("3i", connection.getsockopt(socket.SOL_SOCKET, peer_credentials, struct.calcsize("3i")))
    return bool(uid == os.getuid())


@contextlib.contextmanager
def _as_client(cwd: str, env: dict[str, str]) -> Iterator[None]:
    """The client's working folder and environment, for one run."""
    saved_env, saved_cwd = dict(os.environ), os.getcwd()
    os.environ.clear()
    os.environ.update(env)
    try:
        os.chdir(cwd)
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved_env)
        os.chdir(saved_cwd)


class _Stream(io.TextIOWrapper):
    """A captured standard stream that says whether the client's is a terminal."""

    def __init__(self, buffer: io.BytesIO, encoding: str, terminal: bool) -> None:
        super().__init__(buffer, encoding=encoding, errors="replace", write_through=True)
        self.terminal = terminal

    def isatty(self) -> bool:
        return self.terminal


@contextlib.contextmanager
def _captured(tty: list[bool], encodings: list[str]) -> Iterator[tuple[io.BytesIO, io.BytesIO]]:
    out, err = io.BytesIO(), io.BytesIO()
    saved = sys.stdout, sys.stderr
    sys.stdout = _Stream(out, _known(encodings[0]), tty[0])
    sys.stderr = _Stream(err, _known(encodings[1]), tty[1])
    try:
        yield out, err
    finally:
        for stream in (sys.stdout, sys.stderr):
            stream.flush()
            stream.detach()  # the captured bytes outlive the wrapper (closing it would close them)
        sys.stdout, sys.stderr = saved


def _known(encoding: str) -> str:
    import codecs

    try:
        return codecs.lookup(encoding).name
    except LookupError:
        return "utf-8"


def _addresses(every: bool) -> list[Path]:
    folder, problem = client.runtime_folder()
    if folder is None:
        echo_note(problem)
        return []
    if not every:
        return [client.socket_of(folder, os.getcwd())]
    return sorted(folder.glob("*.sock"))


def _ask(address: Path, request: dict[str, Any]) -> dict[str, Any] | None:
    connection = client.connect(address, timeout=10)
    if connection is None:
        return None
    try:
        with connection:
            client.send(connection, json.dumps(request).encode())
            answer: dict[str, Any] = json.loads(client.receive(connection))
            return answer
    except (OSError, ValueError, EOFError):
        return None


def _duration(seconds: float) -> str:
    minutes, seconds = divmod(int(seconds), 60)
    return f"{minutes} min {seconds} s" if minutes else f"{seconds} s"
