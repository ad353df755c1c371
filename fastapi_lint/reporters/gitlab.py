"""GitLab code quality (``--format gitlab``): the report a merge request's Code Quality widget shows.

A JSON array of issues, the subset of the Code Climate spec GitLab reads::

    [{"description": "FAS101 `time.sleep` blocks ...", "check_name": "FAS101", "fingerprint": "...",
      "severity": "major", "location": {"path": "app/main.py",
      "positions": {"begin": {"line": 10, "column": 5}, "end": {"line": 10, "column": 18}}}}]

Errors are ``major``, warnings ``minor``, infos ``info``. GitLab shows one issue per fingerprint
and tells new issues from fixed ones by it, so each is unique within a report and does not change
when an edit moves the finding: a hash of the rule, the file, the function and the message, and
the finding's rank among identical ones. Texts get U+FFFD for undecodable bytes of file names
(GitLab reads the report as UTF-8).
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from typing import TextIO

from fastapi_lint.diagnostics import Diagnostic, Severity
from fastapi_lint.reporters.surrogates import valid_text

SEVERITIES = {Severity.ERROR: "major", Severity.WARNING: "minor", Severity.INFO: "info"}


def issues(diagnostics: list[Diagnostic]) -> list[dict[str, object]]:
    seen: Counter[tuple[str, ...]] = Counter()
    found: list[dict[str, object]] = []
    for d in diagnostics:
        identity = (d.code, d.path, d.function or "", d.message)
        rank = seen[identity]
        seen[identity] += 1
        digest = hashlib.sha256("\0".join([*identity, str(rank)]).encode("utf-8", "surrogatepass")).hexdigest()
        found.append({
            "description": valid_text(f"{d.code} {d.message}"),
            "check_name": d.code,
            "fingerprint": digest[:32],
            "severity": SEVERITIES[d.severity],
            "location": {
                "path": valid_text(d.path),
                "positions": {
                    "begin": {"line": d.span.line, "column": d.span.col + 1},
                    "end": {"line": d.span.end_line, "column": d.span.end_col + 1},
                },
            },
        })
    return found


def report(diagnostics: list[Diagnostic], stream: TextIO, sources: dict[str, list[str]]) -> None:
    stream.write(json.dumps(issues(diagnostics), indent=2, ensure_ascii=False) + "\n")
