"""Output formats. Each reporter writes findings to a stream; ``text`` imports rich lazily.

Every report can be written, whatever the file names: a name that is not UTF-8 arrives
(from ``os.fsdecode``) as a string holding lone surrogates, one per undecodable byte, which
no UTF-8 output can take as they are. Each format shows such a name as its readers can use it:

- text, concise, github, gitlab, junit, the route table: a person reads them, on a terminal or a pull
  request. The byte is shown as U+FFFD (the replacement character), as a terminal, GitHub
  and Ruff show it; the raw byte could be half of an escape sequence.
- json (``check`` and ``routes``): a program reads it, to find the file. The name is kept:
  JSON escapes each lone surrogate (``"caf\\udce9.py"``, valid by RFC 8259's grammar);
  Python's ``json`` reads it back and ``os.fsencode`` gives the name's bytes. Strict parsers
  (Rust's serde_json) refuse such an escape; U+FFFD would suit them, at the cost of the name
  for every other reader (and of telling two such files apart).
- sarif: GitHub code scanning reads it, and its locations are URIs, which carry bytes: the
  name's own bytes are percent-encoded (``caf%E9.py``), so the alert points at the very file.
  Its texts get U+FFFD: SARIF consumers validate their input as Unicode.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TextIO

from fastapi_lint.diagnostics import Diagnostic

Reporter = Callable[[list[Diagnostic], TextIO, dict[str, list[str]]], None]

FORMATS = ("text", "concise", "json", "sarif", "github", "gitlab", "junit")


def get(name: str) -> Reporter:
    report: Reporter
    if name == "text":
        from fastapi_lint.reporters.text import report
    elif name == "concise":
        from fastapi_lint.reporters.concise import report
    elif name == "json":
        from fastapi_lint.reporters.json import report
    elif name == "sarif":
        from fastapi_lint.reporters.sarif import report
    elif name == "github":
        from fastapi_lint.reporters.github import report
    elif name == "gitlab":
        from fastapi_lint.reporters.gitlab import report
    elif name == "junit":
        from fastapi_lint.reporters.junit import report
    else:  # pragma: no cover - click restricts the choices
        raise ValueError(name)
    return report

