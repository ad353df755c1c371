"""Name resolution answers the same whatever order it is asked in (analysis/cycle_cuts.py)."""
from __future__ import annotations

import itertools
import textwrap
from pathlib import Path

from fastapi_lint.analysis.extract import summarize_file
from fastapi_lint.analysis.facts import ModuleSummary, Ref, RefKind
from fastapi_lint.analysis.project import Project

# Factories that return each other (one of them a client); a class whose base is named through
# a factory of its own module; names bound to each other.
_CYCLES = """
import httpx

def make():
    if flag:
        return httpx.Client()
    return again()

def again():
    return make()

def third():
    return again()

def base_factory():
    return Child()

class Child(base_factory().__class__):
    def run(self):
        return make()

a = b
b = a
c = make()
"""

_QUESTIONS: list[tuple[str, str]] = [
    ("returns", "m.make"), ("returns", "m.again"), ("returns", "m.third"), ("returns", "m.base_factory"),
    ("mro", "m.Child"), ("resolve", "m.a"), ("resolve", "m.b"), ("resolve", "m.c"), ("resolve", "m.Child.run()"),
]


def _project(tmp_path: Path) -> Project:
    (tmp_path / "m.py").write_text(textwrap.dedent(_CYCLES), encoding="utf-8")
    summary = summarize_file(tmp_path / "m.py", display="m.py")
    assert isinstance(summary, ModuleSummary), summary
    return Project([summary])


def _ask(project: Project, question: tuple[str, str]) -> object:
    kind, path = question
    if kind == "returns":
        return project._returns(path)
    if kind == "mro":
        return project.mro(path)
    return project.resolve(Ref(path, RefKind.INSTANCE if path.endswith("()") else RefKind.SYMBOL))


def test_every_order_of_questions_gets_the_answers_each_gets_asked_first(tmp_path: Path) -> None:
    alone = {question: _ask(_project(tmp_path), question) for question in _QUESTIONS}
    assert alone[("returns", "m.again")] == Ref("httpx.Client", RefKind.INSTANCE)  # through make, asked first or not
    assert alone[("returns", "m.third")] == Ref("httpx.Client", RefKind.INSTANCE)
    for order in itertools.islice(itertools.permutations(_QUESTIONS), 0, None, 4999):
        project = _project(tmp_path)
        assert {question: _ask(project, question) for question in order} == alone, order
