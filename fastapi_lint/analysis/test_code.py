"""Test code, told by its path alone: it never runs in a served app, whatever it imports."""

from __future__ import annotations

# Folders whose code only tests run; and the file names of test modules.
TEST_FOLDERS = frozenset({"tests", "test", "testing", "integration_tests"})


def is_test_path(parts: tuple[str, ...]) -> bool:
    """Whether a file, by its path's parts below the project's root, is test code."""
    if not parts:
        return False
    name = parts[-1]
    if name == "conftest.py" or name.startswith("test_") or name.endswith("_test.py"):
        return True
    return any(folder in TEST_FOLDERS or folder.endswith("_tests") for folder in parts[:-1])
