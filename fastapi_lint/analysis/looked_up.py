"""Functions a module loaded by name hands on by a string: ``getattr(module, method)`` where
``module = importlib.import_module(spec)`` and ``method`` is a string or one of a local's
(``if remote: method = "get_adapter_impl" else: method = "get_provider_impl"``). A plugin stack
finds each provider's factory this way; every module-level function of the project so named may
be the one it runs."""

from __future__ import annotations

from fastapi_lint.analysis.facts import CallSite
from fastapi_lint.analysis.project import Project

# Load a module by name: what they return is a module the analysis cannot name.
IMPORTERS = frozenset({"importlib.import_module", "builtins.__import__", "__import__", "importlib.__import__"})


def looked_up_names(project: Project, site: CallSite) -> list[str]:
    """The names ``getattr(module, name)`` looks up on a module loaded by name; [] for any other call."""
    if (site.func is None or len(site.args) != 2 or site.text != "getattr"
            or project.resolve(site.func).path != "builtins.getattr"):
        return []
    module, name = site.args
    if module.ref is None or module.ref.path.removesuffix("()") not in IMPORTERS:
        return []
    return [name.text] if name.kind == "str" else [item.text for item in name.items if item.kind == "str"]
