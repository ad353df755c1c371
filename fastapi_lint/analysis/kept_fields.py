"""A field its constructor copies from a parameter, as a request finds it: the constant every
construction a request makes gives that parameter (``untaken.py``'s branches on a value passed
on, ``opt_in.py``'s switches on a field)."""

from __future__ import annotations

from fastapi_lint.analysis.call_arguments import argument
from fastapi_lint.analysis.facts import Value
from fastapi_lint.analysis.guards import Reach, callers, copied_field, module_in_tests, run_by_requests
from fastapi_lint.analysis.project import Located, Project, per_project


def kept_constant(graph: Reach, located: Located, place: str) -> Value | None:
    """The constant every construction a request makes gives the constructor's parameter that
    ``place`` (``self.generate_mode``, in a method of ``located``'s class) is a copy of."""
    copied = copied_field(graph.project, located, place)
    requests = run_by_requests(graph)
    if copied is None or requests is None or place.partition(".")[2] in _set_from_outside(graph.project):
        return None
    constructor, parameter = copied
    made = [site for site, caller in callers(graph).get(constructor.function.path, []) if caller in requests]
    return the_one({argument(constructor.function, site, parameter) for site in made})


@per_project
def _set_from_outside(project: Project) -> frozenset[str]:
    """The field names code outside tests sets on an object other than its own
    (``agent.memory_manager.db = agent.db``): such a field is no longer what its constructor
    was given."""
    return frozenset(place.rpartition(".")[2] for located in project.all_functions() if not module_in_tests(located.module)
                     for place in located.function.fills if "." in place and not _own_field(place))


def _own_field(place: str) -> bool:
    owner, _, field = place.partition(".")
    return owner == "self" and "." not in field


def the_one(given: set[Value | None]) -> Value | None:
    """The constant every call gives, when there are calls and they all give the same one."""
    return next(iter(given)) if len(given) == 1 and None not in given else None
