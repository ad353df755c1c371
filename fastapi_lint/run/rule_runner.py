"""Running the selected rules over a linked project: all in this process, or some of them in a
forked child while this process runs the others (the edit loop of a large project).

``RuleRunner`` is what a check (``check.check_context``) asks for each rule's answer; how it
gets them, and the tuning that decides when a child is worth forking, live here alone.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Union

from fastapi_lint.analysis.facts import ModuleSummary
from fastapi_lint.config import Config, selected_codes, source_roots
from fastapi_lint.diagnostics import Diagnostic

if TYPE_CHECKING:
    from fastapi_lint.analysis.context import Context
    from fastapi_lint.rules import Rule
    from fastapi_lint.run.cache import Cache
    from fastapi_lint.run.processes import Forked

# What a rule gave: its findings, or the error it raised (a bug in one rule must not cost the others).
Answers = dict[str, Union[list[Diagnostic], str]]

# What a second process runs when the edit loop splits the rules: the helper chains of every
# async function (FAS102, and FAS108's when it is on: they share the witnesses), with their
# fixes, about half of the rules' time on a large project (the others share what they build:
# request paths, the witnesses of dependencies), and two rules that share nothing with the rest,
# which even out the two processes (that process never resolves every callee: no rule of its
# asks for calls by what they resolve to).
SPLIT_OFF = frozenset({"FAS102", "FAS108", "FAS203", "FAS501"})

# A project of this many files spends long enough in its rules to be worth a second process.
SPLIT_RULES_FILES = 300


def selected_rules(config: Config) -> list[tuple[str, type[Rule]]]:
    from fastapi_lint.rules import registry

    selected = selected_codes(config)
    return [(code, rule_class) for code, rule_class in registry().items() if code in selected]


def rule_answers(context: Context, rules: list[tuple[str, type[Rule]]], debug: bool = False) -> Answers:
    """Each rule's findings, with what a fix would do (title, safety: from the facts alone, libcst
    is only needed to apply it), or the error the rule raised."""
    from fastapi_lint.fixes import with_fixes

    answers: Answers = {}
    for code, rule_class in rules:
        try:
            found = list(rule_class().check(context))  # all of a rule's findings, or none
        except Exception as error:
            answers[code] = traceback.format_exc() if debug else f"{type(error).__name__}: {error}"
            continue
        answers[code] = with_fixes(found, context)
    return answers


@dataclass(frozen=True)
class RuleRunner:
    """How a check runs its rules: every one here (the default), or those of ``split_off`` in a
    child, whose answers ``wait`` gives (None when the child failed: they then run here).

    ``debug``: a rule's error is its whole traceback, not one line."""

    debug: bool = False
    split_off: frozenset[str] = frozenset()
    wait: Callable[[], Answers | None] | None = None

    def answers(self, context: Context, rules: list[tuple[str, type[Rule]]]) -> Answers:
        """The answer of each of ``rules``, wherever it ran."""
        found = rule_answers(context, [rule for rule in rules if rule[0] not in self.split_off], self.debug)
        if self.wait is not None:
            from_there = self.wait()
            found.update(from_there if from_there is not None
                         else rule_answers(context, [rule for rule in rules if rule[0] in self.split_off], self.debug))
        return found


@dataclass(frozen=True)
class SplitChild:
    """A forked child running the rules of ``codes`` (``split_rules``)."""

    codes: frozenset[str]
    child: Forked[Answers]

    def runner(self, debug: bool) -> RuleRunner:
        """The runner that takes these rules' answers from the child."""
        return RuleRunner(debug, self.codes, self.child.wait)


def split_rules(
    files: list[tuple[Path, str]],
    cache: Cache,
    keys: list[str | None],
    config: Config,
    debug: bool,
    jobs: int | None,
) -> SplitChild | None:
    """In the edit loop of a large project (a few small files edited, the rest in the cache), a
    forked child reads the same facts and runs ``SPLIT_OFF`` while this process tries to carry
    the last findings over and, failing that, runs the other rules: the reading and the linking
    are done twice, at once, and the rules in half the time. The child is forked before any fact
    is read, so neither copies the other's pages; it parses the edited files itself and writes
    nothing to the cache (it is cancelled when the findings are carried over)."""
    from fastapi_lint.run.environment import catalog_for
    from fastapi_lint.analysis.context import project_context
    from fastapi_lint.run import processes
    from fastapi_lint.run.carry_over import MAX_CHANGED
    from fastapi_lint.run.extract import summarize_all

    split_off = [rule for rule in selected_rules(config) if rule[0] in SPLIT_OFF]
    if len(files) < SPLIT_RULES_FILES or not split_off or not processes.can_fork(jobs):
        return None

    def split_off_answers() -> Answers:
        cache.read_only = True
        if sum(1 for _, display in files if not cache.has(display)) > MAX_CHANGED:
            raise LookupError("the cache lost entries: parsing them here would cost more than it saves")
        outcomes, _ = summarize_all(files, cache, 1, None, keys)
        summaries = [o for o in outcomes if isinstance(o, ModuleSummary)]
        catalog = catalog_for(config)
        return rule_answers(project_context(summaries, catalog, {display: path for path, display in files}, source_roots(config)),
                            split_off, debug)

    return SplitChild(frozenset(code for code, _ in split_off), processes.in_child(split_off_answers))
