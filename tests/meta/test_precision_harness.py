"""bench/precision.py: allocation, seeded sampling, the review sheet, scoring, comparing runs.

Fast and offline: the ``lint`` step runs a stand-in for fastapi-lint that prints fixed JSON.
"""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from pathlib import Path

import pytest

_PATH = Path(__file__).resolve().parents[2] / "bench" / "precision.py"
_spec = importlib.util.spec_from_file_location("precision_harness", _PATH)
assert _spec is not None and _spec.loader is not None
precision = importlib.util.module_from_spec(_spec)
sys.modules["precision_harness"] = precision
_spec.loader.exec_module(precision)


# --------------------------------------------------------------------------------------- helpers

APP = '''\
import time


class Service:
    @staticmethod
    def helper():
        time.sleep(1)


@app.get("/a")
async def route_a():
    Service.helper()
    time.sleep(1)


async def route_b():
    def inner():
        time.sleep(2)
    return inner
'''


def finding(code: str, line: int, path: str = "app.py", corpus: str = "demo", msg: str = "",
            chain: list[dict] | None = None) -> dict:
    return {"code": code, "name": code.lower(), "severity": "error", "message": msg or f"{code} at {line}",
            "path": path, "line": line, "column": 5, "end_line": line, "end_column": 9, "help": "",
            "fix": None, "chain": chain or [], "corpus": corpus}


def lint_of(root: Path, findings: list[dict], corpus: str = "demo") -> dict:
    fn = precision.Functions(root)
    for f in findings:
        f["corpus"] = corpus
        f["function"] = fn.at(f["path"], f["line"])
    return {"meta": {"corpus": corpus, "label": corpus, "root": str(root), "paths": ["."],
                     "corpus_commit": "o/r@abc1234", "tool_commit": "deadbeef", "total": len(findings),
                     "counts": {}},
            "findings": findings}


def make_sheet(tmp_path: Path, n102: int = 6, n201: int = 2) -> tuple[Path, dict]:
    (tmp_path / "app.py").write_text(APP)
    fs = [finding("FAS102", 12, msg=f"m{i}", chain=[{"path": "app.py", "line": 7, "column": 9, "text": "time.sleep"}])
          for i in range(n102)]
    fs += [finding("FAS201", 13, msg=f"c{i}") for i in range(n201)]
    lint = lint_of(tmp_path, fs)
    counts = {"FAS102": n102, "FAS201": n201}
    alloc = precision.allocate(counts, 6, 2)
    picked = precision.draw(fs, alloc, 3)
    params = {"seed": 3, "total": 6, "min_per_code": 2, "max_per_code": None, "allocation": alloc}
    sheet = tmp_path / "sheet.md"
    sheet.write_text(precision.write_sheet([lint], picked, alloc, params, 2, 1))
    return sheet, alloc


def fill(sheet: Path, verdicts: list[tuple[str, str]]) -> None:
    """Fill the entries in order with (verdict, reason)."""
    it = iter(verdicts)
    out = []
    pending_reason = None
    for line in sheet.read_text().splitlines():
        if line.startswith("verdict:"):
            v, pending_reason = next(it)
            line = f"verdict: {v}"
        elif line.startswith("reason:") and pending_reason is not None:
            line = f"reason: {pending_reason}"
            pending_reason = None
        out.append(line)
    sheet.write_text("\n".join(out) + "\n")


# ------------------------------------------------------------------------------------ allocation

def test_allocation_gives_every_code_its_minimum_and_shares_the_rest_by_findings() -> None:
    counts = {"FAS101": 491, "FAS102": 1205, "FAS103": 19, "FAS204": 1, "FAS301": 3}
    alloc = precision.allocate(counts, 100, 6)
    assert alloc["FAS204"] == 1 and alloc["FAS301"] == 3  # rarer than the minimum: all of them
    assert alloc["FAS103"] >= 6
    assert sum(alloc.values()) == 100
    assert alloc["FAS102"] > alloc["FAS101"] > alloc["FAS103"]
    # the share above the minimum follows the counts
    assert abs((alloc["FAS102"] - 6) / (alloc["FAS101"] - 6) - 1205 / 491) < 0.2


def test_allocation_respects_caps_and_small_populations() -> None:
    counts = {"A": 50, "B": 5, "C": 500}
    assert precision.allocate(counts, 40, 8, max_per_code=12) == {"A": 12, "B": 5, "C": 12}
    assert precision.allocate(counts, 1000, 2) == counts  # a budget larger than everything takes everything
    assert precision.allocate({"A": 3, "B": 3, "C": 3}, 7, 0) in (
        {"A": 3, "B": 2, "C": 2}, {"A": 2, "B": 3, "C": 2}, {"A": 2, "B": 2, "C": 3})
    assert precision.allocate({"A": 3, "B": 3, "C": 3}, 7, 0) == precision.allocate({"C": 3, "A": 3, "B": 3}, 7, 0)


# -------------------------------------------------------------------------------------- sampling

def _population(n: int, code: str) -> list[dict]:
    return [finding(code, i + 1, path=f"m{i % 7}.py", msg=f"{code}-{i}") for i in range(n)]


def test_seeded_sampling_is_deterministic_and_independent_per_code() -> None:
    fs = _population(200, "FAS101") + _population(50, "FAS102")
    alloc = {"FAS101": 10, "FAS102": 5}
    a = precision.draw(fs, alloc, 14)
    b = precision.draw(list(reversed(fs)), alloc, 14)  # input order does not matter
    assert [precision.finding_key(f) for f in a] == [precision.finding_key(f) for f in b]
    assert len(a) == 15 and len({precision.finding_key(f) for f in a}) == 15
    c = precision.draw(fs, alloc, 15)
    assert [precision.finding_key(f) for f in a] != [precision.finding_key(f) for f in c]
    # one code's findings changing leaves the other code's sample as it was
    d = precision.draw(_population(200, "FAS101") + _population(80, "FAS102"), alloc, 14)
    keys = lambda xs, code: [precision.finding_key(f) for f in xs if f["code"] == code]  # noqa: E731
    assert keys(a, "FAS101") == keys(d, "FAS101")


def test_enclosing_function_names(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(APP)
    fn = precision.Functions(tmp_path)
    assert fn.at("app.py", 7) == "Service.helper"
    assert fn.at("app.py", 5) == "Service.helper"  # the decorator line
    assert fn.at("app.py", 13) == "route_a"
    assert fn.at("app.py", 10) == "route_a"  # its decorator
    assert fn.at("app.py", 18) == "route_b.inner"
    assert fn.at("app.py", 19) == "route_b"
    assert fn.at("app.py", 1) == "<module>"
    assert fn.at("missing.py", 1) == "?"


# ----------------------------------------------------------------------------------- the sheet

def test_sheet_has_frames_chain_hops_and_empty_verdicts(tmp_path: Path) -> None:
    sheet, alloc = make_sheet(tmp_path)
    text = sheet.read_text()
    assert alloc == {"FAS102": 4, "FAS201": 2}
    assert text.count("\nverdict: \n") == 6 and text.count("\nreason: \n") == 6
    assert "> 12 |     Service.helper()" in text  # the finding's frame
    assert "hop 1: `app.py:7` `time.sleep`" in text and "> 7 |         time.sleep(1)" in text
    assert "enclosing function: `route_a`" in text
    meta, entries = precision.parse_sheet(sheet)
    assert meta["params"]["seed"] == 3
    assert meta["population"] == {"FAS102": {"demo": 6}, "FAS201": {"demo": 2}}
    assert [e.verdict for e in entries] == [None] * 6


def test_score_of_a_filled_sheet(tmp_path: Path) -> None:
    sheet, _ = make_sheet(tmp_path)
    # entries are ordered by code: 4 FAS102 then 2 FAS201
    fill(sheet, [("TRUE", "r"), ("true", "r"), ("FALSE", "test code"), ("DEBATABLE", "startup"),
                 ("**FALSE**", "lazy singleton"), ("TRUE", "per request")])
    score = precision.score_sheets([sheet])
    rows = {r.code: r for r in score.rows}
    assert (rows["FAS102"].findings, rows["FAS102"].sampled, rows["FAS102"].true, rows["FAS102"].false,
            rows["FAS102"].debatable) == (6, 4, 2, 1, 1)
    assert rows["FAS102"].precision == pytest.approx(2 / 3)
    assert rows["FAS201"].precision == pytest.approx(0.5)
    o = score.overall()
    assert (o["true"], o["false"], o["debatable"], o["sampled"], o["findings"]) == (3, 2, 1, 6, 8)
    assert o["precision"] == pytest.approx(3 / 5)
    assert o["weighted_precision"] == pytest.approx((6 * 2 / 3 + 2 * 0.5) / 8)
    assert o["debatable_share"] == pytest.approx(1 / 6)
    assert o["weighted_debatable"] == pytest.approx((6 * 0.25 + 2 * 0) / 8)
    table = precision.render_score(score)
    assert "| FAS102 | 6 | 4 | 2 | 1 | 1 | 67% | 25% |" in table
    assert "| **all** | 8 | 6 | 3 | 2 | 1 | 60% | 17% |" in table
    assert "precision 62%" in table  # weighted: (4 + 1) / 8


def test_several_sheets_pool_and_a_finding_read_twice_counts_once(tmp_path: Path) -> None:
    one, two = tmp_path / "one", tmp_path / "two"
    one.mkdir()
    two.mkdir()
    s1, _ = make_sheet(one)
    s2, _ = make_sheet(two)  # the same findings of the same corpus
    fill(s1, [("TRUE", "r")] * 6)
    fill(s2, [("TRUE", "r")] * 6)
    o = precision.score_sheets([s1, s2]).overall()
    assert o["sampled"] == 6 and o["findings"] == 8
    fill(s2, [("FALSE", "r")] * 6)
    with pytest.raises(precision.HarnessError, match="is FALSE here and TRUE at"):
        precision.score_sheets([s1, s2])


def test_unfilled_entries_need_partial(tmp_path: Path) -> None:
    sheet, _ = make_sheet(tmp_path)
    fill(sheet, [("TRUE", "r"), ("FALSE", "r")] + [("", "")] * 4)
    with pytest.raises(precision.HarnessError, match="4 finding\\(s\\) have no verdict yet"):
        precision.score_sheets([sheet])
    score = precision.score_sheets([sheet], partial=True)
    assert score.pending == 4 and score.overall()["sampled"] == 2


@pytest.mark.parametrize(("edit", "message"), [
    (lambda t: t.replace("verdict: ", "verdict: MAYBE", 1),
     r"sheet\.md:\d+: entry \[1\] \(FAS102 demo app\.py:12\): verdict 'MAYBE' is not one of TRUE, FALSE, DEBATABLE"),
    (lambda t: t.replace("verdict: ", "verdict: TRUE", 1),
     r"sheet\.md:\d+: entry \[1\] .*: verdict TRUE without a reason"),
    (lambda t: t.replace("reason: \n", "", 1),
     r"sheet\.md:\d+: entry \[1\] .* has no 'reason:' line"),
    (lambda t: t.replace("verdict: \n", "verdict: \nverdict: \n", 1),
     r"entry \[1\] has a second 'verdict:' line"),
    (lambda t: t.replace("<!-- precision-meta", "<!-- meta", 1),
     r"its '<!-- precision-meta' block is missing or damaged"),
    (lambda t: t.replace("<!-- precision-sheet v1 -->", "", 1),
     r"not a precision review sheet"),
])
def test_errors_in_a_sheet_say_where_and_what(tmp_path: Path, edit, message: str) -> None:
    sheet, _ = make_sheet(tmp_path)
    sheet.write_text(edit(sheet.read_text()))
    with pytest.raises(precision.HarnessError, match=message):
        precision.score_sheets([sheet])


def test_every_error_of_a_sheet_is_reported_at_once(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sheet, _ = make_sheet(tmp_path)
    text = sheet.read_text().replace("verdict: ", "verdict: yes", 2)
    sheet.write_text(text)
    assert precision.main(["score", str(sheet)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("precision.py: ")
    assert len(re.findall(r"verdict 'yes' is not one of", err)) == 2
    assert "Traceback" not in err


# --------------------------------------------------------------------------------------- compare

def test_compare_matches_by_function_not_line(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(APP)
    old = lint_of(tmp_path, [finding("FAS102", 12), finding("FAS101", 13), finding("FAS101", 7)])["findings"]
    shifted = APP.replace("import time\n", "import time\nimport os\n\n")
    (tmp_path / "app.py").write_text(shifted)
    new = lint_of(tmp_path, [finding("FAS102", 14), finding("FAS101", 15), finding("FAS101", 15),
                             finding("FAS201", 20)])["findings"]
    gone, came = precision.compare(old, new)
    assert [(f["code"], f["function"]) for f in gone] == [("FAS101", "Service.helper")]
    assert sorted((f["code"], f["function"]) for f in came) == [("FAS101", "route_a"), ("FAS201", "route_b.inner")]
    md = precision.render_compare(old, new, gone, came, 10)
    assert "| FAS101 | 2 | 2 | 1 | 1 |" in md and "| **all** | 3 | 4 | 1 | 2 |" in md


# ---------------------------------------------------------------------------- lint, end to end

FAKE_TOOL = '''\
import json, sys
if "--version" in sys.argv:
    print("fake-lint 9.9")
    sys.exit(0)
print(json.dumps([
    {"code": "FAS101", "name": "x", "severity": "error", "message": "m1", "path": "pkg/app.py", "line": 2,
     "column": 5, "end_line": 2, "end_column": 9, "help": "", "fix": None, "chain": []},
    {"code": "FAS201", "name": "y", "severity": "error", "message": "m2", "path": "pkg/app.py", "line": 3,
     "column": 5, "end_line": 3, "end_column": 9, "help": "", "fix": None,
     "chain": [{"path": "pkg/app.py", "line": 2, "column": 5, "text": "open"}]},
]))
'''


def test_lint_then_sample_then_score(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    corpora = tmp_path / "corpora"
    (corpora / "demo" / "pkg").mkdir(parents=True)
    (corpora / "demo" / "pkg" / "app.py").write_text("async def f():\n    open('x')\n    make()\n")
    (corpora / "commits.txt").write_text("demo  owner/demo  0123456789abcdef\n")
    tool = tmp_path / "fake.py"
    tool.write_text(FAKE_TOOL)
    results = tmp_path / "results"
    common = ["--corpora-dir", str(corpora), "--fastapi-lint", f"{sys.executable} {tool}", "--results", str(results)]
    assert precision.main(["lint", "--corpus", "demo:pkg", *common, "--tag", "t"]) == 0
    [out] = list(results.glob("lint-demo-*-t.json"))
    data = json.loads(out.read_text())
    assert data["meta"]["corpus_commit"] == "owner/demo@0123456789abcdef"
    assert data["meta"]["paths"] == ["pkg"] and data["meta"]["counts"] == {"FAS101": 1, "FAS201": 1}
    assert "--no-cache" in data["meta"]["argv"] and "--config" in data["meta"]["argv"]
    assert [f["function"] for f in data["findings"]] == ["f", "f"]
    sheet = tmp_path / "s.md"
    assert precision.main(["sample", "--from-json", str(out), "--total", "2", "-o", str(sheet)]) == 0
    fill(sheet, [("TRUE", "a real wait"), ("DEBATABLE", "rare route")])
    capsys.readouterr()
    assert precision.main(["score", str(sheet)]) == 0
    table = capsys.readouterr().out
    assert "| FAS101 | 1 | 1 | 1 | 0 | 0 | 100% | 0% |" in table
    assert "| FAS201 | 1 | 1 | 0 | 0 | 1 | - | 100% |" in table
    # an existing sheet is never overwritten
    assert precision.main(["sample", "--from-json", str(out), "--total", "2", "-o", str(sheet)]) == 2


def test_test_code_and_globs_can_be_left_out_of_a_sample(tmp_path: Path) -> None:
    assert precision.is_test_path("pkg/tests/helpers.py") and precision.is_test_path("conftest.py")
    assert precision.is_test_path("a/test_x.py") and precision.is_test_path("a/x_test.py")
    assert not precision.is_test_path("pkg/testing.py") and not precision.is_test_path("integration-tests/helpers.py")
    fs = [finding("FAS101", 1, path=p) for p in ("app/main.py", "app/tests/t.py", "scripts/run.py", "test_a.py")]
    lint = tmp_path / "lint.json"
    lint.write_text(json.dumps({"meta": {"corpus": "demo", "label": "demo", "root": str(tmp_path), "paths": ["."]},
                                "findings": fs}))
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "main.py").write_text("x = 1\n")
    sheet = tmp_path / "s.md"
    assert precision.main(["sample", "--from-json", str(lint), "--exclude-tests", "--exclude", "demo:scripts/*",
                           "-o", str(sheet)]) == 0
    meta, entries = precision.parse_sheet(sheet)
    assert meta["population"] == {"FAS101": {"demo": 1}}
    assert meta["params"]["left_out"] == 3 and meta["params"]["exclude"] == ["demo:scripts/*"]
    assert [e.key.split("|")[1] for e in entries] == ["app/main.py"]
    assert "Left out before drawing (3 findings): test code, `demo:scripts/*`" in sheet.read_text()


@pytest.mark.parametrize("name", ["demo.json", "lint-demo-0123abc.json"])
def test_a_bare_cli_list_finds_its_tree_under_the_corpora_folder(tmp_path: Path, name: str) -> None:
    """``--from-json`` with the CLI's own JSON list: the tree is the corpora folder's entry of the
    file's name, so the sheet shows frames and enclosing functions."""
    (tmp_path / "corpora" / "demo").mkdir(parents=True)
    (tmp_path / "corpora" / "demo" / "app.py").write_text(APP)
    listed = tmp_path / name
    listed.write_text(json.dumps([{k: v for k, v in finding("FAS102", 12).items() if k != "corpus"}]))
    root, corpus = precision._bare_corpus(listed, tmp_path / "corpora")
    lint = precision.load_lint(listed, root, corpus)
    assert lint["meta"]["corpus"] == "demo" and lint["findings"][0]["function"] == "route_a"
    assert precision._bare_corpus(listed, tmp_path / "elsewhere") == (None, None)


def test_a_bare_cli_list_run_in_a_subfolder_of_its_tree_reads_there(tmp_path: Path) -> None:
    """A corpus linted in a folder of its tree (polar's ``server``, fastapi's ``docs_src``): its
    paths are relative to that folder, where the sheet reads frames and enclosing functions."""
    (tmp_path / "corpora" / "demo" / "server").mkdir(parents=True)
    (tmp_path / "corpora" / "demo" / "server" / "app.py").write_text(APP)
    listed = tmp_path / "demo.json"
    listed.write_text(json.dumps([{k: v for k, v in finding("FAS102", 12).items() if k != "corpus"}]))
    root, corpus = precision._bare_corpus(listed, tmp_path / "corpora")
    lint = precision.load_lint(listed, root, corpus)
    assert lint["meta"]["root"].endswith("server") and lint["findings"][0]["function"] == "route_a"
