"""``fastapi-lint routes --format mermaid|html``: the route map as a picture.

Both are read as structures (every node and edge of the chart, every element of the page), on
the demo app and on a project whose route paths and names try to break out of a Mermaid label
or an HTML element. The page is also opened in a real browser (``-m browser`` tests, skipped
when no Chromium and Playwright are installed): routes listed, a filter hides findings, no
script error, no request; with mermaid.js at hand (``FASTAPI_LINT_MERMAID_JS``), the chart is
parsed and drawn by it.
"""

from __future__ import annotations

import html.parser
import os
import re
import shutil
from pathlib import Path

import pytest

from fastapi_lint.api import lint_paths, route_rows
from fastapi_lint.config import Config
from fastapi_lint.reporters import route_html, route_mermaid
from fastapi_lint.reporters.text import clean
from tests.helpers import invoke

DEMO = Path(__file__).resolve().parents[2] / "fixtures" / "apps" / "demo"

HOSTILE_PATH = '/a</script><img src=x onerror=alert(1)>#35;&amp;`md` %% {x}"]|é\u202e\U0001f600\x1b[31m'
HOSTILE = {
    "evil/__init__.py": "",
    "evil/main.py": f"""
import time
from fastapi import APIRouter, Depends, FastAPI

app = FastAPI()
router = APIRouter(prefix='/q"uo]te|pipe')

def end():
    return 1

@router.get({HOSTILE_PATH!r})
async def graph(dep=Depends(end)):
    time.sleep(1)

@router.get("/-->|x| y[z]")
def subgraph():
    return 1

app.include_router(router, prefix="/end")
""",
}


def _write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text.lstrip(), encoding="utf-8")
    return root


def _rows(path: Path, config: Config = Config()):  # type: ignore[no-untyped-def]
    return route_rows(lint_paths([path], config))


def _chart(path: Path, config: Config = Config()) -> str:
    import io

    out = io.StringIO()
    route_mermaid.report(_rows(path, config), out)
    return out.getvalue()


def _page(path: Path, config: Config = Config()) -> str:
    import io

    out = io.StringIO()
    route_html.report(_rows(path, config), out)
    return out.getvalue()


# -- Mermaid --------------------------------------------------------------------------------

_ID = r"[a-z][a-z0-9]*"
_LABEL = r'"[^"]*"'
_NODE = re.compile(rf"^ *({_ID})(\[{_LABEL}\]|\(\[{_LABEL}\]\)|\{{\{{{_LABEL}\}}\}})(:::[a-z]+)?$")
_EDGE = re.compile(rf"^ *({_ID}) (-->|-\.->) ({_ID})$")
_SUBGRAPH = re.compile(rf"^ *subgraph ({_ID})\[({_LABEL})\]$")


def _parse(chart: str) -> tuple[dict[str, str], list[tuple[str, str]], list[str]]:
    """Nodes (id -> quoted label), edges, subgraph labels; fails on any line of another shape."""
    lines = chart.splitlines()
    assert lines[0] == "flowchart LR"
    nodes: dict[str, str] = {}
    edges: list[tuple[str, str]] = []
    groups: list[str] = []
    depth = 0
    for line in lines[1:]:
        if line.strip().startswith(("classDef ", "linkStyle ")):
            continue
        if line.strip() == "end":
            depth -= 1
            assert depth >= 0
        elif match := _SUBGRAPH.match(line):
            depth += 1
            groups.append(match.group(2))
        elif match := _NODE.match(line):
            assert match.group(1) not in nodes, line
            nodes[match.group(1)] = re.search(_LABEL, match.group(2)).group(0)  # type: ignore[union-attr]
        elif match := _EDGE.match(line):
            edges.append((match.group(1), match.group(3)))
        else:
            raise AssertionError(f"not a line of the chart's grammar: {line!r}")
    assert depth == 0
    assert all(start in nodes and end in nodes for start, end in edges)
    assert len(set(edges)) == len(edges)
    return nodes, edges, groups


def _decoded(label: str) -> str:
    """What Mermaid shows of a quoted label: ``#NNN;`` codes decoded, ``<br/>`` a line break."""
    assert label[0] == label[-1] == '"'
    body = label[1:-1]
    rest = re.sub(r"#\d+;", "", body).replace("<br/>", "")
    assert re.fullmatch(r"[A-Za-z0-9 .,:;_/()\[\]{}|*+=!?@$^~'-]*", rest), body
    return re.sub(r"#(\d+);", lambda m: chr(int(m.group(1))), body).replace("<br/>", "\n")


def test_mermaid_chart_of_the_demo_groups_routes_and_shares_dependencies() -> None:
    with_fas106 = Config(extend_select=("FAS106",))  # off by default; its chain goes through a dependency
    rows = _rows(DEMO, with_fas106)
    nodes, edges, groups = _parse(_chart(DEMO, with_fas106))
    shown = {_decoded(label) for label in nodes.values()}
    routes = [node for node in nodes if node.startswith("r")]
    assert len(routes) == len(rows) == 21
    assert {_decoded(g) for g in groups} == {"app demo.main:app", "router demo.routers.items:router", "router demo.routers.users:router"}
    assert "GET /items/{item_id}\nread_item, async, threadpool" in shown
    assert "GET /items/\nlist_items, sync, threadpool" in shown
    assert "POST /items/{item_id}/reservations\nreserve_item, async" in shown
    # get_db is one node, used by many routes.
    [get_db] = [node for node, label in nodes.items() if _decoded(label) == "demo.dependencies:get_db, sync"]
    assert sum(1 for _, end in edges if end == get_db) > 5
    # FAS102's chain is a path: route -> finding -> the helper it calls -> the blocking call.
    by_label = {_decoded(label).split("\n")[0]: node for node, label in nodes.items()}
    path = [by_label["GET /users/me/country"], by_label["FAS102 blocking-call-via-helper"],
            by_label["demo.services.geo:GeoService.locate"], by_label["self.client.get"]]
    assert all(step in edges for step in zip(path, path[1:]))
    # FAS106 goes through the dependency's shared node to the call in it.
    path = [by_label["GET /items/mine/stock"], by_label["FAS106 blocking-sync-dependency-on-async-route"],
            by_label["demo.dependencies:get_current_user, sync"], by_label["db.get"]]
    assert all(step in edges for step in zip(path, path[1:]))


def test_mermaid_labels_hold_hostile_text_as_text(tmp_path: Path) -> None:
    nodes, _, groups = _parse(_chart(_write(tmp_path, HOSTILE) / "evil"))
    shown = [_decoded(label) for label in [*nodes.values(), *groups]]
    route = "/end/q\"uo]te|pipe" + HOSTILE_PATH
    assert f"GET {clean(route)}\ngraph, async, threadpool" in shown
    assert "GET /end/q\"uo]te|pipe/-->|x| y[z]\nsubgraph, sync, threadpool" in shown
    # A bidi override or an escape sequence is never passed on.
    assert not any("\u202e" in text or "\x1b" in text for text in shown)


def test_label_escapes_everything_outside_a_safe_set() -> None:
    assert route_mermaid.label('a"b') == '"a#34;b"'
    assert route_mermaid.label("#35;") == '"#35;35;"'
    assert route_mermaid.label("x", "é") == '"x<br/>#233;"'
    assert route_mermaid.label("caf\udce9") == '"caf#65533;"'  # an undecodable byte of a file name


# -- HTML -----------------------------------------------------------------------------------


class _Elements(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.texts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.texts.append(data)


def _elements(page: str) -> _Elements:
    parser = _Elements()
    parser.feed(page)
    parser.close()
    return parser


def test_html_page_is_self_contained_and_lists_routes_findings_and_chains() -> None:
    page = _page(DEMO, Config(extend_select=("FAS106",)))  # FAS106 (off by default): a warning among the errors
    found = _elements(page)
    tags = [tag for tag, _ in found.tags]
    assert tags.count("script") == 1 and tags.count("style") == 1
    assert not any(attrs.get("src") or attrs.get("href") for _, attrs in found.tags)
    [policy] = [attrs["content"] for tag, attrs in found.tags if tag == "meta" and attrs.get("http-equiv")]
    assert policy is not None and "default-src 'none'" in policy and "unsafe-inline" not in policy
    assert sum(1 for _, attrs in found.tags if attrs.get("class") == "route") == 21
    findings = [attrs for _, attrs in found.tags if (attrs.get("class") or "").startswith("finding ")]
    assert len(findings) == 12 and {f["data-severity"] for f in findings} == {"error", "warning"}
    text = "".join(found.texts)
    assert "demo.services.geo:GeoService.locate" in text  # a hop's function, on FAS102's chain
    assert len(page) < 64_000


def test_html_page_escapes_what_the_linted_code_names(tmp_path: Path) -> None:
    page = _page(_write(tmp_path, HOSTILE) / "evil")
    found = _elements(page)
    tags = [tag for tag, _ in found.tags]
    assert tags.count("script") == 1 and "img" not in tags
    assert "</script><img" not in page
    paths = [i for i, (tag, attrs) in enumerate(found.tags) if attrs.get("class") == "path"]
    assert len(paths) == 2
    assert clean("/end/q\"uo]te|pipe" + HOSTILE_PATH) in "".join(found.texts)


def test_routes_output_file_is_written_in_one_piece(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "map.html").write_text("old")
    result = invoke("routes", str(DEMO), "--format", "html", "-o", "map.html")
    assert result.exit_code == 0 and result.stdout == ""
    assert "21 routes" in result.stderr
    assert (tmp_path / "map.html").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert [p.name for p in tmp_path.iterdir()] == ["map.html"]  # no temporary file left
    result = invoke("routes", str(DEMO), "--format", "mermaid", "-o", "map.mmd")
    assert result.exit_code == 0 and (tmp_path / "map.mmd").read_text(encoding="utf-8").startswith("flowchart LR\n")


def test_routes_output_file_in_a_missing_folder_is_made(tmp_path: Path) -> None:
    target = tmp_path / "reports" / "routes.json"
    result = invoke("routes", str(DEMO), "--format", "json", "-o", str(target))
    assert result.exit_code == 0 and target.read_text(encoding="utf-8").startswith("[")


# -- in a browser ---------------------------------------------------------------------------


def _browser() -> str:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        pytest.skip("Playwright is not installed (pip install playwright; the browser is Debian's chromium)")
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    pytest.skip("no Chromium on this machine (apt-get install chromium)")


@pytest.mark.browser
def test_html_page_in_a_browser_lists_routes_and_filters(tmp_path: Path) -> None:
    executable = _browser()
    from playwright.sync_api import sync_playwright

    page_file = tmp_path / "routes.html"
    assert invoke("routes", str(DEMO), "--format", "html", "-o", str(page_file)).exit_code == 0
    problems: list[str] = []
    requests: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        try:
            page = browser.new_page()
            page.on("console", lambda message: problems.append(message.text) if message.type in ("error", "warning") else None)
            page.on("pageerror", lambda error: problems.append(str(error)))
            page.on("request", lambda request: requests.append(request.url))
            page.goto(page_file.as_uri())
            assert page.locator(".route").count() == 21
            assert page.locator(".route code.path", has_text="/users/me/country").count() == 1
            visible = page.locator(".finding:visible")
            assert visible.count() == 12
            page.locator('input[data-filter="severity"][value="error"]').uncheck()
            assert visible.count() == 1  # the FAS106 warning
            page.locator('input[data-filter="rule"][value="FAS106"]').uncheck()
            assert visible.count() == 0
            page.locator("#only-findings").check()
            assert page.locator(".route:visible").count() == 0
            page.locator('input[data-filter="severity"][value="error"]').check()
            assert page.locator(".route:visible").count() == 9  # the routes with an error
            assert page.locator(".route:visible .shown", has_text="2").count() >= 1
        finally:
            browser.close()
    assert problems == []
    assert requests == [page_file.as_uri()]


@pytest.mark.browser
def test_hostile_page_runs_no_injected_script(tmp_path: Path) -> None:
    executable = _browser()
    from playwright.sync_api import sync_playwright

    page_file = tmp_path / "routes.html"
    assert invoke("routes", str(_write(tmp_path, HOSTILE) / "evil"), "--format", "html", "-o", str(page_file)).exit_code == 0
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        try:
            page = browser.new_page()
            dialogs: list[str] = []
            page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
            page.goto(page_file.as_uri())
            assert page.locator("img").count() == 0 and page.locator("script").count() == 1
            assert clean(HOSTILE_PATH) in page.locator(".route code.path").first.inner_text()
        finally:
            browser.close()
    assert dialogs == []


@pytest.mark.browser
def test_mermaid_chart_is_drawn_by_mermaid(tmp_path: Path) -> None:
    """mermaid.js itself parses and draws the chart (set FASTAPI_LINT_MERMAID_JS to its
    ``dist/mermaid.min.js``, from ``npm install mermaid``), and shows each hostile label as it was."""
    executable = _browser()
    library = os.environ.get("FASTAPI_LINT_MERMAID_JS", "")
    if not library or not Path(library).is_file():
        pytest.skip("no mermaid.js: set FASTAPI_LINT_MERMAID_JS to node_modules/mermaid/dist/mermaid.min.js")
    from playwright.sync_api import sync_playwright

    holder = tmp_path / "mermaid.html"
    holder.write_text(f'<!DOCTYPE html><meta charset="utf-8"><div id="out"></div><script src="{Path(library).resolve().as_uri()}"></script>')
    charts = [_chart(DEMO), _chart(_write(tmp_path, HOSTILE) / "evil")]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=["--no-sandbox"])
        try:
            page = browser.new_page()
            page.goto(holder.as_uri())
            page.evaluate("mermaid.initialize({startOnLoad: false, securityLevel: 'strict'})")
            drawn = [
                page.evaluate(
                    """async (text) => {
                        await mermaid.parse(text);
                        const {svg} = await mermaid.render('chart' + Math.random().toString(36).slice(2), text);
                        const out = document.getElementById('out');
                        out.innerHTML = svg;
                        return {nodes: out.querySelectorAll('.node').length, images: out.querySelectorAll('img').length,
                                labels: Array.from(out.querySelectorAll('.nodeLabel'), (e) => e.textContent)};
                    }""",
                    chart,
                )
                for chart in charts
            ]
        finally:
            browser.close()
    assert drawn[0]["nodes"] == len(_parse(charts[0])[0])
    assert drawn[1]["images"] == 0
    assert any(clean(HOSTILE_PATH) in label for label in drawn[1]["labels"])


def test_readme_shows_the_demo_chart_the_tool_writes() -> None:
    readme = (DEMO.parent.parent.parent / "README.md").read_text(encoding="utf-8")
    [shown] = re.findall(r"```mermaid\n(.*?)```", readme, re.S)
    assert shown == _chart(DEMO)
