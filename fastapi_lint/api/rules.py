"""The rules as the faces show them: listed, found by code or name, and documented (``explain``,
Markdown pages for a documentation site, and a link to the rule's module, whose docstring is its
documentation)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fastapi_lint.reporters.sarif import SarifRule
    from fastapi_lint.rules import Rule


def all_rules() -> list[type[Rule]]:
    """Every rule, in code order (``fastapi-lint rules``)."""
    from fastapi_lint.rules import registry

    return list(registry().values())


def find_rule(text: str) -> type[Rule] | None:
    """The rule ``text`` names, by code (``FAS101``) or name (``blocking-call-in-async``), in any case."""
    from fastapi_lint.rules import by_name, registry

    names = {name.lower(): found for name, found in by_name().items()}
    return registry().get(text.strip().upper()) or names.get(text.strip().lower())


def sarif_rules() -> list[SarifRule]:
    """Every rule as the SARIF log describes it, in code order (``--format sarif``)."""
    import inspect

    from fastapi_lint.reporters.sarif import SarifRule

    return [
        SarifRule(rule.code, rule.name, rule.severity, bool(rule.default_enabled), bool(rule.fixable),
                  inspect.cleandoc(rule.__doc__ or ""), rule_url(rule))
        for rule in all_rules()
    ]


def rule_url(rule: type[Rule]) -> str:
    """Where a reader finds the rule's documentation: its module on the repository's site, whose
    docstring it is (SARIF's ``helpUri``, the language server's link). Nothing to keep in step."""
    from fastapi_lint import REPOSITORY_URL

    return f"{REPOSITORY_URL}/blob/main/{rule.__module__.replace('.', '/')}.py"


def rule_markdown(rule: type[Rule]) -> str:
    """A rule's documentation as Markdown: its code and name, severity, default and fix, then its
    docstring (what ``fastapi-lint explain`` renders, and the body of its page)."""
    import inspect

    doc = inspect.cleandoc(rule.__doc__ or "")
    default = "on" if rule.default_enabled else "off"
    facts = f"Severity: {rule.severity.label}. Default: {default}. Fix: {'available' if rule.fixable else 'none'}."
    return f"# {rule.code} ({rule.name})\n\n{facts}\n\n{doc}\n"


# The last line of every generated page: what made it, and that it is not edited by hand.
RULE_PAGES_COMMAND = "fastapi-lint explain --all --format markdown --output-dir DIR"
_GENERATED = f"<!-- Generated from the rule's docstring by `{RULE_PAGES_COMMAND}`: edit the docstring, not this page. -->"


def rule_pages() -> dict[str, str]:
    """The Markdown pages of the rules' documentation, by file name: ``FAS101.md`` per rule
    (``rule_markdown``), and ``README.md``, the index, a row per rule linking to its page."""
    pages = {f"{rule.code}.md": f"{rule_markdown(rule)}\n{_GENERATED}\n" for rule in all_rules()}
    rows = [
        f"| [{rule.code}]({rule.code}.md) | `{rule.name}` | {rule.severity.label} | "
        f"{'on' if rule.default_enabled else 'off'} | {'yes' if rule.fixable else ''} | {rule.summary()} |"
        for rule in all_rules()
    ]
    pages["README.md"] = "\n".join([
        "# Rules",
        "",
        "Every rule of fastapi-lint, with its page: what it finds, why it matters, its known problems, an "
        "example and what to write instead. `fastapi-lint explain CODE` shows the same text in a terminal.",
        "",
        "| code | name | severity | default | fix | what it flags |",
        "|---|---|---|---|---|---|",
        *rows,
        "",
        _GENERATED,
        "",
    ])
    return pages


def is_generated_rule_page(text: str) -> bool:
    """Whether ``text`` is a page ``rule_pages`` made (a folder's stale pages may be replaced)."""
    return text.rstrip("\n").endswith(_GENERATED)


def similar_rule_names(text: str) -> list[str]:
    """Up to three rule names and codes (lower case) close to ``text``, for a "did you mean"."""
    import difflib

    from fastapi_lint.rules import by_name, registry

    names = [name.lower() for name in by_name()]
    return difflib.get_close_matches(text.lower(), [*names, *(c.lower() for c in registry())], n=3)
