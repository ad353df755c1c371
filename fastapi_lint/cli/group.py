"""The command group (``main``) and the console script's run of it (``run``): see the package's docstring."""


from __future__ import annotations

import signal
import sys
import time
from collections.abc import Callable
from typing import Any, NoReturn

import click

from fastapi_lint import __version__
from fastapi_lint.cli import check, commands, daemon_serve
from fastapi_lint.cli.leaving import leave
from fastapi_lint.cli.output import EXIT_FINDINGS, EXIT_INTERRUPTED, EXIT_OK, EXIT_TERMINATED, echo_note


class DefaultGroup(click.Group):
    """Runs ``check`` when the first argument is not a subcommand (``fastapi-lint src/``)."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if not args or args[0] not in self.commands and args[0] not in ("--help", "-h", "--version"):
            args = ["check", *args]
        return super().parse_args(ctx, args)

    def main(self, *args: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("prog_name", "fastapi-lint")  # not ``__main__.py`` under ``python -m``
        return super().main(*args, **kwargs)

    def invoke(self, ctx: click.Context) -> Any:
        """The command, stopped by Ctrl-C or SIGTERM with one line and the exit code a shell
        gives a process the signal killed (click would say ``Aborted!`` and exit 1). The run has
        stopped its workers and children on the way here."""
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            echo_note("interrupted")
            sys.exit(EXIT_INTERRUPTED)
        except Terminated:
            echo_note("terminated")
            sys.exit(EXIT_TERMINATED)


class Terminated(BaseException):
    """SIGTERM, raised in the main thread as Ctrl-C raises ``KeyboardInterrupt`` (``entry``), so
    that a run unwinds the same way: workers stopped, no file half-written. Not an ``Exception``:
    nothing reports it as an internal error."""


def _terminate(signum: int, frame: object) -> NoReturn:
    raise Terminated


def run(keep_project: Callable[[float], None] | None = None) -> NoReturn:
    """The console script's run (``fastapi_lint.cli.entry``): ``main``, then leave without tearing
    the heap down. A large project's facts are millions of objects; freeing them one by one at
    interpreter exit took 0.1 s of a 2 s run, for nothing. Tests call ``main``, which returns.
    ``keep_project`` is told how long a check of files named took, once it reported (below
    ``--no-daemon``'s default, ``daemon.keep_project``)."""
    signal.signal(signal.SIGTERM, _terminate)
    started = time.monotonic()
    state: dict[str, Any] = {}
    try:
        main(obj=state)
        code: int = EXIT_OK
    except SystemExit as exit_:
        code = _exit_code(exit_.code)
    except KeyboardInterrupt:  # outside a command (``invoke``): nothing of the run to stop
        code = EXIT_INTERRUPTED
    except Terminated:
        code = EXIT_TERMINATED
    if keep_project is not None and state.get("files_named") and code in (EXIT_OK, EXIT_FINDINGS):
        keep_project(time.monotonic() - started)
    leave(code)


def _exit_code(code: object) -> int:
    """What ``sys.exit(code)`` would make the exit status."""
    if code is None:
        return EXIT_OK
    if isinstance(code, int):
        return code & 0xFF
    print(code, file=sys.stderr)
    return 1


@click.group(cls=DefaultGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="fastapi-lint")
def main() -> None:
    """Find what stalls a FastAPI service under load."""


main.add_command(check.check)
main.add_command(commands.rules)
main.add_command(commands.explain)
main.add_command(commands.routes)
main.add_command(commands.server)
main.add_command(commands.clean)
main.add_command(daemon_serve.daemon)
