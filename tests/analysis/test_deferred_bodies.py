"""Installed packages' function bodies read when asked about (analysis/extract/deferred.py,
bodies.py): the facts are those of reading every body at once, kept or not."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from fastapi_lint.analysis.extract import bodies, summarize_file
from fastapi_lint.analysis.extract.deferred import DeferredFunctionFacts
from fastapi_lint.analysis.extract.bodies import INSTALLED_OMITS
from fastapi_lint.analysis.facts import FunctionFacts, ModuleSummary, field_names
from fastapi_lint.run.cache import seal, unseal

_REPOSITORY = Path(__file__).resolve().parents[2]
_FUNCTION_FIELDS = field_names(FunctionFacts)
_MODULE_FIELDS = tuple(name for name in field_names(ModuleSummary) if name != "functions")


def _pair(site: Path, file: Path) -> tuple[ModuleSummary, ModuleSummary] | None:
    shown = file.relative_to(site).as_posix()
    whole = summarize_file(file, shown)
    deferred = summarize_file(file, shown, defer=str(site))
    if not isinstance(whole, ModuleSummary):
        return None
    assert isinstance(deferred, ModuleSummary)
    return whole, deferred


def _differences(whole: ModuleSummary, deferred: ModuleSummary) -> list[str]:
    """The fields that differ, but those an installed package's facts leave out (``INSTALLED_OMITS``),
    which must be empty there."""
    found = [f"{whole.path}: {name}" for name in _MODULE_FIELDS
             if getattr(whole, name) != getattr(deferred, name) and (name not in INSTALLED_OMITS or getattr(deferred, name))]
    if len(whole.functions) != len(deferred.functions):
        return [*found, f"{whole.path}: {len(whole.functions)} functions, {len(deferred.functions)} deferred"]
    for eager, later in zip(whole.functions, deferred.functions):
        found += [f"{eager.path}: {name}" for name in _FUNCTION_FIELDS
                  if _kept(name, getattr(eager, name)) != getattr(later, name)]
    return found


def _kept(name: str, value: object) -> object:
    """What an installed package's facts keep of a function's field: nothing of one they leave
    out, and its calls without ``reused``."""
    if name in INSTALLED_OMITS:
        return ()
    if name == "calls":
        return tuple(call._replace(reused=False) for call in value)  # type: ignore[attr-defined]
    return value


@pytest.mark.parametrize("folder", ["fixtures", "fastapi_lint/analysis"])
def test_bodies_read_later_give_the_facts_read_at_once(folder: str) -> None:
    """Every module of the fixtures and of the analysis, summarised as an installed package's
    (bodies deferred, then each read) and at once: the same facts, field by field."""
    deferred_count = 0
    problems: list[str] = []
    for file in sorted((_REPOSITORY / folder).rglob("*.py")):
        pair = _pair(_REPOSITORY, file)
        if pair is not None:
            deferred_count += sum(isinstance(function, DeferredFunctionFacts) for function in pair[1].functions)
            problems += _differences(*pair)
    assert not problems
    assert deferred_count > 100  # the comparison read deferred bodies, not only bodies read at once


_MODULE = '''\
import requests

_clients = {}


def plain(url):
    seen = {}
    seen[url] = True
    from json import dumps
    return requests.get(url, timeout=dumps(seen))


def nested(url):
    def inner():
        return requests.get(url)
    return inner


def memo(key):
    _clients[key] = requests.Session()


class Client:
    def fetch(self, url):
        if self.session is None:
            self.session = requests.Session()
        return self.session.get(url)
'''


def test_a_body_that_gives_its_module_facts_is_read_at_once(tmp_path: Path) -> None:
    """A def inside it, or a store into a module-level name, is a fact of the module: read with
    it. A local table's item and an import do not stop the deferral; the import is recorded."""
    (tmp_path / "sdk.py").write_text(_MODULE)
    summary = summarize_file(tmp_path / "sdk.py", "sdk.py", defer=str(tmp_path))
    assert isinstance(summary, ModuleSummary)
    kinds = {function.path: isinstance(function, DeferredFunctionFacts) for function in summary.functions}
    assert kinds == {"sdk.plain": True, "sdk.nested.inner": False, "sdk.nested": False, "sdk.memo": False,
                     "sdk.Client.fetch": True}
    assert ("sdk.plain", "json") in summary.imports


def test_a_body_kept_unread_reads_its_file_again_or_nothing_when_it_is_gone(tmp_path: Path) -> None:
    """Pickled unread (the user's cache), a deferred body reads its file again, in the folder it
    is installed in for this run; a file gone leaves the body's facts empty, never an error."""
    site, moved = tmp_path / "site", tmp_path / "elsewhere"
    site.mkdir()
    (site / "sdk.py").write_text(_MODULE)
    whole = summarize_file(site / "sdk.py", "sdk.py")
    deferred = summarize_file(site / "sdk.py", "sdk.py", defer=str(site))
    assert isinstance(whole, ModuleSummary) and isinstance(deferred, ModuleSummary)
    secret = b"k" * 32
    kept = unseal(secret, seal(secret, deferred))
    bodies._KEPT.clear()
    shutil.move(str(site), str(moved))
    for function in kept.functions:
        if isinstance(function, DeferredFunctionFacts):
            function.installed_in(str(moved))
    assert not _differences(whole, kept)
    gone = unseal(secret, seal(secret, deferred))
    bodies._KEPT.clear()
    shutil.rmtree(moved)
    fetch = next(function for function in gone.functions if function.path == "sdk.Client.fetch")
    assert isinstance(fetch, DeferredFunctionFacts) and fetch.calls == () and fetch.guards == ()


_INTERFACE = '''\
import abc

import requests


class Store(abc.ABC):
    @abc.abstractmethod
    def read(self, key): ...


class LocalStore(Store):
    def __init__(self):
        self.items = {}

    def read(self, key):
        return self.items.get(key)


class HttpStore(Store):
    def read(self, key):
        return requests.get(key, timeout=5)


def default_store():
    return LocalStore()
'''


def test_an_installed_packages_classes_may_all_be_made_by_the_code_calling_it(tmp_path: Path) -> None:
    """In a project, a class nothing outside the tests makes is no implementation a server picks;
    in an installed package's own modules, the code calling the package makes its classes too
    (``HttpStore`` is built by the service, not by the SDK): every implementation counts."""
    from fastapi_lint.analysis.dispatch import Implementations
    from fastapi_lint.analysis.project import Project

    (tmp_path / "sdk.py").write_text(_INTERFACE, encoding="utf-8")
    summary = summarize_file(tmp_path / "sdk.py", "sdk.py")
    assert isinstance(summary, ModuleSummary)
    overrides = ["sdk.LocalStore.read", "sdk.HttpStore.read"]

    class Package:  # what follows an installed package's own calls (``InstalledLibraries``' view)
        own_modules: frozenset[str] = frozenset()
        own_package: str | None = "sdk"

    assert Implementations(Project([summary])).picks(overrides) == ["sdk.LocalStore.read"]
    assert Implementations(Project([summary]), Package()).picks(overrides) == overrides  # type: ignore[arg-type]


def test_the_callers_of_a_class_read_only_the_modules_that_name_it(tmp_path: Path) -> None:
    """An installed package asked who builds a class (``Project.function_calls_to``) reads the
    bodies of the modules whose text names it, by its name or by a name a module binds it to,
    and finds the calls indexing every body finds."""
    from fastapi_lint.analysis.call_index import CallIndex
    from fastapi_lint.analysis.project import Project

    files = {
        "sdk/__init__.py": "",
        "sdk/client.py": "class Client:\n    def get(self, url):\n        return url\n",
        "sdk/direct.py": "from .client import Client\n\n\ndef make():\n    return Client()\n",
        "sdk/renamed.py": "from .client import Client as HttpClient\n\n\ndef make():\n    return HttpClient()\n",
        "sdk/other.py": "import json\n\n\ndef dump(value):\n    return json.dumps(value)\n",
    }
    summaries = []
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
        summary = summarize_file(tmp_path / name, name, defer=str(tmp_path))
        assert isinstance(summary, ModuleSummary)
        summaries.append(summary)
    project = Project(summaries)
    assert project.deferred_bodies
    found = [(located.function.path, site.text) for located, site in project.function_calls_to(["sdk.client.Client"])]
    assert found == [("sdk.direct.make", "Client"), ("sdk.renamed.make", "HttpClient")]
    dump = next(function for summary in summaries for function in summary.functions if function.name == "dump")
    assert "_reader" in vars(dump)  # its module never names the class: not read
    indexed = CallIndex(project).lookup("path", ["sdk.client.Client"])
    assert [(function.path, site.text) for _, function, site in indexed if function is not None] == found


def test_a_field_copied_by_a_constructor_reads_only_the_methods_that_name_it(tmp_path: Path) -> None:
    """Which constructor parameter ``self._config`` copies (``guards.copied_field``), asked of an
    installed package's class: its methods whose lines never spell the field are not read, and the
    answer is that of reading them all; a method that sets the field again still unsettles it."""
    from fastapi_lint.analysis.guards import copied_field
    from fastapi_lint.analysis.project import Project

    text = (
        "class Base:\n    def close(self):\n        return None\n\n\n"
        "class Client(Base):\n    def __init__(self, config):\n        self._config = config\n\n"
        "    def fetch(self, url):\n        return url\n\n    def load(self):\n        return self._config\n"
    )
    (tmp_path / "sdk.py").write_text(text)
    deferred = summarize_file(tmp_path / "sdk.py", "sdk.py", defer=str(tmp_path))
    whole = summarize_file(tmp_path / "sdk.py", "sdk.py")
    assert isinstance(deferred, ModuleSummary) and isinstance(whole, ModuleSummary)
    answers = []
    for summary in (deferred, whole):
        project = Project([summary])
        load = project.function("sdk.Client.load")
        assert load is not None
        found = copied_field(project, load, "self._config")
        answers.append((found[0].function.path, found[1]) if found is not None else None)
    assert answers == [("sdk.Client.__init__", "config")] * 2
    unread = {function.name for function in deferred.functions if "_reader" in vars(function)}
    assert {"fetch", "close"} <= unread
    (tmp_path / "sdk.py").write_text(text + "\n    def reset(self):\n        self._config = None\n")
    again = summarize_file(tmp_path / "sdk.py", "sdk.py", defer=str(tmp_path))
    assert isinstance(again, ModuleSummary)
    project = Project([again])
    load = project.function("sdk.Client.load")
    assert load is not None and copied_field(project, load, "self._config") is None
