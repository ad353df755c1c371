"""``fastapi-lint routes --format html``: the route map as one self-contained page.

A CI job keeps it as an artifact and a person opens it from there: no request leaves the
page (no font, script or style from elsewhere; its Content-Security-Policy forbids any), and
it reads without its script. Routes are grouped by app and router, each with how it runs
(async or sync, whether a request takes a threadpool thread), its dependency tree and its
findings, each with its chain from the function it sits in to the call that blocks. The
script only filters: by severity, by rule, and routes without a finding shown.

What the page shows comes from the linted repository, which may be hostile: a route path or a
function name is any string. Every such text goes through ``html.escape`` (quotes too, so an
attribute cannot be left) after control and bidi characters are made visible; nothing is
built by the script from text, and the policy lets run only the page's own script and style,
named by their hashes, so even a tag that slipped through would not run.
"""

from __future__ import annotations

import base64
import hashlib
import html
from collections.abc import Iterator, Sequence
from typing import TextIO

from fastapi_lint import __version__
from fastapi_lint.reporters.route_shape import DependencyLike, FindingLike, RowLike, short_path
from fastapi_lint.reporters.text import clean

_SEVERITIES = ("error", "warning", "info")

_STYLE = """
:root{--err:#c62828;--warn:#b26a00;--info:#1565c0;--async:#2e7d32;--sync:#e65100;--line:#ddd}
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0 auto;max-width:1100px;padding:1rem;color:#222}
h1{font-size:1.4rem;margin:.2rem 0}
h2{font-size:1.15rem;margin:1.4rem 0 .4rem}
code,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.92em}
[hidden]{display:none!important}
.summary{color:#555;margin:.2rem 0 .8rem}
.filters{display:flex;flex-wrap:wrap;gap:.4rem 1.2rem;padding:.6rem .8rem;background:#f6f6f6;border:1px solid var(--line);border-radius:6px;position:sticky;top:0;z-index:1}
.filters fieldset{border:0;margin:0;padding:0;display:flex;flex-wrap:wrap;gap:.2rem .8rem}
.filters legend{font-weight:600;float:left;margin-right:.4rem}
details.router{border:1px solid var(--line);border-radius:6px;margin:.5rem 0;padding:.2rem .6rem}
details.router>summary{cursor:pointer;font-weight:600;padding:.3rem 0}
.route{border-top:1px solid var(--line);padding:.5rem 0}
.route>header{display:flex;flex-wrap:wrap;gap:.3rem .6rem;align-items:baseline}
.methods{font-weight:700}
.badge{display:inline-block;border-radius:3px;padding:0 .35rem;font-size:.8em;border:1px solid currentColor}
.async{color:var(--async)}.sync{color:var(--sync)}
.error{color:var(--err)}.warning{color:var(--warn)}.info{color:var(--info)}
.handler{color:#555}
.deps{margin:.2rem 0 .2rem 1rem;padding-left:1rem}
.deps ul{padding-left:1.2rem;margin:0}
.findings{list-style:none;margin:.3rem 0 0;padding:0}
.finding{border-left:3px solid currentColor;padding:.1rem .6rem;margin:.3rem 0}
.finding .text{color:#222}
.chain{margin:.1rem 0 .1rem 1.2rem;padding:0;color:#444}
.where{color:#777}
.none{color:#777;font-style:italic}
"""

_SCRIPT = """
(function () {
  var boxes = Array.prototype.slice.call(document.querySelectorAll("input[data-filter]"));
  var only = document.getElementById("only-findings");
  function apply() {
    var off = {};
    boxes.forEach(function (box) { if (!box.checked) { off[box.getAttribute("data-filter") + ":" + box.value] = true; } });
    document.querySelectorAll(".finding").forEach(function (item) {
      item.hidden = Boolean(off["severity:" + item.getAttribute("data-severity")] || off["rule:" + item.getAttribute("data-rule")]);
    });
    document.querySelectorAll(".route").forEach(function (route) {
      var shown = route.querySelectorAll(".finding:not([hidden])").length;
      route.hidden = only.checked && shown === 0;
      route.querySelector(".shown").textContent = String(shown);
    });
    document.querySelectorAll("details.router").forEach(function (group) {
      group.hidden = group.querySelectorAll(".route:not([hidden])").length === 0;
    });
  }
  boxes.concat([only]).forEach(function (box) { box.addEventListener("change", apply); });
  apply();
})();
"""


def _digest(text: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii")


# Nothing may be fetched, and only this page's own style and script run (by hash).
_POLICY = (
    f"default-src 'none'; style-src '{_digest(_STYLE)}'; script-src '{_digest(_SCRIPT)}'; "
    "img-src 'none'; base-uri 'none'; form-action 'none'"
)


def e(text: str) -> str:
    """Text from the linted code, safe in an HTML element or a quoted attribute."""
    return html.escape(clean(text), quote=True)


def report(rows: Sequence[RowLike], stream: TextIO) -> None:
    stream.write("".join(_page(rows)))


def _page(rows: Sequence[RowLike]) -> Iterator[str]:
    findings = [finding for row in rows for finding in row.diagnostics]
    counts = {severity: sum(1 for f in findings if f.severity == severity) for severity in _SEVERITIES}
    rules: dict[str, str] = {}
    for finding in sorted(findings, key=lambda f: f.code):
        rules.setdefault(finding.code, finding.name)
    yield (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{e(_POLICY)}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>Route map: fastapi-lint</title>\n<style>{_STYLE}</style>\n</head>\n<body>\n"
        "<h1>Route map</h1>\n"
    )
    sync = sum(1 for row in rows if not row.is_async)
    threadpool = sum(1 for row in rows if row.threadpool)
    yield (
        f'<p class="summary">{len(rows)} routes: {len(rows) - sync} async, {sync} sync; '
        f"{threadpool} take a threadpool thread per request. "
        + ", ".join(f"{counts[s]} {s}{'' if counts[s] == 1 else 's'}" for s in _SEVERITIES)
        + f" on their request paths. Made by fastapi-lint {e(__version__)}.</p>\n"
    )
    yield '<form class="filters" id="filters">\n<fieldset><legend>Severity</legend>'
    for severity in _SEVERITIES:
        yield (
            f'<label class="{severity}"><input type="checkbox" data-filter="severity" value="{severity}" checked> '
            f"{severity} ({counts[severity]})</label>"
        )
    yield "</fieldset>\n<fieldset><legend>Rule</legend>"
    for code, name in rules.items():
        number = sum(1 for f in findings if f.code == code)
        yield (
            f'<label title="{e(name)}"><input type="checkbox" data-filter="rule" value="{e(code)}" checked> '
            f"{e(code)} {e(name)} ({number})</label>"
        )
    if not rules:
        yield '<span class="none">no findings</span>'
    yield (
        '</fieldset>\n<label><input type="checkbox" id="only-findings"> only routes with findings shown</label>\n'
        "</form>\n"
    )
    groups: dict[str, dict[str, list[RowLike]]] = {}
    for row in rows:
        groups.setdefault(row.app or "", {}).setdefault(row.router or "", []).append(row)
    for app, routers in groups.items():
        yield f'<section class="app">\n<h2>app <code>{e(app) if app else "(no app found)"}</code></h2>\n'
        for router, members in routers.items():
            title = "routes on the app itself" if router == app else f"router <code>{e(router)}</code>" if router else "router unknown"
            yield f'<details class="router" open>\n<summary>{title} ({len(members)})</summary>\n'
            for row in members:
                yield from _route(row)
            yield "</details>\n"
        yield "</section>\n"
    if not rows:
        yield '<p class="none">No route found.</p>\n'
    yield f"<script>{_SCRIPT}</script>\n</body>\n</html>\n"


def _route(row: RowLike) -> Iterator[str]:
    kind = "async" if row.is_async else "sync"
    yield (
        f'<article class="route" data-errors="{sum(1 for f in row.diagnostics if f.severity == "error")}">\n<header>'
        f'<span class="methods mono">{e(",".join(row.methods))}</span> <code class="path">{e(row.path)}</code> '
        f'<span class="badge {kind}">{kind}</span> '
        + ('<span class="badge sync">threadpool</span> ' if row.threadpool else '<span class="badge async">loop only</span> ')
        + f'<span class="handler mono">{e(row.handler)}</span> '
        f'<span class="where">findings shown: <span class="shown">{len(row.diagnostics)}</span></span></header>\n'
    )
    if row.dependencies:
        yield '<div class="deps">Dependencies' + "".join(_tree(row.dependencies)) + "</div>\n"
    if row.diagnostics:
        yield '<ul class="findings">\n'
        for finding in row.diagnostics:
            yield _finding(finding)
        yield "</ul>\n"
    yield "</article>\n"


def _tree(nodes: tuple[DependencyLike, ...]) -> Iterator[str]:
    yield "<ul>"
    for node in nodes:
        kind = "async" if node.is_async else "sync"
        note = " (listed above)" if node.listed_above else ""
        yield f'<li><code>{e(node.name)}</code> <span class="badge {kind}">{kind}</span>{note}'
        if node.children:
            yield from _tree(node.children)
        yield "</li>"
    yield "</ul>"


def _finding(finding: FindingLike) -> str:
    severity = finding.severity if finding.severity in _SEVERITIES else "info"
    hops = "".join(
        f'<li><code>{e(step.text)}</code> <span class="where">{e(short_path(step.path))}:{step.line}:{step.column}'
        + (f" in <code>{e(step.function)}</code>" if step.function else "")
        + "</span></li>"
        for step in finding.chain
    )
    return (
        f'<li class="finding {severity}" data-severity="{severity}" data-rule="{e(finding.code)}">'
        f'<span class="badge {severity}">{severity}</span> <strong>{e(finding.code)}</strong> {e(finding.name)} '
        f'<span class="where">{e(finding.path)}:{finding.line}:{finding.column} in <code>{e(finding.function)}</code></span>'
        f'<div class="text">{e(finding.message)}</div>'
        + (f'<ol class="chain" title="the chain, hop by hop">{hops}</ol>' if hops else "")
        + "</li>\n"
    )
