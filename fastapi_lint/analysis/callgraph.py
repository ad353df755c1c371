"""The project's call graph, and which sync functions block, with the chain that proves it.

Edges come from resolved call sites: plain functions, module-qualified calls,
methods through ``self`` or an instance of a known class, class instantiation
(its ``__init__``) and callable instances (``__call__``). Calls that cannot be
resolved are counted, not guessed at: an unknown callee is taken not to block.

"Blocks" starts at catalog calls (I/O and CPU-heavy) and climbs through *sync* functions only: an
async callee runs on the loop in its own right (FAS101 reports it there), and a
callable handed to ``to_thread``/``run_in_threadpool`` is not a call at all. A function's
witness is the chain to the costliest call it reaches (``Tier``: a wait on a peer over file
contents over metadata), the shortest such chain: a helper that creates a temporary file and
then runs a process is reported by the process. A call through an interface blocks when one of
its implementations does, unless another is known not to (``dispatch.py``).
"""

from __future__ import annotations

from collections.abc import Collection

from fastapi_lint.analysis.catalog import Catalog
from fastapi_lint.analysis.catalog.blocking import Entry, Tier
from fastapi_lint.analysis.catalog.at_once import cannot_wait
from fastapi_lint.analysis.catalog.offload import is_offload
from fastapi_lint.analysis.facts import CONSTRUCTORS, CallSite, Ref, RefKind, Value
from fastapi_lint.analysis.call_records import NO_CALLS, Callee, Calls, drops_coroutine, is_harmless, property_reads, runs_body
from fastapi_lint.analysis.call_arguments import dead_lines, forwarded, in_ranges
from fastapi_lint.analysis.deferred_calls import followed_entry, settle, waited_on
from fastapi_lint.analysis.dispatch import Implementations, test_functions
from fastapi_lint.analysis.inheritance import Changes, kept_callees, kept_calls
from fastapi_lint.analysis.guards import module_in_tests, once_is_too_many, runs_once
from fastapi_lint.analysis.opt_in import is_opt_in
from fastapi_lint.analysis.process_starters import starts_process_with_parameter
from fastapi_lint.analysis.memoized import expires, is_cached
from fastapi_lint.analysis.names import SUPER
from fastapi_lint.analysis.offload_params import runs_off_loop
from fastapi_lint.analysis.project import Located, Project
from fastapi_lint.analysis.witness import Step, Witness, context_of, fits, fully_known

# How many calls down a constant passed on as it came is followed (``super().__init__(config, cache)``).
_FORWARDS = 3


class CallGraph:
    """Built on demand, one function at a time: a run asks about the functions on request
    paths and their callees (about half of a large project's), so the rest cost nothing."""

    def __init__(self, project: Project, catalog: Catalog, request_roots: frozenset[str] = frozenset(),
                 startup_roots: frozenset[str] = frozenset()) -> None:
        self.project = project
        self.catalog = catalog
        # the functions FastAPI runs per request (routes, dependencies, middleware, ...)
        self.request_roots = request_roots
        # and before it serves any (lifespans, startup handlers)
        self.startup_roots = startup_roots
        # function path -> what its calls reach, made the first time the function is asked about
        self._calls: dict[str, Calls] = {}
        self._targets: dict[tuple[str, RefKind], list[str]] = {}
        # written callee (kind, then path) -> what it is: a project writes most callees many times
        self._callees: dict[RefKind, dict[str, Callee]] = {kind: {} for kind in RefKind}
        self._witness: dict[str, Witness | None] = {}
        self._blocking: dict[str, list[tuple[CallSite, str, Witness]]] = {}  # ``blocking_edges``', by function
        self._memo: dict[str, bool] = {}  # function path -> memoized (``per_call``)
        # (function path, lines a call rules out, class of ``self``, the call) -> its witness without them (``witness_at``)
        self._without_dead: dict[tuple[str, frozenset[tuple[int, int]], str | None, CallSite], Witness | None] = {}
        # (a base class's method, the class of ``self``) -> its witness there (``_in_context``)
        self._contexts: dict[tuple[str, str], Witness | None] = {}
        self._forwards: dict[tuple[str, CallSite, str | None], Witness | None] = {}  # ``_forwarded``'s
        # The functions whose chains are being refined for a caller's constants: a cycle of calls
        # that pass them on (``a`` calls ``b`` calls ``a``) is refined once, not forever.
        self._refining: set[str] = set()
        self._dispatched: dict[CallSite, list[str]] = {}  # a call through an interface -> its implementations
        self._picks_block: dict[CallSite, bool] = {}  # ``_picked_blocks``'s
        self._implementations: Implementations | None = None

    def inherit(self, previous: CallGraph, changes: Changes, stale: Collection[str], bodies: frozenset[str]) -> None:
        """Take the answers of ``previous``, the graph of the project this one's inherits from
        (``Project.inherit``), where they hold after ``changes`` (``inheritance.py``)."""
        self._targets.update(previous._targets)
        self._callees = kept_callees(previous._callees, bodies)
        self._calls.update(kept_calls(previous._calls, self.project, changes, stale))

    def edges(self, path: str) -> list[tuple[CallSite, str]]:
        """The sync calls of ``path`` that reach project functions: (site, callee path)."""
        return self._of(path).edges

    def direct(self, path: str) -> list[tuple[CallSite, str, Entry]]:
        """The catalog calls ``path`` makes itself: (site, catalog path, entry)."""
        return self._settled(path).direct

    def runs(self, path: str) -> list[tuple[CallSite, str]]:
        """Every project function ``path`` may run per call, however it runs it: awaited,
        offloaded to a thread, handed to ``add_task``. What "reachable" means for the request path."""
        return self._of(path).runs

    def unknown_calls(self, path: str) -> int:
        """How many calls of ``path`` have an unknown effect (no project target, not in the catalog)."""
        return self._settled(path).unknown

    @property
    def unresolved(self) -> int:
        """Calls of the whole project that resolve to nothing (for ``--statistics``)."""
        return sum(self._build(located).unresolved for located in self.project.all_functions())

    def _of(self, path: str) -> Calls:
        found = self._calls.get(path)
        if found is None:
            located = self.project.function(path)
            # Only a function's own path names it here (not a path through a package alias).
            found = self._build(located) if located is not None and located.function.path == path else NO_CALLS
            self._calls[path] = found
        return found

    def _settled(self, path: str) -> Calls:
        """``_of(path)``, its calls into installed packages followed (``deferred_calls.py``)."""
        found = self._of(path)
        if found.deferred and (located := self.project.function(path)) is not None:
            settle(found, located, self.project, self.catalog)
        return found

    def _build(self, located: Located) -> Calls:
        found = Calls([], [], [], 0, 0)
        edges, direct, runs = found.edges, found.direct, found.runs
        callees = self._callees
        tests = frozenset() if module_in_tests(located.module) else test_functions(self.project)
        for site in located.function.calls:
            func = site.func
            if func is None:
                if not (site.awaited or site.offloaded):
                    found.unresolved += 1
                    found.unknown += 1
                continue
            callee = callees[func.kind].get(func.path) or self._callee(func)
            if callee.others or site.alternatives:
                self._add_choices(found, site, callee, tests)
                continue
            targets = callee.targets
            if not tests.isdisjoint(targets) or site.discarded:  # a copy only where a test's override or a dropped coroutine may be
                targets = [target for target in targets if target not in tests and not drops_coroutine(self.project, site, target)]
            if targets:
                runs.extend([(site, target) for target in targets])
                if len(targets) > 1:
                    self._dispatched[site] = targets
            if callee.offload:
                for value in site.args[:2]:
                    handed = self._handed(value)
                    if handed is not None:
                        runs.append((site, handed))
            if site.awaited or site.uncontended or runs_off_loop(self.project, site):
                continue
            if callee.follows:
                found.deferred.append((len(direct), site, callee))
                continue
            entry = waited_on(self.project, self.catalog, located, site, callee.ref.path, callee.entry)
            if entry is not None:
                direct.append((site, callee.ref.path, entry))
            elif targets:
                edges.extend([(site, target) for target in targets if runs_body(self.project, site, target)])
            elif not callee.harmless:
                found.unknown += 1
                if callee.ref.path == "?":
                    found.unresolved += 1
        reads = property_reads(self.project, located)
        edges.extend(reads)
        runs.extend(reads)
        return found

    def _callee(self, func: Ref) -> Callee:
        first, *others = self.project.resolve_all(func)
        callee = self._callee_of(func, first)
        if others:
            callee = callee._replace(others=tuple(self._callee_of(func, ref) for ref in others))
        self._callees[func.kind][func.path] = callee
        return callee

    def _callee_of(self, func: Ref, ref: Ref) -> Callee:
        targets = self.targets(ref)
        if f".{SUPER}." in func.path:  # ``super().m()`` runs the base's ``m`` itself, never an override
            targets = [own] if (own := self.target(ref)) is not None else []
        entry = (self.catalog.match_called(ref.path, self.project.mro(ref.path), follow=False)
                 if ref.kind is RefKind.INSTANCE and not targets else self.catalog.match(ref.path, follow=bool(targets)))
        return Callee(
            ref,
            targets,
            # (the project's own ``add_task`` that starts a process: what it is handed runs there)
            is_offload(ref.path, func.path.rpartition(".")[2]) and not starts_process_with_parameter(self.project, ref.path),
            entry,
            is_harmless(ref.path),
            follows=self.catalog.installed is not None and entry is None and not targets and ref.path != "?",
        )

    def _add_choices(self, found: Calls, site: CallSite, callee: Callee, tests: frozenset[str]) -> None:
        """A call of a name bound several ways runs one of them: it reaches what each reaches,
        and blocks when one of them does (each edge names the one it goes through); never a
        function of ``tests`` (from outside them)."""
        options = [callee, *callee.others]
        for other in site.alternatives:
            more = self._callees[other.kind].get(other.path) or self._callee(other)
            options.extend([more, *more.others])
        known = True
        seen: set[Ref] = set()
        for option in options:
            if option.ref in seen:
                continue
            seen.add(option.ref)
            if not tests.isdisjoint(option.targets) or site.discarded:
                option = option._replace(targets=[t for t in option.targets if t not in tests and not drops_coroutine(self.project, site, t)])
            found.runs.extend([(site, target) for target in option.targets])
            if option.offload:
                for value in site.args[:2]:
                    handed = self._handed(value)
                    if handed is not None:
                        found.runs.append((site, handed))
            if site.awaited or runs_off_loop(self.project, site):
                continue
            entry = followed_entry(option, self.project, self.catalog)
            if entry is not None and not cannot_wait(site, option.ref.path):
                found.direct.append((site, option.ref.path, entry))
            elif option.targets:
                found.edges.extend([(site, target) for target in option.targets if runs_body(self.project, site, target)])
            elif not option.harmless:
                known = False
        if not known:
            found.unknown += 1
            if callee.ref.path == "?":
                found.unresolved += 1

    def targets(self, ref: Ref) -> list[str]:
        """The project functions a call may run: its target, or for an interface method, the overrides."""
        key = (ref.path, ref.kind)
        if (found := self._targets.get(key)) is None:
            found = self._targets[key] = self._find_targets(ref)
        return found

    def _find_targets(self, ref: Ref) -> list[str]:
        target = self.target(ref)
        if target is None:  # a method only subclasses define (``self.agent: BaseAgent``): theirs
            owner, _, name = ref.path.rpartition(".")
            return self.project.overrides(owner, name) if ref.kind is RefKind.MEMBER and owner in self.project.classes else []
        located = self.project.function(target)
        if located is None or not located.function.abstract or located.function.class_path is None:
            return [target]
        return self.project.overrides(located.function.class_path, located.function.name) or [target]

    def _handed(self, value: Value) -> str | None:
        """The project function a callable argument names: ``f`` or ``functools.partial(f, ...)``."""
        if value.kind == "call" and value.call is not None and value.call.args:
            if self.project.resolve(value.call.func).path == "functools.partial":
                value = value.call.args[0]
        if value.kind != "ref" or value.ref is None:
            return None
        ref = self.project.resolve(value.ref)
        return ref.path if ref.path in self.project.functions else self.target(ref)

    def target(self, ref: Ref) -> str | None:
        """The project function a call runs, if any."""
        project = self.project
        if ref.kind is RefKind.INSTANCE:
            return self._method(ref.path, "__call__") if ref.path in project.classes else None
        if ref.path in project.functions:
            return ref.path
        if ref.path in project.classes and ref.kind is RefKind.SYMBOL:
            return self._constructor(ref.path)
        return None

    def _constructor(self, class_path: str) -> str | None:
        """Its ``__init__``, or what a generated one calls (``__post_init__``, ``model_post_init``)."""
        return next((found for name in CONSTRUCTORS if (found := self._method(class_path, name))), None)

    def _method(self, class_path: str, name: str) -> str | None:
        for klass in self.project.mro(class_path):
            if f"{klass}.{name}" in self.project.functions:
                return f"{klass}.{name}"
        return None

    def fully_known(self, path: str) -> bool:
        """``witness.fully_known``: what FAS107 needs before advising ``async``."""
        return fully_known(self, path)

    def witness(self, path: str) -> Witness | None:
        """Why the sync function at ``path`` blocks: the shortest chain to the costliest call it
        reaches, or None. The same whatever was asked before (findings are a function of the facts)."""
        if path not in self._witness:
            self._solve(path)
        return self._witness.get(path)

    def _solve(self, start: str) -> None:
        """Depth-first over sync callees, each function settled after its callees.

        A function in a cycle is settled before some of its callees are (the one that closes the
        cycle): only then do the functions just visited need another look (``_settle_cycles``).
        """
        stack: list[tuple[str, int]] = [(start, 0)]
        visited: set[str] = {start}
        order: list[str] = []
        cycle = False
        while stack:
            path, index = stack[-1]
            callees = [c for c in self.edges(path) if self._is_sync(c[1])]
            if index < len(callees):
                stack[-1] = (path, index + 1)
                callee = callees[index][1]
                if callee not in self._witness:
                    if callee not in visited:
                        visited.add(callee)
                        stack.append((callee, 0))
                    else:
                        cycle = True  # on the stack: the cycle's witnesses are not final yet
                continue
            stack.pop()
            order.append(path)
            self._witness[path] = self._local_witness(path)
        if cycle:
            self._settle_cycles(order)

    def _settle_cycles(self, order: list[str]) -> None:
        """Bring every function just visited to its best witness, whatever the order of the visit.

        Improving until nothing improves reaches, for each function, the costliest tier and the
        shortest chain to it (as Bellman-Ford reaches shortest paths); a last pass, shortest
        chains first, picks among equally good chains the first call in the source, as a
        function outside any cycle does.
        """
        changed = True
        while changed:
            changed = False
            for path in order:
                found = self._local_witness(path)
                if found is not None and found.outranks(self._witness.get(path)):
                    self._witness[path] = found
                    changed = True
        blocking = [path for path in order if self._witness.get(path) is not None]
        for path in sorted(blocking, key=lambda p: len(self._witness[p].steps)):  # type: ignore[union-attr]
            self._witness[path] = self._local_witness(path)

    def blocking_edges(self, located: Located) -> list[tuple[CallSite, str, Witness]]:
        """Each call ``located`` makes into project code that blocks on every call, once per call:
        through the callee whose chain costs most, where the call may run several functions (an
        interface's implementations, a name bound two ways); in the order of the calls."""
        path = located.function.path  # two files of one module name (two services' ``app/main.py``): each its own calls
        own = self.project.function(path) is located
        if own and (known := self._blocking.get(path)) is not None:
            return known
        best: dict[CallSite, tuple[str, Witness]] = {}
        receiver = located.function.class_path
        calls = self._of(path) if own else self._build(located)
        for site, callee in calls.edges:
            if not fits(self.project, site, callee, receiver) or not self._picked_blocks(site):
                continue  # ``self.run()`` in a class ``self`` cannot be an instance of; an interface's call
            witness = self.witness_at(site, callee, receiver)
            if witness is None or not self.per_call(located, site, callee, witness.blocking_call, witness.tier):
                continue
            if site not in best or witness.outranks(best[site][1]):
                best[site] = (callee, witness)
        found = [(site, callee, witness) for site, (callee, witness) in best.items()]
        if own:
            self._blocking[path] = found
        return found

    def witness_at(self, site: CallSite, callee: str, receiver: str | None = None) -> Witness | None:
        """Why ``callee`` blocks when ``site`` calls it: its witness, unless that runs only on
        lines the site's arguments rule out (``call_arguments.py``: a flag left at its default,
        a default the callee makes for a value the site passes); then the best chain left. A
        method of a base class called on ``self`` from a method of ``receiver`` runs with ``self``
        an instance of ``receiver``: its own ``self`` calls reach ``receiver``'s methods only."""
        context = context_of(self.project, site, callee, receiver)
        if context is not None:
            return self._passed_through(site, callee, self._in_context(callee, context), context)
        return self._passed_through(site, callee, self.witness(callee))

    def witness_on(self, callee: str, receiver: str | None, site: CallSite | None = None) -> Witness | None:
        """``callee``'s witness on an instance of ``receiver`` that inherits it, as ``site`` calls it if given."""
        owner = located.function.class_path if (located := self.project.function(callee)) is not None else None
        inherited = receiver if receiver and owner not in (None, receiver) and owner in self.project.mro(receiver) else None
        below = self._in_context(callee, inherited) if inherited else self.witness(callee)
        return below if site is None else self._passed_through(site, callee, below, inherited)

    def _passed_through(self, site: CallSite, callee: str, below: Witness | None, receiver: str | None = None) -> Witness | None:
        if below is None:
            return None
        first = below.steps[0]
        dead = dead_lines(self.project, first.caller.function, site)
        if not in_ranges(first.site.span.line, dead):
            return self._forwarded(site, callee, below, receiver)
        if (key := (callee, dead, receiver, site)) not in self._without_dead:  # its constants, passed on, rule out more
            if callee in self._refining:
                return below
            self._without_dead[key] = self._refined(callee, dead, receiver, site)
        return self._without_dead[key]

    def _forwarded(self, site: CallSite, callee: str, below: Witness, receiver: str | None) -> Witness | None:
        """``below``, unless ``callee`` passes on a constant of ``site`` that rules out a line of the
        chain further down (passed on again and again, up to ``_FORWARDS`` calls): then ``callee``'s
        best chain with its calls seen as ``site``'s constants make them."""
        steps, seen_as = below.steps, site
        for step, following in zip(steps[:_FORWARDS], steps[1:]):  # passed on as it came, maybe again
            inner = forwarded(step.caller.function, step.site, seen_as, self.project)
            if inner is None:
                return below
            if in_ranges(following.site.span.line, dead_lines(self.project, following.caller.function, inner)):
                break
            seen_as = inner
        else:
            return below
        if (callee, site, receiver) not in self._forwards:
            if callee in self._refining:
                return below
            self._forwards[(callee, site, receiver)] = self._refined(callee, frozenset(), receiver, site)
        return self._forwards[(callee, site, receiver)]

    def _refined(self, callee: str, dead: frozenset[tuple[int, int]], receiver: str | None, outer: CallSite) -> Witness | None:
        self._refining.add(callee)
        try:
            return self._local_witness(callee, dead, receiver, outer=outer)
        finally:
            self._refining.discard(callee)

    def _in_context(self, path: str, receiver: str) -> Witness | None:
        """The witness of a base class's method run with ``self`` an instance of ``receiver``."""
        key = (path, receiver)
        if key not in self._contexts:
            self.witness(path)  # its callees solved first, as ``_local_witness`` reads them
            self._contexts[key] = None  # a cycle through ``self`` calls adds nothing
            self._contexts[key] = self._local_witness(path, frozenset(), receiver)
        return self._contexts[key]

    def _local_witness(self, path: str, dead: frozenset[tuple[int, int]] = frozenset(),
                       receiver: str | None = None, outer: CallSite | None = None) -> Witness | None:
        """The best of the function's own catalog calls and its callees' witnesses, one step up
        (without the ``dead`` lines a call's arguments rule out: ``witness_at``; with ``self``
        an instance of ``receiver``, when that is known: ``_in_context``)."""
        located = self.project.function(path)
        if located is None or located.function.is_async:
            return None
        best: Witness | None = None
        # Among direct calls of one tier, I/O before CPU-heavy work (the usual stall); then
        # the first in the source.
        for site, catalog_path, entry in sorted(self.direct(path), key=lambda found: found[2].kind != "io"):
            if not self.per_call(located, site, None, catalog_path, entry.tier):
                continue
            if dead and in_ranges(site.span.line, dead):
                continue
            found = Witness((Step(located, site, catalog_path),), entry, is_opt_in(self, located, site.span.line))
            if found.outranks(best):
                best = found
        if best is not None and best.entry.tier == Tier.WAIT and not best.opt_in and not best.recovering:
            return best  # nothing outranks a one-step chain to the costliest tier
        for site, callee in self.edges(path):
            if not self._is_sync(callee) or (dead and in_ranges(site.span.line, dead)):
                continue
            if not fits(self.project, site, callee, receiver) or not self._picked_blocks(site):
                continue
            context = context_of(self.project, site, callee, receiver)
            known = self._in_context(callee, context) if context is not None else self._witness.get(callee)
            seen_as = (forwarded(located.function, site, outer, self.project) if outer is not None else None) or site
            below = self._passed_through(seen_as, callee, known, context)
            if below is None or not self.per_call(located, site, callee, below.blocking_call, below.tier):
                continue
            found = Witness((Step(located, site, callee), *below.steps), below.entry,
                            below.opt_in or is_opt_in(self, located, site.span.line))
            if found.outranks(best):
                best = found
        return best

    def _picked_blocks(self, site: CallSite) -> bool:
        """Whether the call may block whichever implementation it runs, when it calls an interface."""
        targets = self._dispatched.get(site)
        if targets is not None and site not in self._picks_block:  # asked once per implementation
            self._implementations = self._implementations or Implementations(self.project, self.catalog.installed)
            self._picks_block[site] = not any(map(self.fully_known, self._implementations.picks(targets)))
        return targets is None or self._picks_block[site]

    def per_call(self, located: Located, site: CallSite, callee: str | None, blocking_call: str, tier: Tier) -> bool:
        """Whether ``site`` reaches ``blocking_call`` on every call of ``located``: not behind a cache
        guard (``guards.py``), nor through a memoized function whose entries last (``memoized.py``).
        Work done once per process or key does not block, unless once holds the loop for seconds (a model
        load); a cache refreshed now and then (a TTL) waits on its peer each time, not on its files."""
        if once_is_too_many(blocking_call):
            return True
        if runs_once(self, located, site, refreshed=tier is not Tier.WAIT):
            return False
        return callee is None or not self._memoized(callee)

    def _memoized(self, path: str) -> bool:
        if path not in self._memo:
            located = self.project.function(path)
            self._memo[path] = located is not None and is_cached(self.project, located.function) and not expires(
                self.project, located.function)
        return self._memo[path]

    def _is_sync(self, path: str) -> bool:
        located = self.project.function(path)
        return located is not None and not located.function.is_async

