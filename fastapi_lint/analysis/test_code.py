"""Test code, told by its path alone: it never runs in a served app, whatever it imports.

Test doubles count (``mock_agent_service.py``, ``fakes.py``, a ``mocks/`` folder): a stand-in
for a real service, used in tests or in a development mode, whose waits are simulated
(``time.sleep(0.5)`` as a fake model's latency)."""

from __future__ import annotations

import os
from functools import lru_cache

from fastapi_lint.analysis.facts import ModuleSummary

# Folders whose code only tests run; and the file names of test modules.
TEST_FOLDERS = frozenset({"tests", "test", "testing", "integration_tests", "e2e", "mocks", "fakes"})
_DOUBLES = ("mock", "fake")


@lru_cache(maxsize=1 << 16)  # asked tens of thousands of times a check, of a project's few thousand files
def is_test_path(parts: tuple[str, ...]) -> bool:
    """Whether a file, by its path's parts below the project's root, is test code."""
    if not parts:
        return False
    name = parts[-1]
    if name == "conftest.py" or name.startswith("test_") or name.endswith("_test.py"):
        return True
    stem = name.removesuffix(".py")
    if any(stem in (double, f"{double}s") or stem.startswith(f"{double}_") or stem.endswith(f"_{double}")
           for double in _DOUBLES):
        return True
    return any(folder in TEST_FOLDERS or folder.endswith("_tests") for folder in parts[:-1])


# Folders of code that shows how the service or the library is used (an app, a tutorial), which
# no deployment runs.
_EXAMPLE_FOLDERS = frozenset({"examples", "example", "samples", "sample", "demos", "demo"})


def in_examples(path: str) -> bool:
    return example_folder(path) is not None


def example_folder(path: str) -> str | None:
    """The examples folder the module at ``path`` is in (``docs/examples``), if any."""
    parts = path.replace(os.sep, "/").split("/")[:-1]
    return next(("/".join(parts[:end + 1]) for end, part in enumerate(parts) if part in _EXAMPLE_FOLDERS), None)


def module_in_tests(summary: ModuleSummary) -> bool:
    """Whether the module is test code, by its dotted name."""
    return _named_as_tests(summary.module, summary.is_package)


@lru_cache(maxsize=1 << 16)  # asked of the same few thousand modules on every check
def _named_as_tests(module: str, is_package: bool) -> bool:
    *package, name = module.split(".")
    return is_test_path((*package, name if is_package else f"{name}.py"))
