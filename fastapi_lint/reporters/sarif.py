"""SARIF 2.1.0, the format GitHub code scanning uploads (``--format sarif``).

One run; ``tool.driver.rules`` lists every registered rule (not only those that
fired), so ``ruleIndex`` is stable across runs and the rule help shows in the
code scanning UI, with a ``helpUri`` to the rule's module in the repository,
whose docstring is the same help. The rules come as plain values (``SarifRule``, made by
``api.sarif_rules``): a reporter does not import the rules. Paths are relative URIs under ``%SRCROOT%`` (the working
folder, declared in ``originalUriBaseIds``); columns are 1-based characters
(``columnKind: unicodeCodePoints``), end columns exclusive as SARIF wants.

``partialFingerprints["fastapiLint/v1"]`` hashes the code, the path and the
flagged line's text (stripped), plus an occurrence counter for identical lines:
not the line number, so an alert survives edits above it.

A finding with a ``chain`` gets one ``codeFlow`` whose thread flow visits each
hop. A finding with a fix gets ``fixes``: the description always, and the
``artifactChanges`` when the caller planned the edit (``edits``, from the fix
engine, see ``api.sarif_edits``): replacements are whole changed lines, as
``charOffset``/``charLength`` regions of the file's text, computed from a line
diff of the planned result. Planning costs a libcst parse per fixable finding,
so the CLI plans at most ``MAX_PLANNED_FIXES`` of them; beyond that the fix is
described, not spelled out.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any, TextIO
from urllib.parse import quote

from fastapi_lint import REPOSITORY_URL, __version__
from fastapi_lint.diagnostics import Diagnostic, Hop, Severity
from fastapi_lint.reporters.surrogates import valid_text

SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
INFORMATION_URI = REPOSITORY_URL
FINGERPRINT_KEY = "fastapiLint/v1"
MAX_PLANNED_FIXES = 200

LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}

# One replacement: (character offset, characters deleted, text inserted).
Replacement = tuple[int, int, str]
# The planned edit of a finding's fix: the file it changes and its replacements.
PlannedEdit = tuple[str, tuple[Replacement, ...]]
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


@dataclass(frozen=True)
class SarifRule:
    """What the log says about a rule (``tool.driver.rules``)."""

    code: str
    name: str
    severity: Severity
    default_enabled: bool
    fixable: bool
    documentation: str  # the rule's docstring, cleaned: its summary line, then its sections
    help_uri: str  # where the documentation reads on the repository's site (``api.rule_url``)


def report(
    diagnostics: list[Diagnostic],
    stream: TextIO,
    sources: dict[str, list[str]],
    edits: Mapping[Diagnostic, PlannedEdit] | None = None,
    rules: Sequence[SarifRule] = (),
) -> None:
    """``rules``: every rule, in code order (``api.sarif_rules()``); without them the log lists
    none, and its results name their rule by id only."""
    json.dump(build(diagnostics, sources, edits, rules), stream, indent=2, ensure_ascii=False)
    stream.write("\n")


def build(
    diagnostics: Sequence[Diagnostic],
    sources: Mapping[str, list[str]],
    edits: Mapping[Diagnostic, PlannedEdit] | None = None,
    rules: Sequence[SarifRule] = (),
) -> dict[str, Any]:
    index = {rule.code: number for number, rule in enumerate(rules)}
    seen: Counter[str] = Counter()
    results = []
    for d in diagnostics:
        result: dict[str, Any] = {
            "ruleId": d.code,
            "level": LEVELS[d.severity],
            "message": {"text": d.message + (f"\n\nHelp: {d.help}" if d.help else "")},
            "locations": [_location(d.path, d.span.line, d.span.col, d.span.end_line, d.span.end_col)],
        }
        if d.code in index:
            result["ruleIndex"] = index[d.code]
        base = _fingerprint(d, sources.get(d.path))
        seen[base] += 1
        result["partialFingerprints"] = {FINGERPRINT_KEY: f"{base}:{seen[base]}"}
        if d.chain:
            result["codeFlows"] = [{"threadFlows": [{"locations": [_flow_step(hop) for hop in d.chain]}]}]
        if d.fix is not None:
            fix: dict[str, Any] = {"description": {"text": f"{d.fix.title} ({d.fix.applicability.value} fix)"}}
            planned = (edits or {}).get(d)
            if planned is not None and planned[1]:
                fix["artifactChanges"] = [{
                    "artifactLocation": _artifact(planned[0]),
                    "replacements": [
                        {"deletedRegion": {"charOffset": offset, "charLength": length},
                         "insertedContent": {"text": text}}
                        for offset, length, text in planned[1]
                    ],
                }]
                result["fixes"] = [fix]
            else:
                # ``fixes`` needs artifactChanges; without a planned edit the fix is only described.
                result.setdefault("properties", {})["fix"] = fix["description"]["text"]
            result.setdefault("properties", {})["applicability"] = d.fix.applicability.value
        results.append(result)
    log: dict[str, Any] = _valid({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "fastapi-lint",
                "version": __version__,
                "semanticVersion": __version__,
                "informationUri": INFORMATION_URI,
                "rules": [_rule(rule) for rule in rules],
            }},
            "originalUriBaseIds": {"%SRCROOT%": {"uri": _cwd_uri()}},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    })
    return log


def _valid(data: Any) -> Any:
    """JSON data with every string (keys too) made ``valid_text``: no lone surrogate in SARIF's texts."""
    if isinstance(data, str):
        return valid_text(data)
    if isinstance(data, dict):
        return {valid_text(key): _valid(value) for key, value in data.items()}
    if isinstance(data, list):
        return [_valid(item) for item in data]
    return data


def _rule(rule: SarifRule) -> dict[str, Any]:
    doc = rule.documentation
    first, _, rest = doc.partition("\n")
    body = rest.strip() or first
    return {
        "id": rule.code,
        "name": _pascal(rule.name),
        "shortDescription": {"text": first.strip()},
        "fullDescription": {"text": body, "markdown": body},
        "help": {"text": doc, "markdown": doc},
        "helpUri": rule.help_uri,
        "defaultConfiguration": {"level": LEVELS[rule.severity], "enabled": bool(rule.default_enabled)},
        "properties": {
            "tags": [rule.name, *(["fixable"] if rule.fixable else [])],
            "precision": "high" if rule.severity is Severity.ERROR else "medium",
        },
    }


def _pascal(name: str) -> str:
    """SARIF suggests a PascalCase ``name`` (``BlockingCallInAsync``); the rule name is kebab-case."""
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"[-_\s]+", name) if part)


def _uri(path: str) -> str:
    """A path as a URI reference: its UTF-8 percent-encoded, and a byte of a name that is not
    UTF-8 (a lone surrogate, from ``os.fsdecode``) percent-encoded as that byte."""
    posix = PurePosixPath(path.replace(os.sep, "/")).as_posix()
    try:
        octets = posix.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # an unpaired surrogate of a Windows name: no byte stands behind it
        octets = valid_text(posix).encode("utf-8")
    return quote(octets, safe="/-._~")


def _artifact(path: str) -> dict[str, Any]:
    if os.path.isabs(path):  # outside the working folder: an absolute file URI, no base
        return {"uri": "file://" + _uri(os.path.abspath(path))}
    return {"uri": _uri(path), "uriBaseId": "%SRCROOT%"}


def _cwd_uri() -> str:
    try:
        folder = os.getcwd()
    except OSError:
        folder = "/"
    uri = "file://" + _uri(folder)
    return uri if uri.endswith("/") else uri + "/"


def _location(path: str, line: int, col: int, end_line: int, end_col: int) -> dict[str, Any]:
    line = max(line, 1)
    region: dict[str, int] = {"startLine": line, "startColumn": max(col, 0) + 1}
    if end_line >= line:
        region["endLine"] = end_line
        if end_line > line or end_col > col:
            region["endColumn"] = max(end_col, 0) + 1
    return {"physicalLocation": {"artifactLocation": _artifact(path), "region": region}}


def _flow_step(hop: Hop) -> dict[str, Any]:
    location = _location(hop.path, hop.line, hop.col, hop.line, hop.col + len(hop.text))
    location["message"] = {"text": hop.text}
    return {"location": location}


def _fingerprint(d: Diagnostic, lines: list[str] | None) -> str:
    text = ""
    if lines and 1 <= d.span.line <= len(lines):
        text = lines[d.span.line - 1].strip()
    digest = hashlib.sha256("\0".join((d.code, d.path, text)).encode("utf-8", "surrogateescape"))
    return digest.hexdigest()[:32]


def replacements(old: str, new: str) -> tuple[Replacement, ...]:
    """The changes from ``old`` to ``new`` as whole-line replacements, by character offset."""
    import difflib

    old_lines = _lines(old)
    new_lines = _lines(new)
    starts = [0]
    for line in old_lines:
        starts.append(starts[-1] + len(line))
    found: list[Replacement] = []
    matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag != "equal":
            found.append((starts[i1], starts[i2] - starts[i1], "".join(new_lines[j1:j2])))
    return tuple(found)


def _lines(text: str) -> list[str]:
    """Lines with their endings, split where Python splits them (not on form feeds)."""
    out: list[str] = []
    start = 0
    for match in _LINE_BREAK.finditer(text):
        out.append(text[start:match.end()])
        start = match.end()
    if start < len(text):
        out.append(text[start:])
    return out
