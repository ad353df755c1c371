"""A rule's documentation is its module's docstring: ``explain`` renders it (text or Markdown, one
page per rule written on demand for a documentation site), and SARIF and the language server link
each rule to its module on the repository's site. Nothing generated is checked in, so adding a
rule touches no page or index.
"""

from __future__ import annotations

import inspect
import json
import sys
from pathlib import Path

import pytest

from fastapi_lint import REPOSITORY_URL, RULES_URL
from fastapi_lint.api import all_rules, rule_markdown, rule_pages, rule_url, sarif_rules
from fastapi_lint.cli.output import markdown_to_text
from fastapi_lint.reporters import sarif
from tests.helpers import _plain_environment, invoke  # noqa: F401 (_plain_environment: an autouse fixture)

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python < 3.11
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[2]
RULES = all_rules()


def _module_file(url: str) -> Path:
    prefix = f"{REPOSITORY_URL}/blob/main/"
    assert url.startswith(prefix), url
    return ROOT / url[len(prefix):]


def test_no_generated_pages_are_checked_in() -> None:
    assert not (ROOT / "docs" / "rules").exists()


@pytest.mark.parametrize("rule", RULES, ids=[r.code for r in RULES])
def test_a_rules_link_is_its_module_whose_docstring_is_its_page(rule: type) -> None:
    module = _module_file(rule_url(rule))
    assert module.is_file() and module.relative_to(ROOT).parts[:2] == ("fastapi_lint", "rules")
    assert inspect.getsourcefile(rule) == str(module)
    assert inspect.cleandoc(rule.__doc__ or "") in rule_pages()[f"{rule.code}.md"]


def test_a_changed_docstring_changes_its_page(monkeypatch: pytest.MonkeyPatch) -> None:
    rule = RULES[0]
    before = rule_pages()[f"{rule.code}.md"]
    monkeypatch.setattr(rule, "__doc__", (rule.__doc__ or "") + "\n\nOne more sentence.\n")
    after = rule_pages()[f"{rule.code}.md"]
    assert after != before and "One more sentence." in after


@pytest.mark.parametrize("rule", RULES, ids=[r.code for r in RULES])
def test_a_page_is_what_explain_shows(rule: type) -> None:
    page = rule_pages()[f"{rule.code}.md"]
    markdown = invoke("explain", rule.code, "--format", "markdown").stdout
    assert page.startswith(markdown) and markdown == rule_markdown(rule)
    assert page[len(markdown):].strip().startswith("<!-- Generated from the rule's docstring")
    assert markdown.startswith(f"# {rule.code} ({rule.name})\n\n")
    assert inspect.cleandoc(rule.__doc__ or "") in markdown
    assert invoke("explain", rule.code).stdout == markdown_to_text(markdown)  # the same text, plain


def test_the_index_links_every_page() -> None:
    index = rule_pages()["README.md"]
    for rule in RULES:
        assert f"| [{rule.code}]({rule.code}.md) | `{rule.name}` |" in index


def test_explain_all_prints_every_rule() -> None:
    text = invoke("explain", "--all").stdout
    markdown = invoke("explain", "--all", "--format", "markdown").stdout
    assert [line for line in markdown.splitlines() if line.startswith("# FAS")] == \
        [f"# {rule.code} ({rule.name})" for rule in RULES]
    assert text.count("\nSeverity: ") + text.startswith("Severity: ") == len(RULES)


def test_the_pages_are_written_into_a_folder(tmp_path: Path) -> None:
    folder = tmp_path / "docs" / "rules"
    first = invoke("explain", "--all", "--format", "markdown", "--output-dir", str(folder))
    assert first.exit_code == 0
    assert {path.name: path.read_text(encoding="utf-8") for path in folder.iterdir()} == rule_pages()
    assert first.stderr.endswith(f"{len(rule_pages())} written, 0 removed\n")
    # A page of a rule that is gone is removed; a file of someone else's is left alone.
    (folder / "FAS999.md").write_text(rule_pages()["FAS101.md"])
    (folder / "FAS998.md").write_text("# my notes\n")
    (folder / "FAS101.md").write_text("edited by hand\n")
    again = invoke("explain", "--all", "--format", "markdown", "--output-dir", str(folder))
    assert again.stderr.endswith(": 1 written, 1 removed\n")
    assert not (folder / "FAS999.md").exists() and (folder / "FAS998.md").read_text() == "# my notes\n"
    assert (folder / "FAS101.md").read_text(encoding="utf-8") == rule_pages()["FAS101.md"]


@pytest.mark.parametrize(("args", "message"), [
    ([], "give a rule (a code or a name) or --all"),
    (["FAS101", "--all"], "give a rule (a code or a name) or --all, not both"),
    (["--all", "--output-dir", "out"], "--output-dir writes every rule's page: give --all --format markdown"),
    (["FAS101", "--format", "markdown", "--output-dir", "out"], "give --all --format markdown"),
    (["--all", "--format", "markdown", "--output-dir", ""], "must not be empty"),
])
def test_explain_refuses_what_it_cannot_do(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str],
                                           message: str) -> None:
    monkeypatch.chdir(tmp_path)
    result = invoke("explain", *args)
    assert result.exit_code == 2 and message in result.stderr, result.stderr
    assert not (tmp_path / "out").exists()


def test_an_unwritable_folder_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("")
    result = invoke("explain", "--all", "--format", "markdown", "--output-dir", str(tmp_path / "file" / "rules"))
    assert result.exit_code == 2
    assert result.stderr.startswith("fastapi-lint: error: ") and "cannot write the rule pages" in result.stderr


# -- SARIF and the project's URLs ----------------------------------------------------------------


def test_sarif_rules_point_at_their_modules() -> None:
    log = sarif.build([], {}, rules=sarif_rules())
    driver = log["runs"][0]["tool"]["driver"]
    assert driver["informationUri"] == REPOSITORY_URL
    for descriptor in driver["rules"]:
        [rule] = [rule for rule in RULES if rule.code == descriptor["id"]]
        assert descriptor["helpUri"] == rule_url(rule) and _module_file(descriptor["helpUri"]).is_file()
    assert len(driver["rules"]) == len(RULES)


def test_the_urls_are_the_projects() -> None:
    urls = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["urls"]
    assert urls["Homepage"] == urls["Repository"] == REPOSITORY_URL
    assert urls["Documentation"] == RULES_URL == f"{REPOSITORY_URL}/tree/main/fastapi_lint/rules"
    schema = json.loads((ROOT / "fastapi_lint" / "schema.json").read_text(encoding="utf-8"))
    assert schema["$id"].startswith(f"{REPOSITORY_URL}/blob/main/")


def test_the_language_server_links_a_finding_to_its_rules_page() -> None:
    pytest.importorskip("lsprotocol")
    from fastapi_lint.diagnostics import Diagnostic, Severity, Span
    from fastapi_lint.server.convert import same_columns, to_lsp

    def finding(code: str) -> Diagnostic:
        return Diagnostic(code=code, name="x", severity=Severity.ERROR, message="m", path="app.py",
                          span=Span(1, 0, 1, 1))

    linked = to_lsp(finding("FAS101"), same_columns, {})
    assert linked.code_description is not None
    href = linked.code_description.href
    assert href.endswith("/fastapi_lint/rules/event_loop/blocking_call_in_async.py") and _module_file(href).is_file()
    assert to_lsp(finding("FAS000"), same_columns, {}).code_description is None  # no rule, no page
