"""A run and its reports survive what a repository or a user can throw at them (issue 13).

Each test builds a hostile tree in ``tmp_path`` and runs the real command line, as a user
or a CI job would.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from fastapi_lint.reporters import FORMATS

# Generous: each case takes well under a second; before the fixes they took minutes.
TIMEOUT = 30


def run(*args: str, cwd: Path, timeout: float = TIMEOUT, **env: str) -> subprocess.CompletedProcess[bytes]:
    environment = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR", "PYTHONIOENCODING")}
    environment.update(env)
    return subprocess.run(
        [sys.executable, "-m", "fastapi_lint", *args],
        cwd=cwd, capture_output=True, env=environment, timeout=timeout,
    )


# -- 15: shared dependencies and star imports are visited once ---------------------------------


def _diamond(depth: int, declared: str) -> str:
    """A route over ``depth`` levels of two dependencies, each depending on both of the next level's."""
    lines = ["from typing import Annotated", "from fastapi import Depends, FastAPI", "app = FastAPI()"]
    lines += [f"def a{depth}(): return 1", f"def b{depth}(): return 1"]
    for level in range(depth, 0, -1):
        if declared == "annotated":
            lines += [f"A{level} = Annotated[int, Depends(a{level})]", f"B{level} = Annotated[int, Depends(b{level})]"]
            parameters = f"x: A{level}, y: B{level}"
        else:
            parameters = f"x=Depends(a{level}), y=Depends(b{level})"
        lines += [f"def a{level - 1}({parameters}): return 1", f"def b{level - 1}({parameters}): return 1"]
    if declared == "decorator":
        lines += ["@app.get('/', dependencies=[Depends(a0), Depends(b0)])", "async def route(): return 1"]
    else:
        lines += ["@app.get('/')", "async def route(x=Depends(a0), y=Depends(b0)): return 1"]
    return "\n".join(lines) + "\n"


def _names(nodes: list[dict[str, object]]) -> list[tuple[str, bool]]:
    found: list[tuple[str, bool]] = []
    for node in nodes:
        found.append((str(node["name"]), bool(node["listed_above"])))
        found.extend(_names(node["children"]))  # type: ignore[arg-type]
    return found


@pytest.mark.parametrize("declared", ["default", "annotated", "decorator"])
def test_a_diamond_of_dependencies_is_mapped_once_per_dependency(tmp_path: Path, declared: str) -> None:
    depth = 20  # listed path by path, 2**21 rows: hours
    (tmp_path / "app.py").write_text(_diamond(depth, declared), encoding="utf-8")
    done = run("routes", "--format", "json", ".", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    [row] = json.loads(done.stdout)
    names = _names(row["dependencies"])
    full = [name for name, above in names if not above]
    assert sorted(full) == sorted(f"app:{n}{level}" for n in "ab" for level in range(depth + 1))
    assert len(names) <= 2 * len(full) + 2  # each listed in full once, then referred to
    table = run("routes", ".", cwd=tmp_path)
    assert table.returncode == 0, table.stderr
    lines = table.stdout.decode().splitlines()
    assert sum(1 for line in lines if "app:a7 (sync)" in line) == 1
    assert sum(1 for line in lines if "app:a7 (sync, listed above)" in line) == 1
    assert len(lines) < 4 * (depth + 2) * 2


def _star_lattice(root: Path, levels: int = 8, width: int = 8) -> None:
    """``levels`` layers of ``width`` modules, each star-importing every module of the next layer;
    a route at the top calls names none of them defines (each looked for through all of them)."""
    package = root / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("", encoding="utf-8")
    for level in range(levels + 1):
        for number in range(width):
            imports = [f"from pkg.l{level + 1}_{other} import *" for other in range(width)] if level < levels else []
            (package / f"l{level}_{number}.py").write_text("\n".join([*imports, f"X{number} = 1"]) + "\n", encoding="utf-8")
    calls = [f"    missing{number}()" for number in range(5)]
    main = ["import time", "from fastapi import FastAPI", "from pkg.l0_0 import *", "app = FastAPI()",
            "@app.get('/')", "async def route():", "    time.sleep(1)", *calls]
    (package / "main.py").write_text("\n".join(main) + "\n", encoding="utf-8")


@pytest.mark.parametrize("command", [("check", "--no-cache"), ("routes",)])
def test_star_imports_through_shared_modules_are_followed_once(tmp_path: Path, command: tuple[str, ...]) -> None:
    _star_lattice(tmp_path)  # every path through the layers: 8**8 per name, minutes
    done = run(*command, ".", cwd=tmp_path)
    assert done.returncode == (1 if command[0] == "check" else 0), done.stderr
    assert b"FAS101" in done.stdout


# -- 14: the route map cannot drive the terminal of whoever draws it ---------------------------

# What a repository can put in a string: CSI and OSC sequences, a bell, a carriage return, a
# C1 control (a CSI of its own), a bidi override, rich markup (a hyperlink, a stray closing tag).
HOSTILE = "\x1b[2J\x1b]8;;https://evil.example\x07\r\x9b31m\u202e[link=https://evil.example]x[/link][/bold]"
ROUTES = f"""
from fastapi import APIRouter, Depends, FastAPI

app = FastAPI()
router = APIRouter(prefix={"/router" + HOSTILE!r})


def dep() -> int:
    return 1


@app.get({"/path" + HOSTILE!r})
async def plain(value: int = Depends(dep)) -> int:
    return value


@app.api_route("/methods", methods=[{"GET" + HOSTILE!r}])
async def methods() -> int:
    return 1


@router.get("/")
async def routed() -> int:
    return 1


app.include_router(router, prefix={"/included" + HOSTILE!r})
"""
_SGR = re.compile(r"\x1b\[[0-9;]*m")  # rich's own colours, with FORCE_COLOR
_BIDI = {chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200E, 0x200F, 0x061C)}


def _controls(data: bytes, colour: bool = False) -> list[str]:
    """The characters in ``data`` a terminal would obey rather than show."""
    text = data.decode("utf-8")
    if colour:
        text = _SGR.sub("", text)
    return [
        char for char in text
        if (ord(char) < 0x20 and char != "\n") or 0x7F <= ord(char) < 0xA0 or char in _BIDI or 0xD800 <= ord(char) < 0xE000
    ]


def _hostile_project(root: Path) -> None:
    (root / "app.py").write_text(ROUTES, encoding="utf-8")
    # A module name is the file's name: it names the handler and its dependencies.
    (root / "m\x1b[2J\x07.py").write_text(
        "from fastapi import Depends, FastAPI\napp = FastAPI()\n\ndef own() -> int:\n    return 1\n\n"
        "@app.get('/m')\nasync def handler(value: int = Depends(own)) -> int:\n    return value\n",
        encoding="utf-8",
    )


@pytest.mark.parametrize("colour", [False, True], ids=["plain", "FORCE_COLOR"])
def test_the_route_map_shows_control_characters_and_markup_as_text(tmp_path: Path, colour: bool) -> None:
    _hostile_project(tmp_path)
    wide = {"COLUMNS": "1000"}  # no cell folded over lines
    done = run("routes", ".", cwd=tmp_path, **wide, **({"FORCE_COLOR": "1"} if colour else {}))
    assert done.returncode == 0, done.stderr
    assert not _controls(done.stdout, colour), done.stdout
    shown = done.stdout.decode("utf-8")
    for field in ("/path\u241b[2J", "/included\u241b[2J", "/router\u241b[2J", "GET\u241b[2J", "m\u241b[2J\u2407:handler",
                  "m\u241b[2J\u2407:own (sync)", "[link=https://evil.example]x[/link][/bold]"):
        assert field in shown, field
    assert b"\x1b]" not in done.stdout  # no OSC: no hyperlink, no window title
    # JSON escapes them itself, and keeps them for a program to read.
    done = run("routes", "--format", "json", ".", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert not _controls(done.stdout), done.stdout
    paths = {row["path"] for row in json.loads(done.stdout)}
    assert f"/path{HOSTILE}" in paths and f"/included{HOSTILE}/router{HOSTILE}/" in paths


FIXABLE = "import time\nfrom fastapi import FastAPI\napp = FastAPI()\n\n@app.get('/')\nasync def slow() -> None:\n    time.sleep(1)\n"


@pytest.mark.parametrize("command", [("routes", "link.py"), ("check", "link.py"), ("check", "--fix", "--show-fixes", ".")])
def test_messages_about_the_project_show_control_characters(tmp_path: Path, command: tuple[str, ...]) -> None:
    """A symbolic link's target and a file's name are the repository's to choose, and messages name them."""
    (tmp_path / "link.py").symlink_to(f"gone{HOSTILE}")
    if "--fix" in command:
        (tmp_path / "link.py").unlink()
        (tmp_path / f"fixed{HOSTILE.replace('/', '')}.py").write_text(FIXABLE, encoding="utf-8")
    done = run(*command, cwd=tmp_path)
    assert done.returncode == (0 if "--fix" in command else 2), done.stderr
    assert not _controls(done.stderr), done.stderr
    message = done.stderr.decode("utf-8")
    assert ("Fixed fixed\u241b[2J" if "--fix" in command else "broken symbolic link") in message
    assert "\u241b[2J\u241b]8;;" in message and "evil.example\u2407\u240d" in message


# -- 13: a file name that is not UTF-8 is reported, in every format ---------------------------

SLEEPS = "import time\nfrom fastapi import FastAPI\napp = FastAPI()\n\n@app.get('/{name}')\nasync def {name}() -> None:\n    time.sleep(1)\n"
CHAIN = (
    "import helper\nfrom fastapi import FastAPI\napp = FastAPI()\n\n@app.get('/chain')\nasync def chain() -> None:\n"
    "    helper.fetch()\n"
)
HELPER = "import time\n\ndef fetch() -> None:\n    time.sleep(1)\n"


def _undecodable_tree(root: Path) -> bytes:
    """Files whose names are not UTF-8 (a finding in each, and a chain through one), beside a
    plain one; the undecodable folder's name."""
    folder = os.path.join(os.fsencode(root), b"d\xe9p")  # Latin-1, as an old archive would have it
    try:
        os.mkdir(folder)
    except OSError:  # a file system that takes only UTF-8 names (macOS)
        pytest.skip("this file system refuses names that are not UTF-8")
    for name, text in ((b"app.py", CHAIN), (b"helper.py", HELPER), (b"f\xe9.py", SLEEPS.format(name="latin"))):
        with open(os.path.join(folder, name), "w", encoding="utf-8") as stream:
            stream.write(text)
    (root / "plain.py").write_text(SLEEPS.format(name="plain"), encoding="utf-8")
    return folder


def _strings(data: object) -> list[str]:
    if isinstance(data, str):
        return [data]
    if isinstance(data, dict):
        return [*_strings(list(data)), *_strings(list(data.values()))]
    if isinstance(data, list):
        return [text for item in data for text in _strings(item)]
    return []


def _has_surrogates(text: str) -> bool:
    return any(0xD800 <= ord(char) < 0xE000 for char in text)


STRICT = {"PYTHONIOENCODING": "utf-8"}  # a UTF-8 terminal (en_US.UTF-8): no surrogateescape


@pytest.mark.parametrize("destination", ["stdout", "strict stdout", "file"])
@pytest.mark.parametrize("output_format", FORMATS)
def test_a_file_name_that_is_not_utf8_is_reported_in_every_format(
    tmp_path: Path, output_format: str, destination: str
) -> None:
    _undecodable_tree(tmp_path)
    options = ["--output-file", "report.out"] if destination == "file" else []
    done = run("check", ".", "--no-cache", "--format", output_format, *options, cwd=tmp_path,
               **(STRICT if destination == "strict stdout" else {}))
    assert done.returncode == 1, done.stderr
    assert b"Traceback" not in done.stderr and b"internal error" not in done.stderr, done.stderr
    data = (tmp_path / "report.out").read_bytes() if destination == "file" else done.stdout
    text = data.decode("utf-8")  # valid UTF-8, whatever the names
    assert not _has_surrogates(text)
    if output_format == "json":  # a program finds the files by the names JSON keeps (escaped)
        report = json.loads(text)
        paths = {finding["path"] for finding in report} | {hop["path"] for f in report for hop in f["chain"]}
        assert {os.fsencode(path) for path in paths} == {b"plain.py", b"d\xe9p/f\xe9.py", b"d\xe9p/app.py", b"d\xe9p/helper.py"}
    elif output_format == "sarif":  # URIs carry the names' own bytes; no lone surrogate anywhere
        report = json.loads(text)
        assert not any(_has_surrogates(found) for found in _strings(report))
        uris = {u for u in _strings(report) if u.endswith(".py") and not u.startswith("https:")}  # not a rule's helpUri
        assert uris == {"plain.py", "d%E9p/f%E9.py", "d%E9p/app.py", "d%E9p/helper.py"}
    else:  # a person reads the undecodable bytes as U+FFFD
        for name in ("plain.py", "d\ufffdp/f\ufffd.py", "d\ufffdp/app.py"):
            assert name in text, name


def test_a_working_folder_that_is_not_utf8_is_named_in_sarif(tmp_path: Path) -> None:
    folder = _undecodable_tree(tmp_path)
    done = run("check", ".", "--no-cache", "--format", "sarif", cwd=Path(os.fsdecode(folder)), **STRICT)
    assert done.returncode == 1, done.stderr
    base = json.loads(done.stdout.decode("utf-8"))["runs"][0]["originalUriBaseIds"]["%SRCROOT%"]["uri"]
    assert base.endswith("/d%E9p/")


ASCII = {"PYTHONIOENCODING": "ascii"}  # a terminal that shows ASCII only


@pytest.mark.parametrize("env", [{}, STRICT, ASCII], ids=["stdout", "strict stdout", "ascii stdout"])
@pytest.mark.parametrize("output_format", ["text", "json"])
def test_a_file_name_that_is_not_utf8_is_in_the_route_map(tmp_path: Path, output_format: str, env: dict[str, str]) -> None:
    """A module's name is its file's: the handler of a route in ``f\\xe9.py`` is ``f\\udce9:latin``,
    shown ``f\\ufffd:latin`` (``f?:latin`` where the terminal has no U+FFFD)."""
    folder = _undecodable_tree(tmp_path)
    done = run("routes", "--format", output_format, ".", cwd=Path(os.fsdecode(folder)), **env)
    assert done.returncode == 0, done.stderr
    assert b"Traceback" not in done.stderr, done.stderr
    text = done.stdout.decode("utf-8")
    assert not _has_surrogates(text)
    if output_format == "json":
        assert {row["handler"] for row in json.loads(text)} == {"f\udce9:latin", "app:chain"}
    else:
        assert ("f?:latin" if env is ASCII else "f\ufffd:latin") in text and "app:chain" in text


# -- 12: Ctrl-C and SIGTERM stop a run, its pool and its children, at once --------------------

ROUTE = "import time\nfrom fastapi import FastAPI\napp = FastAPI()\n\n@app.get('/r')\nasync def route() -> None:\n    time.sleep(1)\n"
# (signal, sent to): a terminal's Ctrl-C goes to the whole process group; ``kill`` and a CI job's
# timeout to the run's process alone.
STOPS = [(signal.SIGINT, "group"), (signal.SIGINT, "run"), (signal.SIGTERM, "group"), (signal.SIGTERM, "run")]
STOP_IDS = ["ctrl-c", "kill -INT", "group SIGTERM", "kill -TERM"]
EXPECTED = {signal.SIGINT: (130, b"fastapi-lint: interrupted\n"), signal.SIGTERM: (143, b"fastapi-lint: terminated\n")}


def _children_of(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    """Running, not a zombie (an orphan's exit is reaped by whoever adopted it, maybe never)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _started(*args: str, cwd: Path, children: int) -> tuple[subprocess.Popen[bytes], list[int]]:
    """A run in its own process group (as a shell starts a command), once it has ``children``."""
    process = subprocess.Popen(
        [sys.executable, "-m", "fastapi_lint", *args], cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        start_new_session=True,
    )
    deadline = time.monotonic() + 20
    found: list[int] = []
    while len(found) < children and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.02)
        found = _children_of(process.pid)
    if len(found) < children:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        pytest.fail(f"the run started {len(found)} of {children} children before it ended: give it more work")
    return process, found


def _assert_stops(process: subprocess.Popen[bytes], children: list[int], stop: signal.Signals, to: str) -> None:
    """Stopped by ``stop``: at once, with one line and the shell's code for it, no child left."""
    (os.killpg if to == "group" else os.kill)(process.pid, stop)
    try:
        _, stderr = process.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        pytest.fail("the run hung")
    finally:
        alive = [pid for pid in children if _alive(pid)]
        for pid in alive:  # leave the machine clean even when the test fails
            os.kill(pid, signal.SIGKILL)
    code, line = EXPECTED[stop]
    assert {"exit": process.returncode, "stderr": stderr, "children left": alive} == {
        "exit": code, "stderr": line, "children left": []
    }


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize("moment", [0.0, 0.3], ids=["as the pool starts", "midway"])
@pytest.mark.parametrize(("stop", "to"), STOPS, ids=STOP_IDS)
def test_a_stopped_run_stops_its_pool(tmp_path: Path, stop: signal.Signals, to: str, moment: float) -> None:
    for number in range(600):
        (tmp_path / f"m{number}.py").write_text(ROUTE * 20, encoding="utf-8")
    process, workers = _started(".", "--no-cache", "-q", "--jobs", "2", cwd=tmp_path, children=2)
    time.sleep(moment)
    _assert_stops(process, workers, stop, to)


@pytest.fixture(scope="module")
def edited_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project whose cache holds its last run, and whose large file (2 s to parse) is edited
    before each run: the run parses it in a forked child (``carry_over``)."""
    root = tmp_path_factory.mktemp("edited")
    body = "".join(f"def f{number}(a, b):\n    return a + b * {number}\n\n" for number in range(25_000))
    (root / "big.py").write_text(body, encoding="utf-8")
    (root / "app.py").write_text(ROUTE, encoding="utf-8")
    assert run(".", "-q", "--jobs", "2", cwd=root, timeout=120).returncode == 1
    return root


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize(("stop", "to"), STOPS, ids=STOP_IDS)
def test_a_stopped_run_stops_its_forked_child(edited_project: Path, stop: signal.Signals, to: str) -> None:
    with open(edited_project / "big.py", "a", encoding="utf-8") as stream:
        stream.write(f"# edited before {stop.name} to the {to}\n")
    process, children = _started(".", "-q", "--jobs", "2", cwd=edited_project, children=1)
    time.sleep(0.2)
    _assert_stops(process, children, stop, to)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
@pytest.mark.parametrize("command", [("check", "--no-cache", "--exit-zero"), ("routes",)])
def test_a_report_written_to_a_pipe_goes_through_it_and_leaves_it_a_pipe(tmp_path: Path, command: tuple[str, ...]) -> None:
    """`-o /dev/null` or a FIFO is written into: a rename would replace the device with a plain
    file (as root, `-o /dev/null` once turned the machine's /dev/null into one)."""
    import stat
    import threading

    (tmp_path / "app.py").write_text("import time\nfrom fastapi import FastAPI\napp = FastAPI()\n\n\n"
                                     "@app.get('/')\nasync def home() -> None:\n    time.sleep(1)\n")
    pipe = tmp_path / "report.pipe"
    os.mkfifo(pipe)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(pipe.read_bytes()), daemon=True)
    reader.start()
    done = subprocess.run([sys.executable, "-m", "fastapi_lint", *command, "app.py", "--format", "json", "-o", str(pipe)],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120)
    reader.join(timeout=60)
    assert done.returncode == 0, done.stderr
    assert stat.S_ISFIFO(os.lstat(pipe).st_mode)
    assert received and json.loads(received[0])
