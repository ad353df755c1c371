"""Reads ``fixtures/``: expectations are comments in the fixture's own text.

``# expect: FAS101`` on the line where a finding starts (several: ``FAS101, FAS403``;
names work too), ``# expect: FAS102 "a -> b"`` also checks the message,
``# expect+1: FAS203`` points at the next line. A file with none must be clean.
Headers: ``# select: FAS1`` replaces the selection (default: the rules on by
default plus the fixture folder's code), ``# config: <toml line>`` adds config.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from fastapi_lint.api import lint_paths
from fastapi_lint.config import Config, expand, parse_table, tomllib
from fastapi_lint.diagnostics import Diagnostic

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
_EXPECT = re.compile(r"#\s*expect(?:\+(?P<offset>\d+))?:\s*(?P<items>.+)$")
_ITEM = re.compile(r'(?P<code>[A-Za-z][\w-]*)(?:\s+"(?P<text>[^"]*)")?')


@dataclass(frozen=True)
class Expected:
    path: str
    line: int
    code: str
    text: str | None


@dataclass(frozen=True)
class Fixture:
    code: str  # the folder: FAS101
    target: Path  # a file, or a folder linted as one project

    @property
    def id(self) -> str:
        return self.target.relative_to(FIXTURES).as_posix()

    def files(self) -> list[Path]:
        return sorted(self.target.rglob("*.py")) if self.target.is_dir() else [self.target]

    def expectations(self) -> list[Expected]:
        found: list[Expected] = []
        for file in self.files():
            for number, line in enumerate(file.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
                match = _EXPECT.search(line)
                if not match:
                    continue
                offset = int(match.group("offset") or 0)
                for item in _ITEM.finditer(match.group("items")):
                    (code,) = expand(item.group("code")) or {item.group("code")}
                    found.append(Expected(self._rel(file), number + offset, code, item.group("text")))
        return found

    def config(self) -> Config:
        header = self.files()[0].read_text(encoding="utf-8", errors="replace").splitlines()[:10]
        table: dict[str, object] = {}
        select = None
        for line in header:
            if line.startswith("# select:"):
                select = [part.strip() for part in line.split(":", 1)[1].split(",")]
            elif line.startswith("# config:"):
                table.update(tomllib.loads(line.split(":", 1)[1]))
        config = parse_table(table, self.files()[0])
        if select is not None:
            return config.with_overrides(select=tuple(select))
        return config.with_overrides(extend_select=(self.code,))

    def run(self) -> list[Diagnostic]:
        return lint_paths([self.target], self.config()).diagnostics

    def _rel(self, file: Path) -> str:
        return file.relative_to(ROOT).as_posix()


def all_fixtures() -> list[Fixture]:
    found: list[Fixture] = []
    for folder in sorted(FIXTURES.glob("FAS*")):
        for entry in sorted(folder.iterdir()):
            if entry.is_dir() or (entry.suffix == ".py" and not entry.name.endswith(".fixed.py")):
                found.append(Fixture(folder.name, entry))
    return found


def compare(fixture: Fixture, diagnostics: list[Diagnostic]) -> list[str]:
    """Differences between expected and actual findings, as readable lines (empty: a match)."""
    expected = fixture.expectations()
    actual = Counter((d.path, d.span.line, d.code) for d in diagnostics)
    wanted = Counter((e.path, e.line, e.code) for e in expected)
    problems = [f"missing {code} at {path}:{line}" for (path, line, code), n in (wanted - actual).items() for _ in range(n)]
    for (path, line, code), _ in (actual - wanted).items():
        messages = [d.message for d in diagnostics if (d.path, d.span.line, d.code) == (path, line, code)]
        problems.append(f"unexpected {code} at {path}:{line}: {messages[0]}")
    for e in expected:
        if e.text is None:
            continue
        messages = [d.message for d in diagnostics if (d.path, d.span.line, d.code) == (e.path, e.line, e.code)]
        if messages and not any(e.text in m for m in messages):
            problems.append(f"{e.code} at {e.path}:{e.line}: message lacks {e.text!r}: {messages}")
    return problems
