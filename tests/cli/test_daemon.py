"""``check --daemon``: a background process answers as a plain run would, after edits in other
files too; it stays in this user's private folder, leaves when idle or told, and whatever it
does not serve runs in the client's process.

Real processes throughout (the client, and the process it starts), each test with a runtime
folder of its own (``XDG_RUNTIME_DIR``), stopped at the end.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(not hasattr(socket, "AF_UNIX") or os.name != "posix", reason="Unix sockets")

ROUTES = """\
from fastapi import FastAPI

from shop.helpers import load

app = FastAPI()


@app.get("/items")
async def items():
    return load()
"""

HELPERS = """\
def load():
    return [1, 2]
"""

BLOCKING_HELPERS = """\
import time


def load():
    time.sleep(1)
    return [1, 2]
"""


@pytest.fixture
def runtime() -> Iterator[Path]:
    """A private runtime folder, short enough for a socket's path; its processes stopped after."""
    folder = Path(tempfile.mkdtemp(prefix="fl"))
    folder.chmod(0o700)
    yield folder
    subprocess.run([sys.executable, "-m", "fastapi_lint", "daemon", "stop", "--all"], env=_env(folder),
                   capture_output=True, timeout=60, check=False)
    # A process told to stop answers first, then takes its socket and an empty log away: it may
    # still be doing so while the folder is emptied here.
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def shop(tmp_path: Path) -> Path:
    package = tmp_path / "shop"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "routes.py").write_text(ROUTES)
    (package / "helpers.py").write_text(HELPERS)
    (tmp_path / "pyproject.toml").write_text("[tool.fastapi-lint]\n")
    return tmp_path


def _env(runtime: Path, **more: str) -> dict[str, str]:
    # The suite's CI sets CI, which keeps a run without --daemon from starting a process: each
    # test here says where it wants that.
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR", "FASTAPI_LINT_DAEMON", "CI")}
    # Runs without --daemon leave a process behind only where a test asks (FASTAPI_LINT_DAEMON_AFTER).
    env.update({"XDG_RUNTIME_DIR": str(runtime), "FASTAPI_LINT_DAEMON_IDLE": "120",
                "FASTAPI_LINT_DAEMON_AFTER": "600", **more})
    return env


def _run(cwd: Path, runtime: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "fastapi_lint", *args], cwd=cwd, env=_env(runtime, **env),
                          capture_output=True, text=True, timeout=120, check=False)


def _summary_free(stderr: str) -> str:
    """Standard error without the summary line's time."""
    return "\n".join(line.partition(" in ")[0] if line.startswith("Checked ") else line for line in stderr.splitlines())


def _sockets(runtime: Path) -> list[Path]:
    return sorted(runtime.glob("fastapi-lint-*/*.sock"))


def _same(shop: Path, runtime: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """The run of ``args`` with ``--daemon``, checked against the same run without it."""
    plain = _run(shop, runtime, *args, "--no-daemon", **env)
    served = _run(shop, runtime, *args, "--daemon", **env)
    assert (served.returncode, served.stdout) == (plain.returncode, plain.stdout)
    assert _summary_free(served.stderr) == _summary_free(plain.stderr)
    return served


def test_a_background_process_answers_as_a_plain_run_after_edits_elsewhere(shop: Path, runtime: Path) -> None:
    routes = "shop/routes.py"
    first = _same(shop, runtime, "check", routes, "--format", "concise")
    assert first.returncode == 0 and "note" not in first.stderr
    assert len(_sockets(runtime)) == 1  # started by the first run, and kept
    (shop / "shop" / "helpers.py").write_text(BLOCKING_HELPERS)  # another file: the route now blocks
    blocked = _same(shop, runtime, "check", routes, "--format", "concise")
    assert blocked.returncode == 1 and "FAS102" in blocked.stdout
    (shop / "shop" / "extra.py").write_text("def more():\n    return 1\n")  # a file comes
    _same(shop, runtime, "check", routes, "shop/helpers.py")
    (shop / "shop" / "helpers.py").write_text(HELPERS)
    (shop / "shop" / "extra.py").unlink()  # and goes
    assert _same(shop, runtime, "check", routes).returncode == 0
    _same(shop, runtime, "check", ".", "--format", "json")
    status = _run(shop, runtime, "daemon", "status")
    assert "5 runs" in status.stdout and str(shop) in status.stdout  # every --daemon run above served there


def test_the_configuration_and_the_environment_are_the_clients(shop: Path, runtime: Path) -> None:
    (shop / "shop" / "helpers.py").write_text(BLOCKING_HELPERS)
    assert "FAS102" in _same(shop, runtime, "check", "shop/routes.py").stdout
    coloured = _same(shop, runtime, "check", "shop/routes.py", FORCE_COLOR="1")
    assert "\x1b[" in coloured.stdout
    (shop / "pyproject.toml").write_text('[tool.fastapi-lint]\nignore = ["FAS102"]\n')
    assert "FAS102" not in _same(shop, runtime, "check", "shop/routes.py").stdout


def test_runs_that_write_or_read_standard_input_run_in_the_client(shop: Path, runtime: Path) -> None:
    (shop / "shop" / "helpers.py").write_text(BLOCKING_HELPERS)
    fixed = _run(shop, runtime, "check", ".", "--fix", "--daemon")
    assert fixed.returncode in (0, 1) and "note" not in fixed.stderr
    listed = _run(shop, runtime, "check", "--show-files", "--daemon")
    assert "shop/routes.py" in listed.stdout
    assert _sockets(runtime) == []  # neither started a process
    streamed = subprocess.run([sys.executable, "-m", "fastapi_lint", "check", "-", "--daemon"], cwd=shop,
                              env=_env(runtime), input=BLOCKING_HELPERS, capture_output=True, text=True, timeout=60)
    assert streamed.returncode in (0, 1) and _sockets(runtime) == []


def test_a_folder_open_to_others_is_not_used(shop: Path, runtime: Path) -> None:
    shared = runtime / f"fastapi-lint-{os.getuid()}"
    shared.mkdir(mode=0o777)
    shared.chmod(0o777)
    served = _run(shop, runtime, "check", "shop/routes.py", "--daemon")
    plain = _run(shop, runtime, "check", "shop/routes.py")
    assert "is not a folder of this user's alone" in served.stderr and "linting in this process" in served.stderr
    assert served.stdout == plain.stdout and served.returncode == plain.returncode
    assert list(shared.iterdir()) == []


def test_a_socket_left_by_a_dead_process_is_replaced(shop: Path, runtime: Path) -> None:
    _same(shop, runtime, "check", "shop/routes.py")
    [address] = _sockets(runtime)
    assert "stopped 1" in _run(shop, runtime, "daemon", "stop").stdout
    assert _sockets(runtime) == []
    dead = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    dead.bind(str(address))  # a socket file nobody listens on
    dead.close()
    served = _same(shop, runtime, "check", "shop/routes.py")
    assert "note" not in served.stderr
    assert "1 runs" in _run(shop, runtime, "daemon", "status").stdout


def test_an_idle_process_leaves(shop: Path, runtime: Path) -> None:
    _same(shop, runtime, "check", "shop/routes.py", FASTAPI_LINT_DAEMON_IDLE="1")
    deadline = time.monotonic() + 30
    while _sockets(runtime) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _sockets(runtime) == []
    assert "no background process" in _run(shop, runtime, "daemon", "status").stdout


def test_the_process_collects_its_garbage_when_quiet(shop: Path, runtime: Path) -> None:
    """The collector's own runs are off in the process (they would scan the kept project in the
    middle of runs); what a run left is collected once no client has come for a while."""
    from fastapi_lint.cli.daemon_serve import _ask

    _same(shop, runtime, "check", "shop/routes.py")
    [address] = _sockets(runtime)
    deadline = time.monotonic() + 30
    while (answer := _ask(address, {"ask": "status"})) is not None and not answer["collections"]:
        assert time.monotonic() < deadline
        time.sleep(0.2)
    assert answer is not None and answer["collections"] == 1 and answer["uncollected"] == 0
    assert not answer["collecting_automatically"]


def test_the_switch_in_the_environment_asks_for_it(shop: Path, runtime: Path) -> None:
    _run(shop, runtime, "check", "shop/routes.py", FASTAPI_LINT_DAEMON="1")
    assert len(_sockets(runtime)) == 1


def _status(shop: Path, runtime: Path) -> str:
    return _run(shop, runtime, "daemon", "status").stdout


def _listening(runtime: Path) -> bool:
    """Whether a process listens in the runtime folder, waited for (it reads the project first)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        for address in _sockets(runtime):
            probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                probe.connect(str(address))
                return True
            except OSError:
                pass
            finally:
                probe.close()
        time.sleep(0.1)
    return False


def test_a_slow_run_naming_files_leaves_a_process_that_answers_the_next(shop: Path, runtime: Path) -> None:
    """Without --daemon, a run of files named that took long enough (here: any) starts the
    process on the same check; the next run without --daemon is answered there, as a plain run."""
    routes = "shop/routes.py"
    first = _run(shop, runtime, "check", routes, FASTAPI_LINT_DAEMON_AFTER="0")
    assert first.returncode == 0 and "note" not in first.stderr
    assert _listening(runtime)
    assert "0 runs" in _status(shop, runtime)  # its own check of the project is not a client's run
    (shop / "shop" / "helpers.py").write_text(BLOCKING_HELPERS)
    served = _run(shop, runtime, "check", routes, "--format", "concise")
    plain = _run(shop, runtime, "check", routes, "--format", "concise", "--no-daemon")
    assert (served.returncode, served.stdout) == (plain.returncode, plain.stdout) and "FAS102" in served.stdout
    assert _summary_free(served.stderr) == _summary_free(plain.stderr)
    assert "1 runs" in _status(shop, runtime)  # the run without --daemon went there; --no-daemon did not
    assert _run(shop, runtime, "check", routes, FASTAPI_LINT_DAEMON="0").returncode == 1
    assert "1 runs" in _status(shop, runtime)


@pytest.mark.parametrize("how", ["folder", "fast", "--no-daemon", "switch off", "CI", "report file"])
def test_other_runs_leave_nothing_behind(shop: Path, runtime: Path, how: str) -> None:
    """A run of a folder, one quicker than the threshold, one told not to (the flag, the switch,
    a CI run), or one that wrote a report file (the process would write it again) starts no
    process, and makes nothing in the runtime folder."""
    args, env = ["check", "shop/routes.py"], {"FASTAPI_LINT_DAEMON_AFTER": "0"}
    if how == "folder":
        args = ["check", "."]
    elif how == "report file":
        args += ["-o", "report.txt"]
    elif how == "fast":
        env = {}
    elif how == "--no-daemon":
        args.append("--no-daemon")
    elif how == "switch off":
        env["FASTAPI_LINT_DAEMON"] = "0"
    else:
        env["CI"] = "true"
    assert _run(shop, runtime, *args, **env).returncode == 0
    assert list(runtime.iterdir()) == []  # a run that starts a process makes its folder and log first


def test_the_client_imports_only_what_handing_a_run_over_needs() -> None:
    """A run the background process answers costs here its start and the client's imports
    (``daemon.py``): neither click nor the linter, nor ``typing``, ``subprocess`` or ``tempfile``
    (a fifth of the client's time on a slow machine). ``-S``: no site hooks of this environment."""
    package_parent = str(Path(__file__).resolve().parents[2])
    probe = ("import sys; sys.path.insert(0, sys.argv[1]); import fastapi_lint.cli, fastapi_lint.cli.daemon; "
             "print(sorted(name for name in ('typing', 'subprocess', 'tempfile', 'click', 'fastapi_lint.api') "
             "if name in sys.modules))")
    done = subprocess.run([sys.executable, "-S", "-c", probe, package_parent], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
