"""What a call's arguments decide in the function it calls: the lines that call cannot run.

Two kinds, both read from the call alone:

* a branch on a flag (``extract/branches.py``) whose value the call fixes: a constant passed,
  or the parameter left at a constant default (``enqueue(batch)`` with ``background=True``
  never runs the ``else`` of ``if background:``);
* a default the callee makes (``if lemmas is None: lemmas = lemmatize(q)``, ``lemmas or
  lemmatize(q)``: ``lazy_init.py``'s guards on a parameter) for a parameter the call passes.

A call with ``*args`` or ``**kwargs`` fixes nothing it may carry.
"""

from __future__ import annotations

from fastapi_lint.analysis.facts import Branch, CallSite, FunctionFacts, Value
from fastapi_lint.analysis.guards import passed_defaults_ranges

LineRange = tuple[int, int]


def dead_lines(function: FunctionFacts, site: CallSite) -> frozenset[LineRange]:
    """The line ranges of ``function`` that the call at ``site`` does not run."""
    if not function.branches and not function.guards:
        return frozenset()
    dead = set(passed_defaults_ranges(function, site))
    for branch in function.branches:
        value = argument(function, site, branch.name)
        if value is not None and _outcome(branch, value) is False:
            dead.add((branch.first, branch.last))
    return frozenset(dead)


def in_ranges(line: int, ranges: frozenset[LineRange]) -> bool:
    return any(first <= line <= last for first, last in ranges)


def argument(function: FunctionFacts, site: CallSite, parameter: str) -> Value | None:
    """The constant ``site`` gives ``parameter``: passed, or left at its default; None when the
    call passes something else, or may (``*args``, ``**kwargs``)."""
    for name, value in site.kwargs:
        if name == parameter:
            return value if _constant(value) else None
    names = [param.name for param in function.params]
    if function.class_path is not None and names and names[0] in ("self", "cls"):
        names = names[1:]  # bound by the call on the instance or class
    if parameter not in names:
        return None
    index = names.index(parameter)
    if index < len(site.args):
        value = site.args[index]
        return value if _constant(value) else None
    if site.has_star_args or site.has_star_kwargs:
        return None
    param = next(param for param in function.params if param.name == parameter)
    if param.default is None:
        return None
    return param.default if _constant(param.default) else None


def _constant(value: Value) -> bool:
    return value.kind in ("const", "num", "str")


def _outcome(branch: Branch, value: Value) -> bool | None:
    """Whether the branch runs for ``value``."""
    if branch.op == "none":
        return (value.kind == "const" and value.text == "None") == branch.when
    return _truthy(value) == branch.when


def _truthy(value: Value) -> bool:
    if value.kind == "const":
        return value.text == "True"
    if value.kind == "num":
        try:
            return float(value.text) != 0
        except ValueError:
            return True
    return value.text != ""
