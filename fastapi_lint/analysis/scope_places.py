"""The answer the scope gives: the places a function may run (``Where``) and the functions
placed in each (``Scopes``); ``scope.py``'s documentation says what each place means.

Apart from the walks that fill them, because each part of the placing (the ``UNKNOWN``
placement, the module closure) reads what the walks before it found: they name the answer
here without importing the placing that puts them together.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from fastapi_lint.analysis.facts import FunctionFacts, ModuleSummary


class Where(enum.Enum):
    REQUEST = "request"
    APP_TASK = "app-task"
    STARTUP = "startup"
    ONCE = "once"
    PRIVATE_LOOP = "private-loop"
    TEST = "test"
    UNKNOWN = "unknown"
    OUTSIDE = "outside"
    LIBRARY = "library"


# What the served app's loop may run: shown by default (the others only with ``--scope all``).
ON_THE_APP_LOOP = frozenset({Where.REQUEST, Where.APP_TASK, Where.UNKNOWN, Where.LIBRARY})


@dataclass
class Scopes:
    """Where each function of a project runs (see ``scope.py``'s documentation)."""

    has_app: bool
    request: set[str] = field(default_factory=set)
    app_task: set[str] = field(default_factory=set)
    startup: set[str] = field(default_factory=set)
    # reached per request only through a lazy-initialisation guard: run once, on first use
    once: set[str] = field(default_factory=set)
    private_loop: set[str] = field(default_factory=set)
    # modules an app imports, directly or not (dotted names)
    closure: set[str] = field(default_factory=set)
    # what the app's code may run through calls the analysis cannot follow (see ``Where.UNKNOWN``)
    unknown: set[str] = field(default_factory=set)
    # where an app registers a route whose handler the analysis cannot name (``path:line``, the
    # first such registration; "" for none): then what it serves is unknown (``blind``)
    blind_at: str = ""
    # display paths of test files
    tests: set[str] = field(default_factory=set)
    # modules only a run-time import may load (``importlib.import_module(setting)``): a backend or a
    # plugin picked by configuration, which may never be loaded
    loaded_by_name: set[str] = field(default_factory=set)
    # functions on the request path that only admin routes reach (see ``scope.py``'s documentation)
    admin_only: set[str] = field(default_factory=set)
    # ... and what only they, login flows, probes and configuration writes reach
    now_and_then: set[str] = field(default_factory=set)
    # functions on the request path that only routes defined under a switch off as the service
    # ships reach (``if config("LOCAL_DEV", default=False):`` around a route: ``opt_in.py``)
    switched_off: set[str] = field(default_factory=set)
    untaken_off: set[str] = field(default_factory=set)
    # ... that only routes on a router no served app includes reach (``scope_closure.py``)
    unserved: set[str] = field(default_factory=set)
    # run on a loop of their own by a function outside the tests (``asyncio.run`` in a command's
    # ``main()``): ``PRIVATE_LOOP`` unless the app may run them too (``UNKNOWN``)
    elsewhere: set[str] = field(default_factory=set)

    # what each walk of the placing reached (``scope.py``: "request", "admin", "untaken", ...),
    # before the sets above were told apart from them (``told_apart``), with "undeployed_starts",
    # the startup handlers of the apps the deployment does not start; and the modules the modules
    # a deployment file starts import (``ModuleClosure._undeployed_apps``): what a later placing
    # extends when an edit only adds calls (``scope_growth.py``)
    walks: dict[str, set[str]] = field(default_factory=dict, repr=False, compare=False)
    # what ``UNKNOWN`` was found from (``UnknownPlacement._unknown``), for a grown placing to read;
    # kept by the placings held and grown from this one, where what the app's code names differs
    # from what a placing made afresh reads in no table (the calls written or taken away there are
    # a library's, or run the project's functions)
    unknown_reads: dict[str, set[str]] = field(default_factory=dict, repr=False, compare=False)
    deployed_loads: set[str] = field(default_factory=set, repr=False, compare=False)

    # what the walks followed out of each function (``scope_edges.Edge``), and what each module's
    # calls hand to a runner (``CallEdges._handed_roots``), kept for a later project that inherits
    # this one's answers (``scope_kept.py``)
    edges: Mapping[str, Sequence[object]] = field(default_factory=dict, repr=False, compare=False)
    handed: Mapping[tuple[str, bool], tuple[str, ...]] = field(default_factory=dict, repr=False, compare=False)

    @property
    def blind(self) -> bool:
        return bool(self.blind_at)

    def where(self, function: FunctionFacts, module: ModuleSummary) -> Where:
        if module.path in self.tests:
            return Where.TEST
        path = function.path
        if path in self.request:
            return Where.REQUEST
        if path in self.app_task:
            return Where.APP_TASK
        if path in self.startup:
            return Where.STARTUP
        if path in self.once:
            return Where.ONCE
        if path in self.private_loop:
            return Where.PRIVATE_LOOP
        if not self.has_app:
            return Where.LIBRARY
        if path in self.unknown and module.module in self.closure:
            return Where.UNKNOWN
        if path in self.elsewhere:
            return Where.PRIVATE_LOOP
        # Routes whose handlers the analysis cannot name may serve anything no walk placed; what a
        # loop of its own runs was placed, by the walk from the sync code that makes that loop.
        return Where.UNKNOWN if self.blind else Where.OUTSIDE


def told_apart(result: Scopes) -> None:
    """Set ``result``'s places from what its walks reached (``Scopes.walks``): the places reached
    per request but not by every kind of request are what the request walk reached and the
    narrower walk did not; what runs once, or elsewhere, is what no earlier place holds."""
    walks = result.walks
    request = result.request = walks["request"]
    result.admin_only = request - walks["admin"]
    result.now_and_then = request - walks["now_and_then"] if "now_and_then" in walks else result.admin_only
    result.switched_off = request - walks["switched"] if "switched" in walks else set()
    result.untaken_off = request - walks["untaken"]
    result.startup = walks["startup"]
    result.app_task = walks["app_task"]
    result.once = walks["once"] - request
    result.private_loop = walks["private_loop"]
    result.elsewhere = walks["elsewhere"] - request - result.app_task - result.startup - result.once - result.private_loop
    result.unserved = (request - walks["unserved"] if "unserved" in walks else set()) | walks.get("undeployed_starts", set())
