"""Test-wide settings: the cache's signing key never touches the real home folder, and the
virtualenv running the tests is not the linted projects' environment (``environment.py``)."""

from __future__ import annotations

import os
import tempfile

# Set before any test runs, so subprocesses (pre-commit, flake8) inherit it too.
os.environ["XDG_CACHE_HOME"] = tempfile.mkdtemp(prefix="fastapi-lint-test-home-")
os.environ.pop("VIRTUAL_ENV", None)
# No run of the suite leaves a background process behind (``cli/daemon.py``); the tests of that
# process set their own.
os.environ["FASTAPI_LINT_DAEMON"] = "0"
