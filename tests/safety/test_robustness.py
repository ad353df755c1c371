"""Large and hostile inputs, and fixes that survive being killed.

The heavy cases are marked ``slow`` (``pytest -m slow``); their sizes are
bounded so the suite stays within minutes.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from fastapi_lint.api import lint_paths, lint_source
from fastapi_lint.config import Config

ALL = Config(select=("ALL",))
ROUTE = (
    "import time\nfrom fastapi import FastAPI\n\napp = FastAPI()\n\n\n"
    "@app.get('/r')\nasync def route() -> int:\n    time.sleep(1)  # keep me\n    return 1\n"
)


def test_a_megabyte_line() -> None:
    source = "x = [" + "1, " * 350_000 + "]\n" + ROUTE
    codes = [d.code for d in lint_source(source, "wide.py", ALL)]
    assert codes == ["FAS101"]


@pytest.mark.slow
def test_a_ten_megabyte_generated_file() -> None:
    body = "".join(f"def f{i}(a, b):\n    return a + b * {i}\n\n" for i in range(250_000))
    assert len(body) > 10_000_000
    codes = [d.code for d in lint_source(body + ROUTE, "generated.py", ALL)]
    assert codes == ["FAS101"]


@pytest.mark.slow
def test_fifty_thousand_files(tmp_path: Path) -> None:
    root = tmp_path / "tree"
    for folder in range(100):
        package = root / f"p{folder}"
        package.mkdir(parents=True)
        for number in range(500):
            (package / f"m{number}.py").write_text(f"VALUE = {number}\n", encoding="utf-8")
    (root / "p0" / "route.py").write_text(ROUTE, encoding="utf-8")
    result = lint_paths([root], ALL, jobs=None)
    assert result.files == 50_001
    assert [d.code for d in result.diagnostics] == ["FAS101"]


def _fixed(source: str) -> str:
    from fastapi_lint.api import relint
    from fastapi_lint.fixes import plan_fixes

    diagnostics = lint_source(source, "one.py", Config(select=("FAS101",)))
    return plan_fixes(source, "one.py", diagnostics, relint=relint, config=Config(select=("FAS101",))).new_source


@pytest.mark.slow
@pytest.mark.parametrize("delay", [0.4, 0.8, 1.2, 1.6])
def test_a_fix_killed_midway_leaves_every_file_whole(tmp_path: Path, delay: float) -> None:
    """Each file is either exactly as it was or exactly as fixed, wherever the run was killed."""
    fixed = _fixed(ROUTE)
    assert fixed != ROUTE and "await asyncio.sleep(1)  # keep me" in fixed
    root = tmp_path / "many"
    root.mkdir()
    for number in range(400):
        (root / f"m{number}.py").write_text(ROUTE, encoding="utf-8")
    process = subprocess.Popen(
        [sys.executable, "-m", "fastapi_lint", str(root), "--fix", "--no-cache", "-q", "--select", "FAS101"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    time.sleep(delay)
    process.send_signal(signal.SIGKILL)
    process.wait()
    states = {"original": 0, "fixed": 0}
    for path in root.glob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert text in (ROUTE, fixed), f"{path.name} is neither original nor fixed"
        states["original" if text == ROUTE else "fixed"] += 1
    assert sum(states.values()) == 400
    # SIGKILL gives no chance to clean up: the one file being written at that instant may leave
    # its temporary behind (never under the real name), and nothing else may appear.
    leftovers = [p.name for p in root.iterdir() if not p.name.endswith(".py")]
    assert len(leftovers) <= 1, leftovers
    assert all(name.startswith(".m") and name.endswith(".fix") for name in leftovers), leftovers


def _children(pid: int) -> list[int]:
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


def _running(pid: int) -> bool:
    """Alive and not a zombie (an orphan's exit is reaped by whoever adopted it, maybe never)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_a_killed_run_leaves_no_worker_behind(tmp_path: Path) -> None:
    """Phase 1's pool workers end soon after their run is killed (SIGKILL: no clean-up at all)."""
    root = tmp_path / "many"
    root.mkdir()
    for number in range(600):
        (root / f"m{number}.py").write_text(ROUTE * 20, encoding="utf-8")
    process = subprocess.Popen(
        [sys.executable, "-m", "fastapi_lint", str(root), "--no-cache", "-q", "--jobs", "2"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 20
    workers: list[int] = []
    while len(workers) < 2 and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.05)
        workers = _children(process.pid)
    assert len(workers) >= 2, "the run ended before its pool started: give it more files"
    process.send_signal(signal.SIGKILL)
    process.wait()
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and any(_running(pid) for pid in workers):
        time.sleep(0.1)
    alive = [pid for pid in workers if _running(pid)]
    for pid in alive:  # leave the machine clean even when the test fails
        os.kill(pid, signal.SIGKILL)
    assert not alive, f"workers still running after their run was killed: {alive}"


def test_files_without_fixes_come_out_untouched(tmp_path: Path) -> None:
    path = tmp_path / "quiet.py"
    text = "# a comment\r\nasync def f():\r\n    return 1\r\n"
    path.write_bytes(text.encode())
    subprocess.run([sys.executable, "-m", "fastapi_lint", str(path), "--fix", "--no-cache", "-q"], check=False)
    assert path.read_bytes() == text.encode()
    assert oct(os.stat(path).st_mode)[-3:] in ("644", "664", "600", "666")
