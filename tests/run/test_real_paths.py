"""``paths.real_paths``: what ``real_or_absolute`` says of each path, each folder resolved once."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from fastapi_lint.paths import real_or_absolute, real_paths


def test_every_kind_of_path_resolves_as_realpath_does(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "pkg" / "sub").mkdir(parents=True)
    (tmp_path / "pkg" / "a.py").write_text("")
    (tmp_path / "pkg" / "sub" / "b.py").write_text("")
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "c.py").write_text("")
    os.symlink(tmp_path / "other", tmp_path / "pkg" / "linked")  # a folder through a link
    os.symlink(tmp_path / "other" / "c.py", tmp_path / "pkg" / "c_link.py")  # a file that is a link
    os.symlink(tmp_path / "pkg" / "sub", tmp_path / "deep")
    monkeypatch.chdir(tmp_path / "pkg")
    paths = [
        tmp_path / "pkg" / "a.py", "a.py", "sub/b.py", "linked/c.py", "c_link.py", "missing.py",
        "linked/../a.py",  # ``..`` after a link: the link's parent, not this folder
        tmp_path / "deep" / ".." / "a.py", tmp_path / "deep" / "b.py", "sub",
    ]
    assert real_paths(paths) == [real_or_absolute(path) for path in paths]
    assert real_paths(["linked/../a.py"]) == [str(tmp_path / "a.py")]  # there is none: as realpath says
