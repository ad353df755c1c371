"""The rules' Markdown pages (``docs/rules/``) are the rules' docstrings, as ``explain`` renders
them, and SARIF points each rule at its page.

The pages are checked in, so that they read on the repository's site; the first test fails when
one is stale, missing or left over, and says the command that makes them again.
"""

from __future__ import annotations

import inspect
import json
import sys
from pathlib import Path

import pytest

from fastapi_lint import REPOSITORY_URL, RULE_DOCS_URL
from fastapi_lint.api import RULE_PAGES_COMMAND, all_rules, rule_markdown, rule_pages, sarif_rules
from fastapi_lint.cli.output import markdown_to_text
from fastapi_lint.reporters import sarif
from tests.helpers import _plain_environment, invoke  # noqa: F401 (_plain_environment: an autouse fixture)

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python < 3.11
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[2]
PAGES = ROOT / "docs" / "rules"
RULES = all_rules()


def test_the_checked_in_pages_are_current() -> None:
    expected = rule_pages()
    found = {path.name for path in PAGES.iterdir()} if PAGES.is_dir() else set()
    stale = sorted(name for name, text in expected.items()
                   if name not in found or (PAGES / name).read_text(encoding="utf-8") != text)
    extra = sorted(found - set(expected))
    assert not stale and not extra, (f"docs/rules is out of date (stale or missing: {stale}; left over: {extra}): "
                                     f"run `{RULE_PAGES_COMMAND}`")


def test_a_changed_docstring_makes_its_page_stale(monkeypatch: pytest.MonkeyPatch) -> None:
    rule = RULES[0]
    before = rule_pages()[f"{rule.code}.md"]
    monkeypatch.setattr(rule, "__doc__", (rule.__doc__ or "") + "\n\nOne more sentence.\n")
    after = rule_pages()[f"{rule.code}.md"]
    assert after != before and "One more sentence." in after
    assert after != (PAGES / f"{rule.code}.md").read_text(encoding="utf-8")  # what the test above would catch


@pytest.mark.parametrize("rule", RULES, ids=[r.code for r in RULES])
def test_a_page_is_what_explain_shows(rule: type) -> None:
    page = (PAGES / f"{rule.code}.md").read_text(encoding="utf-8")
    markdown = invoke("explain", rule.code, "--format", "markdown").stdout
    assert page.startswith(markdown) and markdown == rule_markdown(rule)
    assert page[len(markdown):].strip().startswith("<!-- Generated from the rule's docstring")
    assert markdown.startswith(f"# {rule.code} ({rule.name})\n\n")
    assert inspect.cleandoc(rule.__doc__ or "") in markdown
    assert invoke("explain", rule.code).stdout == markdown_to_text(markdown)  # the same text, plain


def test_the_index_links_every_page() -> None:
    index = (PAGES / "README.md").read_text(encoding="utf-8")
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


def test_sarif_rules_point_at_their_pages() -> None:
    log = sarif.build([], {}, rules=sarif_rules())
    driver = log["runs"][0]["tool"]["driver"]
    assert driver["informationUri"] == REPOSITORY_URL
    for descriptor in driver["rules"]:
        assert descriptor["helpUri"] == f"{RULE_DOCS_URL}/{descriptor['id']}.md"
        assert (PAGES / f"{descriptor['id']}.md").is_file()  # the page the link names is in the repository
    assert len(driver["rules"]) == len(RULES)


def test_the_urls_are_the_projects() -> None:
    urls = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["urls"]
    assert urls["Homepage"] == urls["Repository"] == REPOSITORY_URL
    assert urls["Documentation"] == f"{REPOSITORY_URL}/tree/main/docs/rules"
    assert RULE_DOCS_URL == f"{REPOSITORY_URL}/blob/main/docs/rules"
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
    assert linked.code_description.href == f"{RULE_DOCS_URL}/FAS101.md" and (PAGES / "FAS101.md").is_file()
    assert to_lsp(finding("FAS000"), same_columns, {}).code_description is None  # no rule, no page
