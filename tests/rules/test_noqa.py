"""``# noqa`` comments: spellings, codes and names, only real comments, and function-level findings."""

from __future__ import annotations

import ast
from collections.abc import Iterator

import pytest

from fastapi_lint.analysis.context import Context
from fastapi_lint.analysis.extract.noqa import find_noqa
from fastapi_lint.api import lint_source
from fastapi_lint.config import Config
from fastapi_lint.diagnostics import Diagnostic, Severity
from fastapi_lint.rules import Rule, registry

FAS101 = Config(select=("FAS101",))

ROUTE = """\
import time
from fastapi import FastAPI

app = FastAPI()


@app.get("/slow")
async def slow():
    time.sleep(1){comment}
    return {{}}
"""


def flagged(source: str, config: Config = FAS101) -> list[tuple[str, int]]:
    return [(d.code, d.span.line) for d in lint_source(source, "m.py", config)]


@pytest.mark.parametrize(
    "comment",
    [
        "  # noqa",
        "  # NOQA",
        "  # NoQa",
        "  #noqa",
        "  # noqa:FAS101",
        "  # noqa: FAS101",
        "  # noqa : FAS101",
        "  # noqa:fas101",
        "  # noqa: FAS103, FAS101",
        "  # noqa: FAS103,FAS101",
        "  # noqa: FAS103 FAS101",
        "  # noqa: blocking-call-in-async",
        "  # noqa: Blocking-Call-In-Async",
        "  # noqa: FAS103, blocking-call-in-async",
        "  # noqa: FAS101 -- the client is mocked in this service",
        "  # type: ignore[attr-defined]  # noqa: FAS101",
        "  # noqa: FAS101  # and another comment",
        "  # noqa:",  # no codes after the colon: everything, as a bare noqa
    ],
)
def test_noqa_suppresses(comment: str) -> None:
    assert flagged(ROUTE.format(comment=comment)) == []


@pytest.mark.parametrize(
    "comment",
    [
        "",
        "  # noqa: FAS103",
        "  # noqa: FAS1",  # prefixes are not codes
        "  # noqa: FAS1010",
        "  # noqa: blocking-call",
        "  # noqa: sync-resource-in-async",
        "  # noqanything",
        "  # no qa",
        '; x = "# noqa"',  # inside a string
        "; x = '# noqa: FAS101'",
        '; x = f"{1}  # noqa"',
    ],
)
def test_noqa_does_not_suppress(comment: str) -> None:
    assert flagged(ROUTE.format(comment=comment)) == [("FAS101", 9)]


def test_noqa_inside_a_multiline_string_does_not_count() -> None:
    source = 'import time\n\n\nasync def f():\n    x = """\n    # noqa\n    """; time.sleep(1)\n    y = """# noqa\n"""; time.sleep(2)\n'
    assert flagged(source) == [("FAS101", 7), ("FAS101", 9)]


def test_noqa_applies_to_the_first_line_of_the_flagged_node_only() -> None:
    source = "import time\n\n\nasync def f():\n    time.sleep(  # noqa\n        1,\n    )\n    time.sleep(\n        2,  # noqa\n    )\n"
    assert flagged(source) == [("FAS101", 8)]


def test_noqa_on_one_line_only() -> None:
    source = "import time\n\n\nasync def f():  # noqa\n    time.sleep(1)\n    time.sleep(2)  # noqa\n    time.sleep(3)\n"
    assert flagged(source) == [("FAS101", 5), ("FAS101", 7)]


def test_noqa_on_decorator_or_def_line_does_not_silence_calls_in_the_body() -> None:
    source = ROUTE.format(comment="").replace('@app.get("/slow")', '@app.get("/slow")  # noqa')
    assert flagged(source) == [("FAS101", 9)]
    source = ROUTE.format(comment="").replace("async def slow():", "async def slow():  # noqa: FAS101")
    assert flagged(source) == [("FAS101", 9)]


def test_noqa_with_crlf_and_cr_line_endings() -> None:
    source = ROUTE.format(comment="  # noqa: FAS101")
    for ending in ("\r\n", "\r"):
        assert flagged(source.replace("\n", ending)) == []


def test_noqa_in_an_unparsable_tail_is_harmless() -> None:
    assert flagged("x = 1  # noqa\ndef broken(:\n", Config(select=("FAS900",))) == [("FAS900", 2)]


def test_find_noqa() -> None:
    source = (
        "a  # noqa\n"
        "b  # noqa: FAS101, FAS103\n"
        "c  # noqa:blocking-call-in-async,FAS105 because reasons\n"
        "d = '# noqa'\n"
        "e  # NOQA:E501\n"
    )
    assert find_noqa(source) == {1: (), 2: ("FAS101", "FAS103"), 3: ("blocking-call-in-async", "FAS105"), 5: ("E501",)}
    assert find_noqa("x = 1\n") == {}


def test_find_noqa_falls_back_to_lines_when_tokenizing_fails() -> None:
    assert find_noqa("x = (  # noqa\n") == {1: ()}


# -- function-level findings: ``noqa_lines`` ------------------------------------------------------


class _FunctionLevel(Rule):
    """A test rule: every async function, reported at its ``def`` like a function-level rule."""

    code = "FAS998"
    name = "test-function-level"
    severity = Severity.WARNING

    def check(self, context: Context) -> Iterator[Diagnostic]:
        for located in context.project.all_functions():
            if located.function.is_async:
                yield self.report(located, located.function.span, "function level", function_level=True)


@pytest.fixture
def function_rule(monkeypatch: pytest.MonkeyPatch) -> Config:
    monkeypatch.setitem(registry(), _FunctionLevel.code, _FunctionLevel)
    return Config(select=(_FunctionLevel.code, "FAS101"))


FUNCTION = """\
import time
from fastapi import FastAPI

app = FastAPI()


@app.get("/a"){a}
@app.get("/b"){b}
async def slow(){d}
    time.sleep(1){body}
"""


@pytest.mark.parametrize(
    ("a", "b", "d", "body", "expected"),
    [
        ("", "", ":", "", [("FAS101", 10), ("FAS998", 9)]),
        ("  # noqa", "", ":", "", [("FAS101", 10)]),
        ("", "  # noqa: FAS998", ":", "", [("FAS101", 10)]),
        ("", "", ":  # noqa: test-function-level", "", [("FAS101", 10)]),
        ("", "", ":  # noqa: FAS101", "", [("FAS101", 10), ("FAS998", 9)]),  # another code: nothing silenced
        ("", "", ":", "  # noqa", [("FAS998", 9)]),  # the body line silences the call only
        ("  # noqa: FAS101", "", ":", "", [("FAS101", 10), ("FAS998", 9)]),
    ],
)
def test_function_level_noqa(function_rule: Config, a: str, b: str, d: str, body: str, expected: list[tuple[str, int]]) -> None:
    source = FUNCTION.format(a=a, b=b, d=d, body=body)
    assert sorted(flagged(source, function_rule)) == sorted(expected)


def test_function_level_noqa_on_a_multiline_decorator(function_rule: Config) -> None:
    source = 'import time\nfrom fastapi import FastAPI\n\napp = FastAPI()\n\n\n@app.get(  # noqa\n    "/a",\n)\nasync def slow():\n    time.sleep(1)\n'
    assert flagged(source, function_rule) == [("FAS101", 11)]


def test_noqa_after_a_backslash_continued_string_does_not_count() -> None:
    source = 'import time\n\n\nasync def f():\n    x = "abc\\\n# noqa"; time.sleep(1)\n'
    assert flagged(source) == [("FAS101", 6)]


def test_other_tools_codes_are_kept_without_tokenizing() -> None:
    source = 'x = """\n"""\ny = 1  # noqa: E501\nz = "# noqa: E501"\n'
    assert find_noqa(source) == {3: ("E501",), 4: ("E501",)}  # harmless: E501 silences none of our rules


@pytest.mark.parametrize("with_tree", [True, False], ids=["string-positions", "tokenizer"])
def test_find_noqa_tells_comments_from_strings(with_tree: bool) -> None:
    source = (
        'a = "# noqa"  # noqa: FAS101\n'  # the second one is the comment
        'b = "é # noqa"\n'  # a non-ASCII prefix: columns in bytes and characters differ
        'c = "é"  # noqa\n'
        'd = """\n# noqa\n"""\n'
        "e = f'{a!r} # noqa'  # noqa: FAS105\n"
        "f = 1  # noqa\n"
    )
    tree = ast.parse(source) if with_tree else None
    assert find_noqa(source, tree=tree) == {1: ("FAS101",), 3: (), 7: ("FAS105",), 8: ()}


def test_noqa_between_parts_of_a_string_concatenated_across_lines() -> None:
    source = 'x = (\n    "a long part"  # noqa\n    " and the rest"\n)\ny = """\n# noqa\n"""\n'
    assert find_noqa(source, tree=ast.parse(source)) == find_noqa(source) == {2: ()}
