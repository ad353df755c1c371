"""The project's Python environment: where its installed packages are, found without running it.

Chosen by ``--python`` / ``python = "..."`` (a virtualenv's folder, or its interpreter: the
folder two above ``bin/python``), else found: the active ``VIRTUAL_ENV``, else a ``.venv`` or
``venv`` folder beside the configuration (or in the working folder). ``none`` turns it off. The
interpreter is never run (an environment inside a repository is the repository's, untrusted):
its ``site-packages`` folders are found by their place (``lib/python3.X/site-packages``,
``Lib/site-packages`` on Windows). What reads them: ``analysis/installed.py``, whose summaries of
each release are kept in the user's cache folder (``UserCache``), sealed as the project cache's.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, cast

from fastapi_lint.config import no_python

if TYPE_CHECKING:
    from fastapi_lint.analysis.catalog import Catalog
    from fastapi_lint.analysis.facts import ModuleSummary
    from fastapi_lint.analysis.installed import Answers
    from fastapi_lint.config import Config

_FOUND_BESIDE = (".venv", "venv")


class NoEnvironment(Exception):
    """A ``--python`` that names no environment with installed packages."""


def site_folders(config: Config) -> tuple[Path, ...]:
    """The ``site-packages`` folders of the configured or found environment; () for none.
    Raises ``NoEnvironment`` when the one configured has none."""
    chosen = config.python
    if chosen is not None:
        if no_python(chosen):
            return ()
        found = _sites(_environment_of(Path(chosen).expanduser()))
        if not found:
            raise NoEnvironment(f"--python {chosen}: no site-packages folder found there (give a virtualenv's "
                                    "folder or its bin/python)")
        return found
    active = os.environ.get("VIRTUAL_ENV")
    if active:
        found = _sites(Path(active))
        if found:
            return found
    base = config.root or Path.cwd()
    for name in _FOUND_BESIDE:
        found = _sites(base / name)
        if found:
            return found
    return ()


def _environment_of(given: Path) -> Path:
    """An interpreter's environment folder: ``env/bin/python`` -> ``env``."""
    if given.is_dir():
        return given
    parent = given.parent
    return parent.parent if parent.name in ("bin", "Scripts") else parent


def _sites(environment: Path) -> tuple[Path, ...]:
    found: list[Path] = []
    try:
        for lib in ("lib", "lib64"):
            folder = environment / lib
            if folder.is_dir():
                found.extend(sorted(site for site in folder.glob("python3*/site-packages") if site.is_dir()))
        windows = environment / "Lib" / "site-packages"
        if windows.is_dir():
            found.append(windows)
        unique: list[Path] = []
        for site in found:  # ``lib64`` is often a link to ``lib``
            if all(not site.samefile(other) for other in unique):
                unique.append(site)
    except OSError:
        return ()
    return tuple(unique)


def fingerprint(config: Config) -> str:
    """The environment's folders and when each last gained or lost a package (an install or an
    upgrade replaces a folder in it): a run's findings change with them."""
    try:
        sites = site_folders(config)
    except NoEnvironment as error:
        return str(error)
    stamps: list[str] = []
    for site in sites:
        try:
            stamps.append(f"{site}:{site.stat().st_mtime_ns}")
        except OSError:
            stamps.append(f"{site}:gone")
    return ";".join(stamps)


def catalog_for(config: Config) -> Catalog:
    """The catalog of a run: the built-in one, the configuration's additions, and the installed
    packages of the project's environment when there is one."""
    from fastapi_lint.analysis.catalog import Catalog
    from fastapi_lint.analysis.installed import InstalledLibraries

    catalog = Catalog(config.extend_blocking_calls, config.extend_async_safe)
    try:
        sites = site_folders(config)
    except NoEnvironment:
        sites = ()  # said once, by the command that took the option (``cli/check.py``)
    if sites:
        catalog.installed = InstalledLibraries(sites, config.extend_blocking_calls, config.extend_async_safe,
                                               UserCache(library_cache_folder(), _answers_key(sites, config)))
    return catalog


def _answers_key(sites: tuple[Path, ...], config: Config) -> str:
    """The environment and what answers in it: this linter's code and the configuration's catalog."""
    import hashlib

    from fastapi_lint.run.cache import code_fingerprint

    given = [*map(str, sites), code_fingerprint(), *config.extend_blocking_calls, "|", *config.extend_async_safe]
    return hashlib.sha256("\0".join(given).encode()).hexdigest()[:24]


def library_cache_folder() -> Path:
    """Where the installed packages' summaries are kept: the user's cache folder, beside the
    signing key, never a project's."""
    from fastapi_lint.run.cache import secret_path

    return secret_path().parent / "libraries"


class UserCache:
    """Summaries of installed packages in ``folder``, one sealed pickle per release key and
    extractor (``cache.FINGERPRINT``); a foreign, corrupt or stale entry is summarised again."""

    def __init__(self, folder: Path, answers_key: str = "") -> None:
        self.folder = folder
        self.answers_key = answers_key
        self._secret: bytes | None = None
        self._secret_read = False

    def _signing_key(self) -> bytes | None:
        """The cache's signing key (``cache.load_secret``), read once per run."""
        if not self._secret_read:
            from fastapi_lint.run.cache import load_secret

            self._secret, self._secret_read = load_secret(), True
        return self._secret

    def _file(self, key: str) -> Path:
        from fastapi_lint.run.cache import FINGERPRINT

        return self.folder / f"{key}-{FINGERPRINT}.summaries"

    def get(self, key: str) -> list[ModuleSummary] | None:
        from fastapi_lint.analysis.facts import ModuleSummary

        value = self._read(self._file(key))
        return value if isinstance(value, list) and all(isinstance(item, ModuleSummary) for item in value) else None

    def put(self, key: str, summaries: list[ModuleSummary]) -> None:
        self._write(self._file(key), summaries)

    def answers(self) -> Answers | None:
        value = self._read(self.folder / f"answers-{self.answers_key}.pickle")
        if not (isinstance(value, tuple) and len(value) == 3 and all(isinstance(part, dict) for part in value)):
            return None
        return cast("Answers", value)

    def put_answers(self, answers: Answers) -> None:
        self._write(self.folder / f"answers-{self.answers_key}.pickle", answers)

    def _read(self, file: Path) -> object:
        from fastapi_lint.run.cache import unseal

        secret = self._signing_key()
        if secret is None:
            return None
        try:
            return unseal(secret, file.read_bytes())
        except Exception:  # missing, foreign, corrupt or stale
            return None

    def _write(self, file: Path, value: object) -> None:
        from fastapi_lint.run.cache import seal

        secret = self._signing_key()
        if secret is None:
            return
        with contextlib.suppress(OSError):
            self.folder.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=self.folder, prefix=".entry-")
            try:
                with os.fdopen(handle, "wb") as stream:
                    stream.write(seal(secret, value))
                os.replace(temporary, file)
            finally:
                with contextlib.suppress(OSError):
                    os.unlink(temporary)
